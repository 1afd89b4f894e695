"""The ADLS Gen2 account Fabric and Azure ML share, its scoring container and its firewall."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import storage

from infra.catalog import DATA_LAKE_PURPOSE
from infra.components import storage_baseline
from infra.components.context import StackContext
from infra.components.data_lake.config import FABRIC_WORKSPACE_RESOURCE, DataLakeConfig


class DataLake(pulumi.ComponentResource):
    account: storage.StorageAccount
    container: storage.BlobContainer

    def __init__(
        self,
        name: str,
        config: DataLakeConfig,
        ctx: StackContext,
        *,
        fabric_workspace_id: str | None,
        fabric_tenant_id: pulumi.Input[str],
        shared_key_access: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fabml:data:DataLake", name, None, opts)
        self.config = config

        resource_access_rules = None
        if fabric_workspace_id is not None:
            resource_access_rules = [
                storage.ResourceAccessRuleArgs(
                    resource_id=FABRIC_WORKSPACE_RESOURCE.format(workspace_id=fabric_workspace_id),
                    tenant_id=fabric_tenant_id,
                )
            ]

        self.account = storage.StorageAccount(
            f"{name}-account",
            account_name=ctx.names.data_lake,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            kind=storage.Kind.STORAGE_V2,
            sku=storage.SkuArgs(name=config.sku),
            access_tier=storage.AccessTier.HOT,
            # Fabric shortcuts and OneLake need ADLS Gen2.
            is_hns_enabled=True,
            enable_https_traffic_only=True,
            minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
            allow_blob_public_access=False,
            # Only an account-key datastore needs the key; otherwise every caller uses Entra ID.
            allow_shared_key_access=shared_key_access,
            default_to_o_auth_authentication=True,
            allow_cross_tenant_replication=False,
            public_network_access="Enabled",
            # The SDK's default is allow-all: state the firewall in every environment.
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction(config.network_default_action),
                bypass="None",
                ip_rules=[
                    storage.IPRuleArgs(i_p_address_or_range=ip, action=storage.Action.ALLOW)
                    for ip in config.allowed_ip_ranges
                ],
                resource_access_rules=resource_access_rules,
            ),
            encryption=storage_baseline.encryption(),
            tags={**ctx.tags, "purpose": DATA_LAKE_PURPOSE},
            opts=ctx.child(self, stateful=True),
        )

        keep = config.soft_delete_days > 0
        retention = storage.DeleteRetentionPolicyArgs(
            enabled=keep, days=config.soft_delete_days if keep else None
        )
        self.blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            account_name=self.account.name,
            resource_group_name=ctx.resource_group_name,
            blob_services_name="default",
            delete_retention_policy=retention,
            container_delete_retention_policy=retention,
            opts=ctx.child(self),
        )

        self.container = storage.BlobContainer(
            f"{name}-container",
            container_name=config.container_name,
            account_name=self.account.name,
            resource_group_name=ctx.resource_group_name,
            public_access=storage.PublicAccess.NONE,
            opts=ctx.child(self, stateful=True),
        )

        self.dfs_url = self.account.primary_endpoints.apply(lambda e: e.dfs)
        self.register_outputs(
            {
                "accountId": self.account.id,
                "accountName": self.account.name,
                "containerName": self.container.name,
                "dfsUrl": self.dfs_url,
            }
        )
