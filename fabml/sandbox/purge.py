"""Purges that let a sandbox name be used again at once.

Deleting an Azure ML workspace or a Key Vault only soft-deletes it, and the name stays taken
for the retention period. azure-native has no purge switch, so these ARM calls do it: the
workspace is deleted permanently (`forceToPurge=true`) before `pulumi destroy` removes its
resource group, and the vault is purged from its location's deleted-vault list afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.clients.arm import ArmClient

ML_API_VERSION = "2025-12-01"
KEY_VAULT_API_VERSION = "2024-11-01"


@dataclass
class Purger:
    arm: ArmClient
    subscription_id: str

    def _purge(self, resource: str, method: str, action: str, api_version: str) -> bool:
        """Run `method` on resource+action if the resource exists; False if there was none."""
        status, _, _ = self.arm.call("GET", resource, api_version)
        if status == 404:
            return False
        self.arm.call_and_wait(method, resource + action, api_version)
        return True

    def workspace(self, resource_group: str, workspace: str) -> bool:
        """Delete the workspace for good instead of soft-deleting it."""
        resource = (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{resource_group}/providers/"
            f"Microsoft.MachineLearningServices/workspaces/{workspace}"
        )
        return self._purge(resource, "DELETE", "?forceToPurge=true", ML_API_VERSION)

    def key_vault(self, location: str, vault: str) -> bool:
        """Purge a soft-deleted vault."""
        resource = (
            f"/subscriptions/{self.subscription_id}/providers/Microsoft.KeyVault/locations/"
            f"{location}/deletedVaults/{vault}"
        )
        return self._purge(resource, "POST", "/purge", KEY_VAULT_API_VERSION)
