"""`fabml:workspace`: the Azure ML workspace and its dependencies (no Pulumi import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import Field, field_validator

from infra.components.config import Section
from infra.components.data_lake.config import storage_ip_rules

# Where each kind of package source in an MLflow model's conda.yaml downloads from. Conda
# channels other than the Anaconda ones need their own host added to `packageIndexes`.
PIP_HOSTS = ("pypi.org", "files.pythonhosted.org")
CONDA_CHANNEL_HOSTS = {
    "conda-forge": ("conda.anaconda.org",),
    "defaults": ("repo.anaconda.com",),
    "anaconda": ("repo.anaconda.com",),
}
# What the committed model's environment (model/heart-classifier/conda.yaml: the conda-forge
# channel and pip) installs from. tests/infra/components check that this covers that file.
DEFAULT_PACKAGE_INDEXES = ("conda.anaconda.org", *PIP_HOSTS)


def hosts_needed(conda_yaml: Path) -> set[str]:
    """The hosts an environment built from `conda_yaml` downloads packages from."""
    spec: dict[str, Any] = yaml.safe_load(conda_yaml.read_text(encoding="utf-8")) or {}
    hosts: set[str] = set()
    for channel in spec.get("channels") or ["defaults"]:
        if "://" in str(channel):  # a channel given by URL
            hosts.add(urlsplit(str(channel)).hostname or str(channel))
        else:  # a named channel lives on anaconda.org unless it is Anaconda's own
            hosts.update(CONDA_CHANNEL_HOSTS.get(str(channel), ("conda.anaconda.org",)))
    dependencies = spec.get("dependencies") or []
    if any(d == "pip" or (isinstance(d, dict) and "pip" in d) for d in dependencies):
        hosts.update(PIP_HOSTS)
    return hosts


class WorkspaceProfile(Section):
    """What the environment profile decides for the workspace."""

    managed_network: Literal["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"] = (
        Field(description="Outbound isolation of the Azure ML managed network.")
    )
    key_vault_retention_days: int = Field(
        ge=7, le=90, description="Key Vault soft-delete retention in days (7-90)."
    )
    purge_protection: bool = Field(
        description="Key Vault purge protection. Cannot be turned off once on; blocks re-using "
        "the vault's name until the retention ends."
    )
    log_retention_days: int = Field(
        ge=30, le=730, description="Log Analytics retention in days (30-730)."
    )
    storage_sku: Literal["Standard_LRS", "Standard_ZRS"] = Field(
        default="Standard_LRS",
        description="Redundancy of the workspace's own storage account (model files, job "
        "state). Changing it on a deployed account needs an Azure-side conversion.",
    )


class WorkspaceConfig(WorkspaceProfile):
    """`fabml:workspace`: the Azure ML workspace and its services."""

    public_network_access: Literal["Enabled", "Disabled"] = Field(
        default="Enabled",
        description="Inbound public access to the Azure ML workspace. Must stay Enabled while "
        "Fabric invokes the endpoint (fabric.invokesEndpoint).",
    )
    package_indexes: list[str] = Field(
        default=list(DEFAULT_PACKAGE_INDEXES),
        description="Hosts the model's environment installs packages from (conda channels, "
        "pip indexes), admitted as FQDN outbound rules when managedNetwork is "
        "AllowOnlyApprovedOutbound. The default covers the committed model's conda.yaml.",
    )
    firewall_sku: Literal["Standard", "Basic"] = Field(
        default="Standard",
        description="SKU of the managed Azure Firewall that FQDN outbound rules bring "
        "(AllowOnlyApprovedOutbound only); Basic costs less and has lower throughput.",
    )
    deployer_ip_ranges: tuple[str, ...] = Field(
        default=(),
        description="IPv4 addresses or CIDR ranges the deploying machine reaches the "
        "workspace storage from, for the model upload, when that storage denies public "
        "traffic (a managed network is on).",
    )
    deployer_network: Literal["ipRanges", "privateNetwork"] = Field(
        default="ipRanges",
        description="How the deploying machine reaches the workspace storage for the model "
        "upload when that storage denies public traffic (a managed network is on): ipRanges, "
        "from deployerIpRanges (required then); privateNetwork, over a private endpoint to the "
        "account that you provide (e.g. a self-hosted runner in a peered network).",
    )
    deployer_principal_type: Literal["ServicePrincipal", "User"] = Field(
        default="ServicePrincipal",
        description="What the deploying identity is (CI: ServicePrincipal; `az login`: User), "
        "for its data role on the model container when the workspace storage is locked; "
        "Azure refuses an assignment whose type does not match the principal.",
    )

    @field_validator("deployer_ip_ranges")
    @classmethod
    def _ipv4(cls, ranges: tuple[str, ...]) -> tuple[str, ...]:
        return storage_ip_rules(ranges)

    @property
    def locked(self) -> bool:
        """With a managed network, the workspace reaches its storage and vault privately, so
        both deny public traffic and use identities only."""
        return self.managed_network != "Disabled"
