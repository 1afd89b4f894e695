"""Tags: who owns and pays for each resource, and when a sandbox expires."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from infra import catalog
from policies.model import Context, Level, Resource, Rule

REQUIRED_TAGS = ("environment", "owner", "costCenter")

# Resource types with Azure tags (top-level `tags` input) that the stack creates.
TAGGABLE = tuple(t.token for t in catalog.TYPES.values() if t.tagged)


def _required(resource: Resource, _: Context) -> Iterable[str]:
    missing = [tag for tag in REQUIRED_TAGS if not resource.tags.get(tag)]
    if missing:
        yield f"missing tag(s): {', '.join(missing)}"


def _expiry(resource: Resource, context: Context) -> Iterable[str]:
    if context.environment != "sandbox":
        return
    value = resource.tags.get("expiresOn")
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        yield f"expiresOn tag is {value!r}: every sandbox resource needs an expiry date"


_TAGS_LEVELS: dict[str, Level] = {"dev": "advisory", "sandbox": "mandatory", "prod": "mandatory"}

RULES = (
    Rule(
        name="tags-required",
        description="environment, owner and costCenter tags on every taggable resource.",
        source="project rule (Cloud Adoption Framework tagging)",
        fix="set fabml:owner and fabml:costCenter",
        enforcement=_TAGS_LEVELS,
        types=TAGGABLE,
        check=_required,
    ),
    Rule(
        name="tags-sandbox-expiry",
        description="Every sandbox resource carries an expiresOn date.",
        source="project rule",
        fix="set fabml:expiresOn (fabml sandbox create --ttl does)",
        enforcement=_TAGS_LEVELS,
        types=TAGGABLE,
        check=_expiry,
    ),
)
