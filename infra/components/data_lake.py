"""The ADLS Gen2 account Fabric and Azure ML share, its scoring container and its firewall."""

from __future__ import annotations

import ipaddress
from typing import Literal

import pulumi
from pulumi_azure_native import storage
from pydantic import Field, field_validator

from infra.catalog import DATA_LAKE_PURPOSE
from infra.components.config import Section
from infra.components.context import StackContext

# Fabric's trusted workspace access names a workspace with this literal all-zero subscription.
FABRIC_WORKSPACE_RESOURCE = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/Fabric/providers/"
    "Microsoft.Fabric/workspaces/{workspace_id}"
)


# Storage firewall IP rules take public addresses only (RFC 1918, loopback, link-local refused).
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(block)
    for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16")
)


class DataLakeProfile(Section):
    """What the environment profile decides for the data lake."""

    sku: Literal[
        "Standard_LRS",
        "Standard_ZRS",
        "Standard_GRS",
        "Standard_RAGRS",
        "Standard_GZRS",
        "Standard_RAGZRS",
    ] = Field(description="Storage redundancy of the data lake.")
    soft_delete_days: int = Field(
        ge=0, le=365, description="Blob and container soft-delete retention in days; 0 disables."
    )
    network_default_action: Literal["Allow", "Deny"] = Field(
        description="Storage firewall default. Deny admits only the Fabric workspace (resource-"
        "instance rule), the Azure ML managed network and allowedIpRanges."
    )


class DataLakeConfig(DataLakeProfile):
    """`fabml:dataLake`: the shared account, its container, folders and firewall."""

    container_name: str = Field(
        default="scoring",
        pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
        description="Container shared by the OneLake shortcut and the datastore (3-63 lowercase "
        "letters, digits, single hyphens).",
    )
    input_folder: str = Field(
        default="heart-unlabeled",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
        description="Folder in the container holding the CSVs to score (the job input).",
    )
    output_folder: str = Field(
        default="predictions",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
        description="Folder in the container under which each pipeline run writes its output.",
    )
    allowed_ip_ranges: tuple[str, ...] = Field(
        default=(), description="Public IPv4 addresses or CIDR ranges admitted by the firewall."
    )

    @field_validator("container_name")
    @classmethod
    def _single_hyphens(cls, name: str) -> str:
        if "--" in name:
            raise ValueError(f"'{name}' has consecutive hyphens, which container names forbid")
        return name

    @field_validator("allowed_ip_ranges")
    @classmethod
    def _ipv4(cls, ranges: tuple[str, ...]) -> tuple[str, ...]:
        for item in ranges:
            try:
                net = ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"'{item}' is not an IPv4 address or CIDR range") from None
            if net.version != 4 or any(net.overlaps(block) for block in _NOT_PUBLIC):
                raise ValueError(f"'{item}' must be a public IPv4 range (storage IP rules)")
            if "/" in item and net.prefixlen > 30:
                raise ValueError(f"'{item}': write /31 and /32 ranges as single addresses")
        return ranges


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
            encryption=storage.EncryptionArgs(
                key_source=storage.KeySource.MICROSOFT_STORAGE,
                require_infrastructure_encryption=True,
                services=storage.EncryptionServicesArgs(
                    blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                    file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                ),
            ),
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
