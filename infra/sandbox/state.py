"""What a stack's exported state says: which resources it manages, with IDs and protection.

The purges bypass Pulumi, so they act only on what this stack's own state holds: a name from
`Names` is purged only if the state has a resource of that type with that name, and nothing at
all happens while any resource of the stack is protected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WORKSPACE_TYPE = "azure-native:machinelearningservices:Workspace"
KEY_VAULT_TYPE = "azure-native:keyvault:Vault"


@dataclass(frozen=True)
class StateResource:
    urn: str
    type: str
    id: str
    protect: bool


@dataclass(frozen=True)
class StackState:
    resources: list[StateResource]

    @classmethod
    def from_export(cls, exported: dict[str, Any]) -> StackState:
        deployment = exported.get("deployment") or {}
        return cls(
            [
                StateResource(
                    urn=str(r.get("urn", "")),
                    type=str(r.get("type", "")),
                    id=str(r.get("id") or ""),
                    protect=bool(r.get("protect", False)),
                )
                for r in deployment.get("resources") or []
            ]
        )

    @property
    def protected(self) -> list[str]:
        return [r.urn for r in self.resources if r.protect]

    def arm_id(self, type_: str, name: str) -> str | None:
        """The ARM ID of the stack's resource of this type and name, if the stack has one."""
        for resource in self.resources:
            if resource.type == type_ and resource.id.lower().endswith("/" + name.lower()):
                return resource.id
        return None
