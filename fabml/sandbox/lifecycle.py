"""Sandbox stacks: made from the template with an expiry, listed, destroyed, reaped.

Only stacks named `sandbox-*` whose `fabml:environment` stack tag is `sandbox` are ever
destroyed; sandboxes protect nothing (their profile), so a destroy removes everything.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fabml.plan.stack_file import STACKS_DIR, read_stack_config
from fabml.sandbox.pulumi_cli import PulumiCli
from fabml.sandbox.purge import Purger
from infra.clients.arm import ArmClient
from infra.errors import UserError
from infra.naming import Names
from infra.settings import StackSettings, load_settings

PREFIX = "sandbox-"
TEMPLATE = STACKS_DIR / "Pulumi.sandbox-template.yaml"
TAG_ENVIRONMENT = "fabml:environment"
TAG_OWNER = "fabml:owner"
TAG_CREATED = "fabml:createdOn"
TAG_EXPIRES = "fabml:expiresOn"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
_TTL = re.compile(r"^(\d+)([hdw])$")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}


class SandboxError(UserError):
    """A sandbox command was asked for something it must not or cannot do."""


def parse_ttl(text: str) -> dt.timedelta:
    match = _TTL.match(text)
    if match is None:
        raise SandboxError(f"--ttl {text!r}: use a number and h, d or w, e.g. 12h, 3d, 1w")
    ttl = int(match.group(1)) * _UNITS[match.group(2)]
    if not dt.timedelta(hours=1) <= ttl <= dt.timedelta(days=30):
        raise SandboxError(f"--ttl {text!r}: allowed from 1h to 30d")
    return ttl


def stack_name(name: str) -> str:
    """`alice` or `sandbox-alice` -> `sandbox-alice`; anything else is refused."""
    short = name.removeprefix(PREFIX)
    if not name.startswith(PREFIX) and (STACKS_DIR / f"Pulumi.{name}.yaml").exists():
        raise SandboxError(f"{name!r} is not a sandbox stack: sandbox commands never touch it")
    if not _NAME.match(short):
        raise SandboxError(
            f"sandbox name {short!r}: 1-24 lowercase letters, digits and hyphens, starting with "
            "a letter or digit"
        )
    return PREFIX + short


@dataclass
class Sandbox:
    stack: str
    owner: str
    created_on: str | None
    expires_on: str | None
    age_days: int | None
    expired: bool


@dataclass
class DestroyReport:
    stack: str
    purged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def sandbox_config(
    stack: str,
    *,
    expires_on: dt.date,
    owner: str | None,
    principal_object_id: str,
    principal_client_id: str,
) -> dict[str, str]:
    """The template's config with what makes this sandbox: expiry, owner, Fabric principal."""
    values = dict(read_stack_config(stack, TEMPLATE).values)
    values["fabml:expiresOn"] = expires_on.isoformat()
    if owner:
        values["fabml:owner"] = owner
    fabric = json.loads(values.get("fabml:fabric", "{}"))
    fabric.update(principalObjectId=principal_object_id, principalClientId=principal_client_id)
    values["fabml:fabric"] = json.dumps(fabric, sort_keys=True)
    return values


def write_config_file(values: dict[str, str], folder: Path, stack: str) -> Path:
    """A stack config file in Pulumi's format, structured values as YAML again."""
    config = {
        key: json.loads(value) if value[:1] in "{[" else value for key, value in values.items()
    }
    path = folder / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=True))
    return path


