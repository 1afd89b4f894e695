"""Limits per environment that settings and the policy pack both enforce (plain data: no
Pulumi, no project imports, so `policies/` may read it)."""

from __future__ import annotations

ENVIRONMENTS = ("dev", "sandbox", "prod")

# Cost cap on AmlCompute max nodes, per environment.
MAX_NODES = {"dev": 4, "sandbox": 2, "prod": 20}
# The widest IP range a firewall rule may admit (storage, key vault, workspace), as a prefix
# length: a developer's or office range in dev, one /24 at most in prod. A /3 is half the
# internet's addresses.
MIN_IP_PREFIX = {"dev": 16, "sandbox": 16, "prod": 24}
# Key Vault soft-delete retention (Azure allows 7-90 days): prod keeps deleted secrets longest.
MIN_KEY_VAULT_RETENTION_DAYS = {"dev": 7, "sandbox": 7, "prod": 90}
# Blob and container soft-delete in prod: a deleted file must stay recoverable for two weeks.
MIN_SOFT_DELETE_DAYS = {"dev": 0, "sandbox": 0, "prod": 14}
# Managed-network modes allowed per environment: prod admits no internet outbound.
MANAGED_NETWORKS = {
    "dev": ("Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"),
    "sandbox": ("Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"),
    "prod": ("AllowOnlyApprovedOutbound",),
}

# Settings prod fixes, each because a rule mandatory in prod requires it (the rule beside it):
# refused in settings, before any plan, rather than by the policy check after one.
PROD_FIXED: dict[str, object] = {
    "dataLake.networkDefaultAction": "Deny",  # storage-network-default-deny
    "workspace.purgeProtection": True,  # keyvault-purge-protection-in-prod
    "workspace.storageSku": "Standard_ZRS",  # storage-workspace-storage-zone-redundant
    "datastore.auth": "identity",  # storage-shared-key-off (an account key needs shared key)
}

# Stack names that fix the environment (the name, or its part before the first hyphen); any
# other name takes fabml:environment.
_NAMED = {"dev": "dev", "prod": "prod", "sandbox": "sandbox"}


def named_environment(stack: str) -> str | None:
    """The environment `stack`'s name fixes, if any."""
    return _NAMED.get(stack.split("-", 1)[0])


def stack_environment(stack: str, declared: str | None) -> str:
    """The environment whose rules judge `stack`: from its name and its settings, never from a
    plan alone. A stack named `prod` (or `prod-*`) that declares another environment would be
    judged by laxer rules, so it is refused (ValueError, one line)."""
    allowed = ", ".join(ENVIRONMENTS)
    if declared is not None and declared not in ENVIRONMENTS:
        raise ValueError(
            f"stack {stack!r}: environment {declared!r} is not one of {allowed} (fabml:environment)"
        )
    named = named_environment(stack)
    if named is not None and declared is not None and declared != named:
        raise ValueError(
            f"stack {stack!r} is named for {named} but fabml:environment is {declared!r}: "
            f"set fabml:environment: {named}, or rename the stack"
        )
    environment = named or declared
    if environment is None:
        raise ValueError(f"stack {stack!r} names no environment: set fabml:environment ({allowed})")
    return environment
