"""The Azure ML workspace and what it needs: its own storage, Key Vault, logs and monitoring."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import (
    applicationinsights,
    keyvault,
    monitor,
    operationalinsights,
    storage,
)
from pulumi_azure_native import (
    machinelearningservices as ml,
)

from infra.catalog import WORKSPACE_STORAGE_PURPOSE
from infra.components import storage_baseline
from infra.components.context import StackContext
from infra.components.data_lake.component import DataLake
from infra.components.workspace.config import WorkspaceConfig


def _private_endpoint_rule(
    resource_id: pulumi.Input[str], subresource: str
) -> ml.PrivateEndpointOutboundRuleArgs:
    return ml.PrivateEndpointOutboundRuleArgs(
        type="PrivateEndpoint",
        category="UserDefined",
        destination=ml.PrivateEndpointDestinationArgs(
            service_resource_id=resource_id, subresource_target=subresource
        ),
    )


def _package_index_rules(hosts: list[str]) -> dict[str, ml.FqdnOutboundRuleArgs]:
    """FQDN rules for the hosts the model's environment installs from: Azure ML adds the
    rules its own services need, not these (the image build and jobs' conda/pip installs)."""
    return {
        f"package-index-{host.replace('.', '-')}": ml.FqdnOutboundRuleArgs(
            type="FQDN", category="UserDefined", destination=host
        )
        for host in hosts
    }


def _storage_network(config: WorkspaceConfig) -> storage.NetworkRuleSetArgs:
    """Open: every network (dev, sandboxes). Locked: deny, admitting trusted Azure services
    (Azure ML's control plane) and the deployer's ranges for the model upload; jobs come in
    through the managed network's private endpoints."""
    if not config.locked:
        return storage.NetworkRuleSetArgs(
            default_action=storage.DefaultAction.ALLOW, bypass="AzureServices"
        )
    return storage.NetworkRuleSetArgs(
        default_action=storage.DefaultAction.DENY,
        bypass="AzureServices",
        ip_rules=[
            storage.IPRuleArgs(i_p_address_or_range=ip, action=storage.Action.ALLOW)
            for ip in config.deployer_ip_ranges
        ]
        or None,
    )


class MlWorkspace(pulumi.ComponentResource):
    workspace: ml.Workspace

    def __init__(
        self,
        name: str,
        config: WorkspaceConfig,
        ctx: StackContext,
        *,
        lake: DataLake,
        fabric_invokes_endpoint: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fabml:workspace:MlWorkspace", name, None, opts)
        self.config = config
        data_lake_id = lake.account.id

        # The workspace's default storage must be a flat-namespace account of its own: Azure ML
        # does not support a hierarchical-namespace account as workspace storage.
        self.storage = storage.StorageAccount(
            f"{name}-storage",
            account_name=ctx.names.workspace_storage,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            kind=storage.Kind.STORAGE_V2,
            sku=storage.SkuArgs(name=config.storage_sku),
            is_hns_enabled=False,
            enable_https_traffic_only=True,
            minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
            allow_blob_public_access=False,
            # Locked (a managed network is on): the system datastores use identities
            # (systemDatastoresAuthMode) and the model upload Entra ID, so no key is needed.
            # Open: the system datastores authenticate with the account key.
            allow_shared_key_access=not config.locked,
            allow_cross_tenant_replication=False,
            network_rule_set=_storage_network(config),
            encryption=storage_baseline.encryption(),
            tags={**ctx.tags, "purpose": WORKSPACE_STORAGE_PURPOSE},
            opts=ctx.child(self, stateful=True),
        )

        self.key_vault = keyvault.Vault(
            f"{name}-key-vault",
            vault_name=ctx.names.key_vault,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=ctx.tenant_id,
                sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD),
                enable_rbac_authorization=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=config.key_vault_retention_days,
                # The API refuses `false` once it was true, and omitting it means off.
                enable_purge_protection=True if config.purge_protection else None,
                # With a managed network, jobs reach the vault through its private endpoint
                # and Azure ML's control plane as a trusted service: nothing else needs it, and
                # nothing of the deploy reads it (the program writes no secret there).
                public_network_access="Disabled" if config.locked else "Enabled",
                network_acls=keyvault.NetworkRuleSetArgs(
                    bypass="AzureServices",
                    default_action="Deny" if config.locked else "Allow",
                ),
            ),
            tags=ctx.tags,
            opts=ctx.child(self, stateful=True),
        )

        self.log_analytics = operationalinsights.Workspace(
            f"{name}-logs",
            workspace_name=ctx.names.log_analytics,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=config.log_retention_days,
            tags=ctx.tags,
            opts=ctx.child(self),
        )

        self.app_insights = applicationinsights.Component(
            f"{name}-app-insights",
            resource_name_=ctx.names.app_insights,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            kind="web",
            application_type="web",
            ingestion_mode="LogAnalytics",
            workspace_resource_id=self.log_analytics.id,
            tags=ctx.tags,
            opts=ctx.child(self),
        )

        managed_network = None
        if config.locked:
            approved_only = config.managed_network == "AllowOnlyApprovedOutbound"
            managed_network = ml.ManagedNetworkSettingsArgs(
                isolation_mode=config.managed_network,
                # FQDN rules exist only in AllowOnlyApprovedOutbound, and bring a managed
                # Azure Firewall of this SKU (billed per hour while the network exists).
                firewall_sku=config.firewall_sku if approved_only else None,
                outbound_rules={
                    **(_package_index_rules(config.package_indexes) if approved_only else {}),
                    # Batch jobs mount the data lake through these when its firewall denies.
                    "data-lake-blob": _private_endpoint_rule(data_lake_id, "blob"),
                    "data-lake-dfs": _private_endpoint_rule(data_lake_id, "dfs"),
                    # Batch endpoints keep job state in the workspace storage's queues and tables,
                    # which the managed network does not reach by default.
                    "workspace-storage-queue": _private_endpoint_rule(self.storage.id, "queue"),
                    "workspace-storage-table": _private_endpoint_rule(self.storage.id, "table"),
                },
            )

        self.workspace = ml.Workspace(
            f"{name}-workspace",
            workspace_name=ctx.names.ml_workspace,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            friendly_name=f"Fabric batch scoring ({ctx.names.stack})",
            description="Azure ML workspace whose batch endpoint Microsoft Fabric pipelines call.",
            kind="Default",
            sku=ml.SkuArgs(name="Basic", tier=ml.SkuTier.BASIC),
            identity=ml.ManagedServiceIdentityArgs(
                type=ml.ManagedServiceIdentityType.SYSTEM_ASSIGNED
            ),
            storage_account=self.storage.id,
            key_vault=self.key_vault.id,
            application_insights=self.app_insights.id,
            # Fabric's pipeline reaches the endpoint only over the public endpoint; callers are
            # held by Entra sign-in, AAD-token auth and least-privilege roles instead.
            public_network_access=config.public_network_access,
            managed_network=managed_network,
            # Build the managed network now (about 30 minutes, inside `up`) rather than on the
            # first compute start, which would be inside the first Fabric-triggered job.
            provision_network_now=True if config.locked else None,
            # The workspace's own datastores use identities, not the account key turned off.
            system_datastores_auth_mode="Identity" if config.locked else None,
            hbi_workspace=False,
            v1_legacy_mode=False,
            # Declares why inbound public access is on, for reviewers and the policy pack.
            tags={**ctx.tags, "fabricInvokesEndpoint": str(fabric_invokes_endpoint).lower()},
            opts=ctx.child(self, stateful=True),
        )

        self.diagnostics = monitor.DiagnosticSetting(
            f"{name}-diagnostics",
            name="send-to-log-analytics",
            resource_uri=self.workspace.id,
            workspace_id=self.log_analytics.id,
            logs=[monitor.DiagnosticsLogSettingsArgs(category_group="allLogs", enabled=True)],
            metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)],
            opts=ctx.child(self),
        )

        self.register_outputs(
            {
                "workspaceId": self.workspace.id,
                "workspaceName": self.workspace.name,
                "storageId": self.storage.id,
                "keyVaultId": self.key_vault.id,
            }
        )
