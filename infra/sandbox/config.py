"""A sandbox's stack config: made from the template, written as a file Pulumi reads.

Config is passed to `pulumi` explicitly with `--config-file` (the Automation API ignores
`stackConfigDir`, pulumi/pulumi#10305, and a sandbox's config is made, not kept in stacks/).
Later runs, on other machines, get it back from the stack's latest deployment with `pulumi
config refresh`, together with the stack's secrets-provider fields.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.errors import UserError
from infra.offline.stack_file import read_stack_config

PREFIX = "sandbox-"
TEMPLATE_STACK = "sandbox-template"
ENVIRONMENT_KEY = "fabml:environment"
EXPIRES_KEY = "fabml:expiresOn"
OWNER_KEY = "fabml:owner"
# What `pulumi stack init` and `pulumi config refresh` write next to `config:`: the stack's
# secrets provider and its key material. A config file without them makes a new provider.
SECRETS_FIELDS = ("secretsprovider", "encryptedkey", "encryptionsalt")

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


def expiry(today: dt.date, ttl: dt.timedelta) -> dt.date:
    """The expiry date: whole days, rounded up, so a sandbox gets at least its TTL."""
    return today + dt.timedelta(days=max(1, -(-ttl // dt.timedelta(days=1))))


def stack_name(name: str, stacks_dir: Path) -> str:
    """`alice` or `sandbox-alice` -> `sandbox-alice`; shipped stacks and bad names refused."""
    short = name.removeprefix(PREFIX)
    if PREFIX + short == TEMPLATE_STACK:
        raise SandboxError(f"{name!r} is the sandbox template, not a sandbox")
    if not name.startswith(PREFIX) and (stacks_dir / f"Pulumi.{name}.yaml").exists():
        raise SandboxError(f"{name!r} is not a sandbox stack: sandbox commands never touch it")
    if not _NAME.match(short):
        raise SandboxError(
            f"sandbox name {short!r}: 1-24 lowercase letters, digits and hyphens, starting with "
            "a letter or digit"
        )
    return PREFIX + short


def sandbox_config(
    template: Path,
    stack: str,
    *,
    expires_on: dt.date,
    owner: str,
    principal_object_id: str,
    principal_client_id: str,
) -> dict[str, str]:
    """The template's config plus what makes this sandbox: expiry, owner, Fabric principal."""
    values = dict(read_stack_config(stack, template).values)
    if values.get(ENVIRONMENT_KEY) != "sandbox":
        raise SandboxError(f"{template}: {ENVIRONMENT_KEY} must be 'sandbox'")
    values[EXPIRES_KEY] = expires_on.isoformat()
    values[OWNER_KEY] = owner
    fabric = json.loads(values.get("fabml:fabric", "{}"))
    fabric.update(principalObjectId=principal_object_id, principalClientId=principal_client_id)
    values["fabml:fabric"] = json.dumps(fabric, sort_keys=True, separators=(",", ":"))
    return values


@dataclass
class ConfigFile:
    """A Pulumi stack config file: `config:` values as the CLI hands them to a program."""

    values: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path, stack: str) -> ConfigFile:
        document = yaml.safe_load(path.read_text()) or {}
        secrets = {k: str(v) for k, v in document.items() if k in SECRETS_FIELDS}
        return cls(dict(read_stack_config(stack, path).values), secrets)

    def write(self, path: Path) -> Path:
        config: dict[str, Any] = {
            key: json.loads(value) if value[:1] in "{[" else value
            for key, value in self.values.items()
        }
        path.write_text(yaml.safe_dump({**self.secrets, "config": config}, sort_keys=True))
        return path

    def require_sandbox(self, stack: str) -> None:
        """Refuse a stack whose deployed config is not a sandbox's, whatever its name."""
        environment = self.values.get(ENVIRONMENT_KEY)
        if environment != "sandbox":
            raise SandboxError(
                f"{stack} was deployed with {ENVIRONMENT_KEY}={environment or '(unset)'}, "
                "not sandbox: refusing to touch it"
            )
