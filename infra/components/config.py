"""What every component's config model shares: the stack file's camelCase keys, nothing unknown.

A component's config is one section under `fabml:` in `stacks/Pulumi.<stack>.yaml`; its model
lives beside the component (`DataLakeConfig` in `data_lake.py`) and `infra/settings` composes
them. Field descriptions are the documentation: the README's settings table is made from them.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Section(BaseModel):
    """A config section: camelCase keys as in the stack file, unknown keys rejected."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


def guid(value: str | None) -> str | None:
    """A field validator for Entra and Fabric IDs: a GUID, stored lowercase."""
    if value is None:
        return None
    if not GUID.match(value):
        raise ValueError("must be a GUID like 11111111-2222-3333-4444-555555555555")
    return value.lower()


class ProtectionConfig(Section):
    """`fabml:protection`: how stateful resources are guarded."""

    protect_stateful: bool = Field(
        description="Protect the data lake, workspace storage, key vault and Azure ML workspace "
        "from `pulumi destroy` and replacement."
    )