class Sandboxes:
    def __init__(
        self,
        cli: PulumiCli,
        *,
        arm: Callable[[], ArmClient] = ArmClient,
        today: Callable[[], dt.date] = dt.date.today,
        progress: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.cli = cli
        self.arm = arm
        self.today = today
        self.progress = progress

    def create(
        self,
        name: str,
        ttl: dt.timedelta,
        *,
        owner: str | None,
        principal_object_id: str,
        principal_client_id: str,
        update: bool = False,
    ) -> Sandbox:
        """Make and deploy sandbox-NAME; with `update`, redeploy an existing one instead."""
        stack = stack_name(name)
        today = self.today()
        # Round up to whole days: the expiry is a date, and a sandbox gets at least its TTL.
        expires_on = today + dt.timedelta(days=max(1, -(-ttl // dt.timedelta(days=1))))
        values = sandbox_config(
            stack,
            expires_on=expires_on,
            owner=owner,
            principal_object_id=principal_object_id,
            principal_client_id=principal_client_id,
        )
        settings = load_settings(stack, values)  # bad input stops here, before any stack exists
        exists = any(str(s.get("name", "")).split("/")[-1] == stack for s in self.cli.stacks())
        if exists and not update:
            raise SandboxError(f"{stack} exists already: destroy it first, or pass --update")
        if exists:
            if self.cli.tags(stack).get(TAG_ENVIRONMENT) != "sandbox":
                raise SandboxError(f"{stack} is not tagged {TAG_ENVIRONMENT}=sandbox: refusing")
            self.progress(f"{stack}: updating (now expires {expires_on})")
        else:
            self.progress(f"{stack}: creating the stack (expires {expires_on})")
            self.cli.init(stack)
        tags = {
            TAG_ENVIRONMENT: "sandbox",
            TAG_OWNER: settings.owner,
            TAG_EXPIRES: expires_on.isoformat(),
        }
        if not exists:
            tags[TAG_CREATED] = today.isoformat()  # an update keeps the sandbox's age
        self.cli.set_tags(stack, tags)
        with tempfile.TemporaryDirectory() as folder:
            config_file = write_config_file(values, Path(folder), stack)
            self.progress(f"{stack}: pulumi up (an Azure ML workspace takes several minutes)")
            self.cli.up(stack, config_file)
        self.progress(f"{stack}: ready")
        return Sandbox(stack, settings.owner, today.isoformat(), expires_on.isoformat(), 0, False)

    def list(self) -> list[Sandbox]:
        today = self.today()
        found = []
        for entry in self.cli.stacks():
            stack = str(entry.get("name", "")).split("/")[-1]
            if not stack.startswith(PREFIX):
                continue
            tags = self.cli.tags(stack)
            if tags.get(TAG_ENVIRONMENT) != "sandbox":
                continue
            created = tags.get(TAG_CREATED)
            expires = tags.get(TAG_EXPIRES)
            age = (today - dt.date.fromisoformat(created)).days if created else None
            expired = expires is None or dt.date.fromisoformat(expires) < today
            found.append(Sandbox(stack, tags.get(TAG_OWNER, "?"), created, expires, age, expired))
        return sorted(found, key=lambda s: s.stack)

    def destroy(self, name: str) -> DestroyReport:
        stack = stack_name(name)
        tags = self.cli.tags(stack)
        if tags.get(TAG_ENVIRONMENT) != "sandbox":
            raise SandboxError(
                f"{stack} is not tagged {TAG_ENVIRONMENT}=sandbox: refusing to destroy it"
            )
        report = DestroyReport(stack)
        outputs = self.cli.outputs(stack)
        settings = self._settings(stack, tags)
        names = Names.of(settings)
        subscription = outputs.get("subscriptionId")
        purger = Purger(self.arm(), str(subscription)) if subscription else None
        if purger is None:
            report.notes.append("no subscriptionId output (the stack never deployed): no purge")
        else:
            self.progress(f"{stack}: deleting the Azure ML workspace for good")
            group = str(outputs.get("resourceGroupName") or names.resource_group)
            workspace = str(outputs.get("workspaceName") or names.ml_workspace)
            if purger.workspace(group, workspace):
                report.purged.append(f"Azure ML workspace {workspace}")
        with tempfile.TemporaryDirectory() as folder:
            values = sandbox_config(
                stack,
                expires_on=settings.expires_on or self.today(),
                owner=settings.owner,
                principal_object_id=settings.fabric.principal_object_id,
                principal_client_id=settings.fabric.principal_client_id,
            )
            config_file = write_config_file(values, Path(folder), stack)
            self.progress(f"{stack}: pulumi destroy")
            self.cli.destroy(stack, config_file)
        if purger is not None:
            self.progress(f"{stack}: purging the soft-deleted Key Vault")
            if purger.key_vault(settings.location, names.key_vault):
                report.purged.append(f"Key Vault {names.key_vault}")
        self.cli.remove(stack)
        self.progress(f"{stack}: gone")
        return report

    def reap(self) -> list[DestroyReport]:
        return [self.destroy(s.stack) for s in self.list() if s.expired]

    def _settings(self, stack: str, tags: dict[str, str]) -> StackSettings:
        # Names and location come from the same settings `pulumi up` used; the principal IDs
        # do not matter for a destroy, so placeholders stand in for them.
        from infra.settings import PLACEHOLDER_GUID, load_offline_settings

        values = sandbox_config(
            stack,
            expires_on=dt.date.fromisoformat(tags.get(TAG_EXPIRES) or self.today().isoformat()),
            owner=tags.get(TAG_OWNER),
            principal_object_id=PLACEHOLDER_GUID,
            principal_client_id=PLACEHOLDER_GUID,
        )
        settings, _ = load_offline_settings(stack, values)
        return settings


def as_json(items: Any) -> str:
    if isinstance(items, list):
        return json.dumps([asdict(i) for i in items], indent=2, sort_keys=True) + "\n"
    return json.dumps(asdict(items), indent=2, sort_keys=True) + "\n"
