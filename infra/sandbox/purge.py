"""Purges that let a sandbox name be used again at once.

Deleting an Azure ML workspace or a Key Vault only soft-deletes it, and the name stays taken
for the retention period. azure-native has no purge switch, so these ARM calls do it:

- the workspace is deleted for good (`DELETE .../workspaces/{name}?forceToPurge=true`,
  Workspaces_Delete, 2025-12-01) while it still exists, before `pulumi destroy`: once its
  resource group is gone, ARM cannot route a purge of the soft-deleted workspace any more;
- the vault is purged from its location's deleted vaults after `pulumi destroy`
  (`POST .../locations/{location}/deletedVaults/{name}/purge`, Vaults_PurgeDeleted,
  2024-11-01), once the deleted vault's `vaultId` shows it is this stack's vault.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.arm import ArmClient

ML_API_VERSION = "2025-12-01"
KEY_VAULT_API_VERSION = "2024-11-01"
# A vault shows up among deleted vaults shortly after its delete returns: look a few times.
DELETED_VAULT_LOOKUPS = 6
DELETED_VAULT_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class Purged:
    done: bool
    note: str | None = None


@dataclass
class Purger:
    arm: ArmClient

    def workspace(self, workspace_id: str) -> Purged:
        """Delete a live workspace permanently instead of soft-deleting it."""
        status, _, _ = self.arm.call("GET", workspace_id, ML_API_VERSION)
        if status == 404:
            return Purged(False, f"workspace {workspace_id} not found: nothing to purge")
        self.arm.call_and_wait("DELETE", workspace_id + "?forceToPurge=true", ML_API_VERSION)
        return Purged(True)

    def key_vault(self, vault_id: str, location: str, name: str) -> Purged:
        """Purge the soft-deleted vault `name` if it is the vault `vault_id` was."""
        subscription = vault_id.split("/")[2]
        deleted = (
            f"/subscriptions/{subscription}/providers/Microsoft.KeyVault/locations/{location}/"
            f"deletedVaults/{name}"
        )
        for attempt in range(DELETED_VAULT_LOOKUPS):
            status, _, body = self.arm.call("GET", deleted, KEY_VAULT_API_VERSION)
            if status != 404:
                break
            if attempt + 1 < DELETED_VAULT_LOOKUPS:
                self.arm.sleep(DELETED_VAULT_WAIT_SECONDS)
        else:
            return Purged(False, f"Key Vault {name} is not among deleted vaults in {location}")
        properties = (body or {}).get("properties") or {}
        if str(properties.get("vaultId", "")).lower() != vault_id.lower():
            return Purged(
                False,
                f"deleted Key Vault {name} was {properties.get('vaultId')}, not this stack's "
                f"{vault_id}: left alone",
            )
        if properties.get("purgeProtectionEnabled"):
            return Purged(
                False,
                f"Key Vault {name} has purge protection: its name is taken until "
                f"{properties.get('scheduledPurgeDate', 'its scheduled purge date')}",
            )
        self.arm.call_and_wait("POST", deleted + "/purge", KEY_VAULT_API_VERSION)
        return Purged(True)
