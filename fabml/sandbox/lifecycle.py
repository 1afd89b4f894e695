"""Sandbox stacks: made from the template with an expiry, listed, destroyed, reaped.

Only stacks named `sandbox-*` whose `fabml:environment` stack tag is `sandbox` are ever
destroyed; sandboxes protect nothing (their profile), so a destroy removes everything. Purges are
checked against Azure (`purge.Purger`), whatever the stack's tags and outputs say.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from fabml.plan.stack_file import STACKS_DIR, read_stack_config
from fabml.sandbox.automation import Pulumi
from fabml.sandbox.purge import Refused
from fabml.sandbox.teardown import DestroyReport, teardown
from infra import placeholder
from infra.clients.arm import ArmClient
from infra.errors import UserError
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
    # Why this sandbox could not be read (bad tags, a failing call): listed, never reaped.
    problem: str | None = None


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


class Sandboxes:
    def __init__(
        self,
        pulumi: Pulumi,
        *,
        arm: Callable[[], ArmClient] = ArmClient,
        today: Callable[[], dt.date] = dt.date.today,
        progress: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.pulumi = pulumi
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
        # Bad input stops here, before any stack exists. Only validation: the names are made by
        # the program, in the subscription it is signed in to.
        settings = load_settings(stack, values, subscription_id=placeholder.SUBSCRIPTION)
        exists = stack in self.pulumi.stacks()
        if exists and not update:
            raise SandboxError(f"{stack} exists already: destroy it first, or pass --update")
        if exists:
            if self.pulumi.tags(stack).get(TAG_ENVIRONMENT) != "sandbox":
                raise SandboxError(f"{stack} is not tagged {TAG_ENVIRONMENT}=sandbox: refusing")
            self.progress(f"{stack}: updating (now expires {expires_on})")
        else:
            self.progress(f"{stack}: creating the stack (expires {expires_on})")
        tags = {
            TAG_ENVIRONMENT: "sandbox",
            TAG_OWNER: settings.owner,
            TAG_EXPIRES: expires_on.isoformat(),
        }
        if not exists:
            tags[TAG_CREATED] = today.isoformat()  # an update keeps the sandbox's age
        self.progress(f"{stack}: pulumi up (an Azure ML workspace takes several minutes)")
        self.pulumi.up(stack, values, tags)
        self.progress(f"{stack}: ready")
        return Sandbox(stack, settings.owner, today.isoformat(), expires_on.isoformat(), 0, False)

    def list(self) -> list[Sandbox]:
        found = [self._read(stack) for stack in self.pulumi.stacks() if stack.startswith(PREFIX)]
        return sorted((s for s in found if s is not None), key=lambda s: s.stack)

    def _read(self, stack: str) -> Sandbox | None:
        """One sandbox from its tags; a sandbox that cannot be read comes back with a problem."""
        try:
            tags = self.pulumi.tags(stack)
        except UserError as error:
            return Sandbox(stack, "?", None, None, None, False, problem=str(error))
        if tags.get(TAG_ENVIRONMENT) != "sandbox":
            return None
        owner = tags.get(TAG_OWNER, "?")
        created, expires = tags.get(TAG_CREATED), tags.get(TAG_EXPIRES)
        try:
            age = (self.today() - _date(TAG_CREATED, created)).days if created else None
            expired = expires is None or _date(TAG_EXPIRES, expires) < self.today()
        except SandboxError as error:
            return Sandbox(stack, owner, created, expires, None, False, problem=str(error))
        return Sandbox(stack, owner, created, expires, age, expired)

    def destroy(self, name: str) -> DestroyReport:
        stack = stack_name(name)
        tags = self.pulumi.tags(stack)
        if tags.get(TAG_ENVIRONMENT) != "sandbox":
            raise SandboxError(
                f"{stack} is not tagged {TAG_ENVIRONMENT}=sandbox: refusing to destroy it"
            )
        settings = self._settings(stack, tags)
        values = sandbox_config(
            stack,
            expires_on=settings.expires_on or self.today(),
            owner=settings.owner,
            principal_object_id=settings.fabric.principal_object_id,
            principal_client_id=settings.fabric.principal_client_id,
        )
        report = teardown(self.pulumi, self.arm, settings, config=values, progress=self.progress)
        self.pulumi.remove(stack)
        self.progress(f"{stack}: gone")
        return report

    def reap(self) -> list[DestroyReport]:
        """Destroy every expired sandbox; one that cannot be read or destroyed is reported and
        the others still go."""
        reports = []
        for sandbox in self.list():
            if sandbox.problem is not None:
                reports.append(DestroyReport(sandbox.stack, problems=[sandbox.problem]))
                continue
            if not sandbox.expired:
                continue
            try:
                reports.append(self.destroy(sandbox.stack))
            except (UserError, Refused) as error:
                self.progress(f"{sandbox.stack}: not destroyed: {error}")
                reports.append(DestroyReport(sandbox.stack, problems=[str(error)]))
        return reports

    def _settings(self, stack: str, tags: dict[str, str]) -> StackSettings:
        # Names and location come from the same settings `pulumi up` used; the principal IDs
        # do not matter for a destroy, so placeholders stand in for them.
        from infra.settings import PLACEHOLDER_GUID, load_offline_settings

        try:
            expires_on = _date(TAG_EXPIRES, tags.get(TAG_EXPIRES) or "")
        except SandboxError:
            expires_on = self.today()  # a malformed expiry must not keep a sandbox from going
        values = sandbox_config(
            stack,
            expires_on=expires_on,
            owner=tags.get(TAG_OWNER),
            principal_object_id=PLACEHOLDER_GUID,
            principal_client_id=PLACEHOLDER_GUID,
        )
        settings, _ = load_offline_settings(stack, values)
        return settings


def _date(tag: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SandboxError(f"stack tag {tag} is {text!r}: expected a date YYYY-MM-DD") from None
