"""`fabml:dataLake`: the shared account, container, folders, firewall (no Pulumi import)."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from infra.components.config import Section

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
        return storage_ip_rules(ranges)


def storage_ip_rules(ranges: tuple[str, ...]) -> tuple[str, ...]:
    """`ranges` if each is what a storage IP rule takes: a public IPv4 address or range."""
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
