"""`fabml:workspace`: the Azure ML workspace and its dependencies (no Pulumi import)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infra.components.config import Section


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


class WorkspaceConfig(WorkspaceProfile):
    """`fabml:workspace`: the Azure ML workspace and its services."""

    public_network_access: Literal["Enabled", "Disabled"] = Field(
        default="Enabled",
        description="Inbound public access to the Azure ML workspace. Must stay Enabled while "
        "Fabric invokes the endpoint (fabric.invokesEndpoint).",
    )
