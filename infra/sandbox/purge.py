"""Purges that let a sandbox name be used again at once.

Deleting an Azure ML workspace or a Key Vault only soft-deletes it, and the name stays taken
for the retention period. azure-native has no purge switch, so these ARM calls do it: the
workspace is deleted permanently (`forceToPurge=true`) before `pulumi destroy` removes its
resource group, and the vault is purged from its location's deleted-vault list afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.arm import ArmClient

ML_API_VERSION = "2025-12-01"
KEY_VAULT_API_VERSION = "2024-11-01"


@dataclass
class Purger:
    arm: ArmClient
    subscription_id: str

    def workspace(self, resource_group: str, workspace: str) -> bool:
        """Delete the workspace for good; False if it did not exist."""
        path = (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{resource_group}/providers/"
            f"Microsoft.MachineLearningServices/workspaces/{workspace}"
        )
        status, _, _ = self.arm.call("GET", path, ML_API_VERSION)
        if status == 404:
            return False
        self.arm.call_and_wait("DELETE", f"{path}?forceToPurge=true", ML_API_VERSION)
        return True

    def key_vault(self, location: str, vault: str) -> bool:
        """Purge a soft-deleted vault; False if there was none."""
        path = (
            f"/subscriptions/{self.subscription_id}/providers/Microsoft.KeyVault/locations/"
            f"{location}/deletedVaults/{vault}"
        )
        status, _, _ = self.arm.call("GET", path, KEY_VAULT_API_VERSION)
        if status == 404:
            return False
        self.arm.call_and_wait("POST", f"{path}/purge", KEY_VAULT_API_VERSION)
        return True
