"""Settings errors in the user's words: the config key, the value, and what is allowed.

pydantic reports a location and its own message; a user edits `fabml:` keys in a stack file.
`describe()` rewrites each error into one line naming the key as the stack file spells it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from infra.errors import UserError
from infra.project import PROJECT


class SettingsError(UserError):
    """Invalid or missing stack configuration: a user mistake, reported without a traceback."""

    def __init__(self, problems: list[str], stack: str = "") -> None:
        self.problems = problems
        where = f"stack '{stack}'" if stack else "the stack"
        if len(problems) == 1:  # one problem, one line
            super().__init__(f"Invalid configuration for {where}: {problems[0]}")
            return
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Invalid configuration for {where}:\n{lines}")


# Never echoed, even when malformed.
SECRET_KEYS = frozenset({"fabricPrincipalSecret"})


def describe(error: Mapping[str, Any], root: type[BaseModel]) -> str:
    """One line for one pydantic error of `root` (the stack model)."""
    loc = tuple(error["loc"])
    key = _key(loc)
    kind = error["type"]
    if kind == "missing":
        field = _field_for(root, loc)
        hint = f" ({field.description})" if field is not None and field.description else ""
        return f"{key} is required but not set{hint}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(root, loc[:-1])
        return f"{key} is not a known setting; allowed here: {', '.join(allowed)}"
    if kind == "value_error" and not loc:
        return str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    shown = json.dumps(value) if not isinstance(value, str) else f"'{value}'"
    if loc and loc[0] in SECRET_KEYS:
        shown = "[secret]"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        field = _field_for(root, loc)
        message = field.description if field is not None and field.description else message
    if kind == "model_type":
        # pydantic names the model class here, which means nothing in a stack file.
        message = "Input should be a valid dictionary"
    return f"{key} = {shown}: {message}"


def _key(loc: tuple[int | str, ...]) -> str:
    path = ".".join(str(part) for part in loc)
    return f"{PROJECT}:{path}" if path else f"{PROJECT}:<root>"


def _section_model(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    model = root
    for part in loc:
        field = fields_by_alias(model).get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def fields_by_alias(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the key the stack file uses."""
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _field_for(root: type[BaseModel], loc: tuple[int | str, ...]) -> Any:
    model = _section_model(root, loc[:-1])
    return None if model is None else fields_by_alias(model).get(str(loc[-1]))


def _allowed_keys(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    model = _section_model(root, loc)
    if model is None:
        return []
    return sorted(alias for alias in fields_by_alias(model) if alias != "stack")
