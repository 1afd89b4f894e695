"""Environment profiles: what differs between dev, sandbox and prod, as typed models.

Prod keeps data and is locked down; dev and sandboxes are cheap and fully destroyable. Each
profile section is the component's own `...Profile` model (the fields its config inherits), so a
profile value is checked like a stack file's. A stack's own config always wins over its profile.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from infra.components.compute.config import ComputeProfile
from infra.components.config import ProtectionConfig
from infra.components.data_lake.config import DataLakeProfile
from infra.components.scoring.config import DeploymentProfile
from infra.components.workspace.config import WorkspaceProfile

Environment = Literal["dev", "prod", "sandbox"]


class Profile(BaseModel):
    """The defaults one environment gives the stack file's sections."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_lake: DataLakeProfile
    workspace: WorkspaceProfile
    compute: ComputeProfile
    deployment: DeploymentProfile
    protection: ProtectionConfig

    def defaults(self) -> dict[str, dict[str, Any]]:
        """Per section (keyed as in the stack file), the values the stack file may override."""
        return {
            to_camel(name): getattr(self, name).model_dump(by_alias=True)
            for name in type(self).model_fields
        }


_DESTROYABLE = Profile(
    data_lake=DataLakeProfile(
        soft_delete_days=0, network_default_action="Allow", sku="Standard_LRS"
    ),
    workspace=WorkspaceProfile(
        managed_network="Disabled",
        key_vault_retention_days=7,
        purge_protection=False,
        log_retention_days=30,
    ),
    compute=ComputeProfile(low_priority=True, max_nodes=2, vm_size="Standard_DS2_v2"),
    deployment=DeploymentProfile(instance_count=1),
    protection=ProtectionConfig(protect_stateful=False),
)

PROFILES: dict[str, Profile] = {
    "dev": _DESTROYABLE,
    "sandbox": _DESTROYABLE.model_copy(
        update={"compute": _DESTROYABLE.compute.model_copy(update={"max_nodes": 1})}
    ),
    "prod": Profile(
        data_lake=DataLakeProfile(
            soft_delete_days=14, network_default_action="Deny", sku="Standard_ZRS"
        ),
        workspace=WorkspaceProfile(
            managed_network="AllowOnlyApprovedOutbound",
            key_vault_retention_days=90,
            purge_protection=True,
            log_retention_days=90,
            storage_sku="Standard_ZRS",
        ),
        compute=ComputeProfile(low_priority=False, max_nodes=5, vm_size="Standard_DS3_v2"),
        deployment=DeploymentProfile(instance_count=2),
        protection=ProtectionConfig(protect_stateful=True),
    ),
}


def profile_for(environment: object) -> Profile:
    """The environment's profile. An unknown environment is reported on its own; the dev
    profile keeps the other sections from drowning that message in "required" errors."""
    return PROFILES.get(str(environment), PROFILES["dev"])
