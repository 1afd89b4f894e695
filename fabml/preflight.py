"""`fabml preflight`: will a stack's global names be free for its first `pulumi up`?

Each name the stack asks Azure for that must be unique beyond its resource group is checked in
the subscription the stack deploys to, with the names `StackSettings.names_in` gives (the
program's own `suffix()`):

- storage accounts (the lake, the workspace's): `Microsoft.Storage/checkNameAvailability`;
- the key vault: `Microsoft.KeyVault/checkNameAvailability`, then the location's deleted-vault
  list (a soft-deleted vault keeps its name until purged or its retention ends);
- the Azure ML workspace: a GET in the stack's resource group. Its name is unique only in the
  group, but a soft-deleted workspace keeps it for 14 days, and the REST API (2025-12-01)
  documents no listing of soft-deleted workspaces: a PUT over one fails with a conflict, and
  only the studio's "Recently deleted" list (or `az ml workspace` in a later CLI) shows it.
  Preflight says so rather than guess.

A name taken by a resource of this stack (in its group, with its creation tags) counts as
free: a second `up` keeps its names. Needs only read access: `checkNameAvailability` is a
POST that changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fabml.sandbox.purge import KEY_VAULT_API_VERSION, ML_API_VERSION, OWNER_TAGS
from infra.clients.arm import ArmClient
from infra.errors import UserError
from infra.settings import StackSettings

STORAGE_API_VERSION = "2025-01-01"
_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Check:
    kind: str
    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass
class PreflightReport:
    stack: str
    subscription_id: str
    checks: list[Check] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "subscriptionId": self.subscription_id,
            "checks": [
                {"kind": c.kind, "name": c.name, "ok": c.ok, "detail": c.detail, "fix": c.fix}
                for c in self.checks
            ],
        }


def check_subscription(subscription_id: str) -> str:
    if not _GUID.match(subscription_id):
        raise UserError(
            f"subscription {subscription_id!r} is not a subscription id (a GUID such as "
            "11111111-2222-3333-4444-555555555555)"
        )
    return subscription_id.lower()


@dataclass
class Preflight:
    arm: ArmClient
    subscription_id: str
    settings: StackSettings

    def __post_init__(self) -> None:
        self.subscription_id = check_subscription(self.subscription_id)
        self.names = self.settings.names_in(self.subscription_id)
        self.group = self.settings.existing_resource_group or self.names.resource_group
        self.owner_tags = {key: self.settings.tags[key] for key in OWNER_TAGS}

    def _suffix_fix(self) -> str:
        return (
            f"pick another suffix: `pulumi config set fabml:nameSuffix <4-6 lowercase letters or "
            f"digits> --stack {self.settings.stack}`, then run preflight again"
        )

    def _ours(self, provider_path: str) -> bool:
        """The resource exists in the stack's group and carries the stack's creation tags."""
        path = f"/subscriptions/{self.subscription_id}/resourceGroups/{self.group}/{provider_path}"
        version = (
            STORAGE_API_VERSION if "Microsoft.Storage" in provider_path else KEY_VAULT_API_VERSION
        )
        status, _, body = self.arm.call("GET", path, version)
        if status == 404:
            return False
        return self._tagged_ours(body)

    def _tagged_ours(self, resource: Any) -> bool:
        tags = (resource or {}).get("tags") if isinstance(resource, dict) else None
        return isinstance(tags, dict) and all(tags.get(k) == v for k, v in self.owner_tags.items())

    def _available(
        self, provider: str, type_: str, name: str, api_version: str
    ) -> tuple[bool, str]:
        path = f"/subscriptions/{self.subscription_id}/providers/{provider}/checkNameAvailability"
        _, _, body = self.arm.call("POST", path, api_version, {"name": name, "type": type_})
        if not isinstance(body, dict) or not isinstance(body.get("nameAvailable"), bool):
            raise UserError(f"{provider}/checkNameAvailability answered {body!r}: no nameAvailable")
        return body["nameAvailable"], str(body.get("reason") or body.get("message") or "taken")

    def _global_name(self, kind: str, type_: str, name: str, api_version: str) -> Check:
        """checkNameAvailability, a taken name counting as free when the stack holds it."""
        provider = type_.split("/", maxsplit=1)[0]
        free, reason = self._available(provider, type_, name, api_version)
        if free:
            return Check(kind, name, True, "available")
        if self._ours(f"providers/{type_}/{name}"):
            return Check(kind, name, True, "this stack's own (tags match)")
        if reason == "AccountNameInvalid":
            return Check(kind, name, False, "invalid name", self._suffix_fix())
        return Check(kind, name, False, f"taken elsewhere in Azure ({reason})", self._suffix_fix())

    def storage(self, name: str) -> Check:
        return self._global_name(
            "storage account", "Microsoft.Storage/storageAccounts", name, STORAGE_API_VERSION
        )

    def key_vault(self) -> Check:
        kind, name = "key vault", self.names.key_vault
        location = self.settings.location
        deleted_path = (
            f"/subscriptions/{self.subscription_id}/providers/Microsoft.KeyVault/locations/"
            f"{location}/deletedVaults/{name}"
        )
        status, _, deleted = self.arm.call("GET", deleted_path, KEY_VAULT_API_VERSION)
        if status != 404:
            props = (deleted or {}).get("properties") or {}
            ours = self._tagged_ours(props)
            whose = "this stack's" if ours else "not this stack's (tags differ)"
            if props.get("purgeProtectionEnabled"):
                fix = (
                    f"purge protection keeps it until {props.get('scheduledPurgeDate')}: "
                    + self._suffix_fix()
                )
            elif ours:
                fix = (
                    f"purge it: `az keyvault purge --name {name} --location {location}` "
                    f"(or `fabml destroy --stack {self.settings.stack}` for a non-prod stack)"
                )
            else:
                fix = self._suffix_fix()
            return Check(kind, name, False, f"soft-deleted in {location}, {whose}", fix)
        return self._global_name(kind, "Microsoft.KeyVault/vaults", name, KEY_VAULT_API_VERSION)

    def workspace(self) -> Check:
        kind, name = "Azure ML workspace", self.names.ml_workspace
        path = (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.group}/providers/"
            f"Microsoft.MachineLearningServices/workspaces/{name}"
        )
        status, _, body = self.arm.call("GET", path, ML_API_VERSION)
        if status == 404:
            return Check(
                kind,
                name,
                True,
                f"absent from {self.group}; a workspace of this name soft-deleted there in the "
                "last 14 days would still block it (ARM lists no deleted workspaces: see the "
                "studio's 'Recently deleted' and permanently delete it there)",
            )
        if self._tagged_ours(body):
            return Check(kind, name, True, "this stack's own (tags match)")
        return Check(
            kind,
            name,
            False,
            f"exists in {self.group} without this stack's creation tags",
            self._suffix_fix(),
        )

    def run(self) -> PreflightReport:
        report = PreflightReport(self.settings.stack, self.subscription_id)
        for account in (self.names.data_lake, self.names.workspace_storage):
            report.checks.append(self.storage(account))
        report.checks.append(self.key_vault())
        report.checks.append(self.workspace())
        report.checks.append(self.batch_endpoint())
        return report

    def batch_endpoint(self) -> Check:
        # Unique per region (its scoring host is <name>.<region>.inference.ml.azure.com), but
        # Azure ML publishes no name-availability call for endpoints: say so, and how to react.
        name = self.settings.deployment.endpoint_name or self.names.batch_endpoint
        return Check(
            "batch endpoint",
            name,
            True,
            "not checkable before creation (Azure ML has no availability check for endpoint "
            "names); if `pulumi up` reports it taken in the region, set "
            "fabml:deployment.endpointName or another fabml:nameSuffix",
        )
