"""Azure names: the one place they are made.

Names are deterministic per stack. Those that must be unique across Azure (storage accounts,
key vaults, Azure ML workspaces' soft-delete, batch endpoints in a region) carry a short suffix,
`suffix()`: a hash of the subscription, the project and the stack. The subscription is in it so
that two adopters who both call a stack `dev` never ask for the same global name; the stack so
that two stacks of one subscription never collide; and nothing else, so one stack gets the same
names on every run. The program, `fabml preflight` and every purge path make names only through
`Names.for_stack`, hence this one function.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Protocol

from infra.catalog import PROJECT

DEFAULT_MODEL = "heart-classifier"


SUFFIX_LENGTH = 6


def suffix(subscription_id: str, stack: str, project: str = PROJECT) -> str:
    """The suffix of a stack's global names: stable per (subscription, project, stack)."""
    # Subscription ids are GUIDs, case-insensitive in ARM: one subscription, one suffix.
    key = f"{subscription_id.strip().lower()}/{project}/{stack}"
    return hashlib.sha256(key.encode()).hexdigest()[:SUFFIX_LENGTH]


def legacy_suffix(stack: str, project: str = PROJECT) -> str:
    """The suffix before it held the subscription (`sha256("fabml/<stack>")[:6]`).

    A stack deployed with it pins it in `fabml:nameSuffix` before upgrading (README), or its
    next `up` would replace every globally named resource.
    """
    return hashlib.sha256(f"{project}/{stack}".encode()).hexdigest()[:SUFFIX_LENGTH]


def stable_uuid(*parts: str) -> str:
    """A GUID that depends only on its parts (role assignment and role definition names)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _slug(text: str) -> str:
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-")


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# Azure's own rules for the global names made here (length, characters), checked before any plan
# so a stack name, `fabml:nameSuffix` or model name that would break one fails with one line.
# (what, pattern, what Azure allows)
AZURE_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "storage account": (re.compile(r"^[a-z0-9]{3,24}$"), "3-24 lowercase letters and digits"),
    "key vault": (
        re.compile(r"^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$"),
        "3-24 letters, digits and single hyphens, starting with a letter, not ending in a hyphen",
    ),
    "ML workspace": (
        re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$"),
        "3-33 letters, digits, hyphens and underscores, starting with a letter or digit",
    ),
    "batch endpoint": (
        re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$"),
        "3-32 letters, digits and hyphens, starting with a letter",
    ),
}


_suffix = suffix  # `Names.for_stack` has a parameter of that name


class _Named(Protocol):
    @property
    def names(self) -> Names: ...


@dataclass(frozen=True)
class Names:
    """Every Azure name of one stack, made from plain values (no settings object)."""

    stack: str
    suffix: str
    model: str = DEFAULT_MODEL

    @classmethod
    def for_stack(
        cls,
        stack: str,
        *,
        subscription_id: str,
        suffix: str | None = None,
        model: str = DEFAULT_MODEL,
    ) -> Names:
        """The names of `stack` in a subscription; `suffix` (`fabml:nameSuffix`) overrides."""
        return cls(stack=stack, suffix=suffix or _suffix(subscription_id, stack), model=model)

    @classmethod
    def of(cls, settings: _Named) -> Names:
        """Kept for callers written before `StackSettings.names`; prefer that property."""
        return settings.names

    def _hyphenated(self, prefix: str, limit: int, *, suffixed: bool = True) -> str:
        tail = f"-{self.suffix}" if suffixed else ""
        room = limit - len(prefix) - len(tail) - 1
        return f"{prefix}-{_slug(self.stack)[:room].strip('-')}{tail}"

    @property
    def resource_group(self) -> str:
        return self._hyphenated(f"rg-{PROJECT}", 90, suffixed=False)

    def storage_account(self, role: str) -> str:
        # 3-24 lowercase letters and digits, globally unique.
        head = f"st{PROJECT}{role}"
        room = 24 - len(head) - len(self.suffix)
        return f"{head}{_alnum(self.stack)[:room]}{self.suffix}"

    @property
    def data_lake(self) -> str:
        return self.storage_account("dl")

    @property
    def workspace_storage(self) -> str:
        return self.storage_account("ws")

    @property
    def key_vault(self) -> str:
        # 3-24 letters, digits and hyphens, starts with a letter, globally unique; soft-deleted
        # vaults keep their name, hence the per-stack suffix.
        return self._hyphenated(f"kv-{PROJECT}", 24)

    @property
    def log_analytics(self) -> str:
        return self._hyphenated(f"log-{PROJECT}", 63, suffixed=False)

    @property
    def app_insights(self) -> str:
        return self._hyphenated(f"appi-{PROJECT}", 255, suffixed=False)

    @property
    def ml_workspace(self) -> str:
        # Soft-deleted workspaces block their name for 14 days: suffix it like the vault.
        return self._hyphenated(f"mlw-{PROJECT}", 33)

    @property
    def compute_identity(self) -> str:
        return self._hyphenated(f"id-{PROJECT}", 128, suffixed=False) + "-compute"

    @property
    def batch_endpoint(self) -> str:
        # Unique within the region: 3-32 characters, starts with a letter.
        return self._hyphenated(_slug(self.model)[:16].strip("-"), 32)

    def azure_violations(self) -> list[tuple[str, str, str]]:
        """(what, name, what Azure allows) for each name Azure would refuse."""
        made = {
            "storage account": (self.data_lake, self.workspace_storage),
            "key vault": (self.key_vault,),
            "ML workspace": (self.ml_workspace,),
            "batch endpoint": (self.batch_endpoint,),
        }
        return [
            (what, name, AZURE_RULES[what][1])
            for what, names in made.items()
            for name in names
            if not AZURE_RULES[what][0].match(name)
        ]

    @property
    def invoke_role(self) -> str:
        # Custom role names are unique in the tenant.
        return f"Fabric batch endpoint invoker ({PROJECT}-{_slug(self.stack)}-{self.suffix})"
