"""The workspace's Key Vault."""

from __future__ import annotations

from collections.abc import Iterable

from policies.model import KEY_VAULT, Context, Resource, Rule, everywhere, prod_only_mandatory


def _rbac(vault: Resource, _: Context) -> Iterable[str]:
    if vault.get("properties.enableRbacAuthorization") is not True:
        yield "properties.enableRbacAuthorization is not true: access policies would be used"


def _soft_delete(vault: Resource, _: Context) -> Iterable[str]:
    if vault.get("properties.enableSoftDelete") is False:
        yield "properties.enableSoftDelete is false"


def _purge_protection(vault: Resource, context: Context) -> Iterable[str]:
    if context.environment == "prod" and vault.get("properties.enablePurgeProtection") is not True:
        yield "properties.enablePurgeProtection is not true in prod"


RULES = (
    Rule(
        name="keyvault-rbac",
        description="Key Vault uses the RBAC permission model.",
        source="Azure Policy 12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",
        fix="set properties.enableRbacAuthorization: true",
        enforcement=everywhere(),
        types=(KEY_VAULT,),
        check=_rbac,
    ),
    Rule(
        name="keyvault-soft-delete",
        description="Key Vault keeps deleted secrets recoverable.",
        source="Azure Policy 1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d; Checkov CKV_AZURE_111",
        fix="set properties.enableSoftDelete: true",
        enforcement=everywhere(),
        types=(KEY_VAULT,),
        check=_soft_delete,
    ),
    Rule(
        name="keyvault-purge-protection-in-prod",
        description="Prod vaults cannot be purged during their retention.",
        source="Azure Policy 0b60c0b2-2dc2-4e1c-b5c9-abbed971de53; Checkov CKV_AZURE_110",
        fix="set fabml:workspace.purgeProtection true",
        enforcement=prod_only_mandatory(),
        types=(KEY_VAULT,),
        check=_purge_protection,
    ),
)
