"""Purges that let a stack's names be used again at once, only of what the stack owns.

Deleting an Azure ML workspace or a Key Vault only soft-deletes it, and the name stays taken for
the retention period (14 days; 7-90 for a vault). azure-native has no purge switch, so these ARM
calls do it: the workspace is deleted permanently (`forceToPurge=true`) before `pulumi destroy`
(ARM documents no REST purge of an already soft-deleted workspace), and the vault is purged from
its location's deleted-vault list afterwards.

A purge cannot be undone, so nothing is purged on the stack's word (its state or outputs can
name anything): ownership is read from Azure itself. The resource group and the resource must
carry the tags the program sets at creation (`project`, `stack`, `environment`: see
`StackSettings.tags`; the `environment` tag already marks a sandbox, so no extra marker tag is
needed), the names must be the ones this stack's settings give in the subscription acted in
(`StackSettings.names_in`, the program's own `suffix()`), and the stack must not be a protected
environment. Anything else is refused, by name.

Scopes the purging identity needs (a sandbox identity holds them on its own subscription or pool):
- `Microsoft.Resources/subscriptions/resourceGroups/read` on the stack's group;
- `Microsoft.MachineLearningServices/workspaces/read` and `.../workspaces/delete` on the group
  (`forceToPurge` needs nothing more than delete);
- `Microsoft.KeyVault/locations/deletedVaults/read` and
  `Microsoft.KeyVault/locations/deletedVaults/purge/action`: SUBSCRIPTION-level actions (a deleted
  vault belongs to no resource group), so no identity scoped to a resource group can purge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra.clients.arm import ArmClient
from infra.errors import UserError
from infra.settings import StackSettings

ML_API_VERSION = "2025-12-01"
KEY_VAULT_API_VERSION = "2024-11-01"
RESOURCES_API_VERSION = "2024-03-01"
# Environments whose resources no teardown ever purges or force-deletes.
PROTECTED_ENVIRONMENTS = frozenset({"prod"})
# The creation tags that say who owns a resource (a subset of StackSettings.tags).
OWNER_TAGS = ("project", "stack", "environment")
_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


class Refused(Exception):
    """A purge or force-delete was refused: what it would have touched is not the stack's."""


def refuse_protected(settings: StackSettings) -> None:
    """Stop before anything happens if the stack is one a teardown must never touch."""
    if settings.environment in PROTECTED_ENVIRONMENTS or settings.stack in PROTECTED_ENVIRONMENTS:
        raise UserError(
            f"{settings.stack} is a {settings.environment} stack: fabml never destroys or purges "
            "a protected environment"
        )
    if settings.protection.protect_stateful:
        raise UserError(
            f"{settings.stack} protects its stateful resources (fabml:protection.protectStateful"
            "): fabml never destroys or purges a protected stack"
        )


def _same(a: str | None, b: str | None) -> bool:
    # ARM names and ids are case-insensitive.
    return (a or "").lower() == (b or "").lower()


@dataclass
class Purger:
    arm: ArmClient
    subscription_id: str
    settings: StackSettings

    def __post_init__(self) -> None:
        refuse_protected(self.settings)
        if not _GUID.match(self.subscription_id):
            # It comes from the stack's outputs: it must not steer the calls anywhere but ARM.
            raise Refused(
                f"{self.settings.stack}: its subscriptionId output {self.subscription_id!r} is "
                "not a subscription id: refusing to destroy or purge anything"
            )
        # Names in the subscription acted in, by the same `suffix()` the program used.
        self.names = self.settings.names_in(self.subscription_id)
        self.group = self.settings.existing_resource_group or self.names.resource_group
        self.expected_tags = {key: self.settings.tags[key] for key in OWNER_TAGS}

    @property
    def stack(self) -> str:
        return self.settings.stack

    def _group_path(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.group}"

    def _tags_problem(self, tags: object) -> str | None:
        tags = tags if isinstance(tags, dict) else {}
        wrong = [
            f"{key}={tags.get(key)!r}"
            for key, value in self.expected_tags.items()
            if tags.get(key) != value
        ]
        return f"tagged {', '.join(wrong)}" if wrong else None

    def check_targets(self, resource_group: str | None, workspace: str | None) -> None:
        """Refuse at once if the stack's outputs name a group or workspace that is not its own."""
        for kind, named, own in (
            ("resource group", resource_group, self.group),
            ("Azure ML workspace", workspace, self.names.ml_workspace),
        ):
            if named and not _same(named, own):
                raise Refused(
                    f"{self.stack}: its outputs name {kind} {named}, but {self.stack}'s is {own}: "
                    "refusing to destroy or purge anything"
                )

    def check_group(self) -> bool:
        """True if the stack's group exists and is the stack's; Refused if it is someone else's."""
        status, _, group = self.arm.call("GET", self._group_path(), RESOURCES_API_VERSION)
        if status == 404:
            return False
        if self.settings.existing_resource_group:
            # A group the stack was given, not one it made: its own tags say nothing about the
            # stack; the resource's tags decide.
            return True
        problem = self._tags_problem((group or {}).get("tags"))
        if problem:
            raise Refused(
                f"refusing to purge in resource group {self.group}: {problem}, not "
                f"{self.stack}'s creation tags"
            )
        return True

    def workspace(self) -> bool:
        """Delete the stack's workspace for good instead of soft-deleting it; False if none."""
        name = self.names.ml_workspace
        if not self.check_group():
            return False
        path = f"{self._group_path()}/providers/Microsoft.MachineLearningServices/workspaces/{name}"
        status, _, found = self.arm.call("GET", path, ML_API_VERSION)
        if status == 404:
            return False
        problem = self._tags_problem((found or {}).get("tags"))
        if problem:
            raise Refused(f"refusing to purge Azure ML workspace {name}: {problem}")
        self.arm.call_and_wait("DELETE", path + "?forceToPurge=true", ML_API_VERSION)
        return True

    def key_vault(self) -> bool:
        """Purge the stack's soft-deleted vault; False if there is none."""
        name = self.names.key_vault
        path = (
            f"/subscriptions/{self.subscription_id}/providers/Microsoft.KeyVault/locations/"
            f"{self.settings.location}/deletedVaults/{name}"
        )
        status, _, deleted = self.arm.call("GET", path, KEY_VAULT_API_VERSION)
        if status == 404:
            return False
        properties = (deleted or {}).get("properties") or {}
        # A deleted vault keeps the id it had (its group) and its tags: both must be the stack's.
        vault_id = str(properties.get("vaultId") or "")
        own_id = f"{self._group_path()}/providers/Microsoft.KeyVault/vaults/{name}"
        if not _same(vault_id, own_id):
            raise Refused(
                f"refusing to purge deleted Key Vault {name}: it was {vault_id or 'unknown'}, "
                f"not in {self.stack}'s resource group {self.group}"
            )
        problem = self._tags_problem(properties.get("tags"))
        if problem:
            raise Refused(f"refusing to purge deleted Key Vault {name}: {problem}")
        if properties.get("purgeProtectionEnabled"):
            raise Refused(
                f"deleted Key Vault {name} has purge protection: it keeps its name until "
                f"{properties.get('scheduledPurgeDate', 'its retention ends')}"
            )
        # The group is usually gone with the stack; if it is still there, it must be the stack's.
        self.check_group()
        self.arm.call_and_wait("POST", path + "/purge", KEY_VAULT_API_VERSION)
        return True
