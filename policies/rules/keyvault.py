"""The workspace's Key Vault."""

from __future__ import annotations

from collections.abc import Iterable

from policies.model import (
    KEY_VAULT,
    Context,
    Resource,
    Rule,
    everywhere,
    is_unknown,
    prod_only_mandatory,
)


def _rbac(vault: Resource, _: Context) -> Iterable[str]:
    if vault.get("properties.enableRbacAuthorization") is not True:
        yield "properties.enableRbacAuthorization is not true: access policies would be used"


def _soft_delete(vault: Resource, _: Context) -> Iterable[str]:
    if vault.get("properties.enableSoftDelete") is False:
        yield "properties.enableSoftDelete is false"


# Azure's retention when softDeleteRetentionInDays is omitted.
AZURE_DEFAULT_RETENTION_DAYS = 90


def _retention(vault: Resource, context: Context) -> Iterable[str]:
    days = vault.get("properties.softDeleteRetentionInDays", AZURE_DEFAULT_RETENTION_DAYS)
    if is_unknown(days):
        return
    if not isinstance(days, int) or days < context.min_key_vault_retention_days:
        yield (
            f"properties.softDeleteRetentionInDays is {days!r}; the {context.environment} "
            f"minimum is {context.min_key_vault_retention_days}"
        )


def _network(vault: Resource, context: Context) -> Iterable[str]:
    acls = vault.get("properties.networkAcls")
    if not isinstance(acls, dict) or not acls.get("defaultAction"):
        yield "no properties.networkAcls.defaultAction: state the vault's firewall"
        return
    if context.environment == "prod" and acls.get("defaultAction") != "Deny":
        yield (
            f"properties.networkAcls.defaultAction is {acls.get('defaultAction')!r} in prod; the "
            "vault must deny public traffic (the workspace reaches it through its managed "
            "network and the trusted-services bypass)"
        )


def _public_network(vault: Resource, context: Context) -> Iterable[str]:
    if context.environment == "prod" and vault.get("properties.publicNetworkAccess") != "Disabled":
        yield (
            f"properties.publicNetworkAccess is {vault.get('properties.publicNetworkAccess')!r} "
            "in prod; the workspace reaches its vault through the managed network, nothing "
            "else needs the public endpoint"
        )


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
        name="keyvault-retention-minimum",
        description="Deleted secrets stay recoverable at least the environment's minimum "
        "(dev and sandboxes 7 days, prod 90).",
        source="Azure Policy 1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d; project rule",
        fix="set fabml:workspace.keyVaultRetentionDays to at least the minimum",
        enforcement=everywhere(),
        types=(KEY_VAULT,),
        check=_retention,
    ),
    Rule(
        name="keyvault-network-rules",
        description="Every vault states its firewall; the prod vault denies public traffic.",
        source="Azure Policy ac673a9a-f77d-4846-b2d8-a57f8e1c01dc (key vault firewall: "
        "defaultAction Deny); "
        "MCSB NS-2",
        fix="set properties.networkAcls (prod: defaultAction Deny, bypass AzureServices, with "
        "fabml:workspace.managedNetwork isolated)",
        enforcement=everywhere(),
        types=(KEY_VAULT,),
        check=_network,
    ),
    Rule(
        name="keyvault-public-network-off-in-prod",
        description="Prod vaults have no public endpoint (publicNetworkAccess Disabled).",
        source="Azure Policy 405c5871-3e91-4644-8a63-58e19d68ff5b; Checkov CKV_AZURE_189",
        fix="set fabml:workspace.managedNetwork (prod: AllowOnlyApprovedOutbound), which closes "
        "the vault's public endpoint",
        enforcement=prod_only_mandatory(),
        types=(KEY_VAULT,),
        check=_public_network,
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
