"""What every storage account the program creates shares: encryption at rest, twice over."""

from __future__ import annotations

from pulumi_azure_native import storage


def encryption() -> storage.EncryptionArgs:
    """Microsoft-managed keys with infrastructure (double) encryption for blobs and files."""
    return storage.EncryptionArgs(
        key_source=storage.KeySource.MICROSOFT_STORAGE,
        require_infrastructure_encryption=True,
        services=storage.EncryptionServicesArgs(
            blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
            file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
        ),
    )
