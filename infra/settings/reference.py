"""The settings reference: one row per `fabml:` key, made from the config models' descriptions.

    python -m infra.settings.reference     # prints the README's settings table

The README shows this table between its `settings-table` markers; a test keeps the two equal,
so a new or changed setting is documented where it is declared, once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from infra.settings.errors import fields_by_alias
from infra.settings.profiles import PROFILES
from infra.settings.stack_settings import StackSettings

NOT_A_KEY = frozenset({"stack", "subscription_id"})  # from Pulumi and azure-native


def _shown(value: Any) -> str:
    if value is None or value == ():
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _profile_default(section: str, key: str) -> str | None:
    """Per environment, when the profiles set this key: `dev, sandbox X; prod Y`."""
    by_value: dict[str, list[str]] = {}
    for environment, profile in PROFILES.items():
        defaults = profile.defaults().get(section, {})
        if key not in defaults:
            return None
        by_value.setdefault(_shown(defaults[key]), []).append(environment)
    return "; ".join(f"{', '.join(envs)} {value}" for value, envs in by_value.items())


def _default(field: FieldInfo, section: str | None, key: str) -> str:
    if section is not None:
        per_environment = _profile_default(section, key)
        if per_environment is not None:
            return per_environment
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    return _shown(field.default)


def _rows() -> Iterator[tuple[str, str, str]]:
    for key, field in fields_by_alias(StackSettings).items():
        if key in NOT_A_KEY:
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub, sub_field in fields_by_alias(annotation).items():
                yield f"{key}.{sub}", _default(sub_field, key, sub), sub_field.description or ""
            continue
        meaning = field.description or ""
        if annotation is not None and SecretStr in getattr(annotation, "__args__", ()):
            meaning = f"(secret) {meaning}"
        yield key, _default(field, None, key), meaning


def _cell(text: str) -> str:
    # Markdown would read `<model>` as an HTML tag and `|` as a column break.
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown_table() -> str:
    """The settings table README.md shows (a test keeps the two equal)."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    rows += [f"| `{key}` | {default} | {_cell(meaning)} |" for key, default, meaning in _rows()]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown_table())
