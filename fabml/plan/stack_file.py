"""Reads `stacks/Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra import bounded_yaml, placeholder
from infra.errors import UserError
from infra.project import REPO_ROOT
from infra.settings.loading import secret_mistakes

STACKS_DIR = REPO_ROOT / "stacks"
SECRET_PLACEHOLDER = placeholder.SECRET


class StackFileError(UserError):
    """A stack file is missing or malformed: a user mistake, reported without a traceback."""


@dataclass(frozen=True)
class StackConfig:
    stack: str
    path: Path
    values: dict[str, str]
    secret_keys: tuple[str, ...]


def stack_names(stacks_dir: Path = STACKS_DIR) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in stacks_dir.glob("Pulumi.*.yaml"))


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _mask(value: Any) -> tuple[Any, bool]:
    """Replace `secure:` values (unreadable without the stack's secrets provider) by a marker."""
    if _is_secure(value):
        return SECRET_PLACEHOLDER, True
    if isinstance(value, dict):
        masked = {k: _mask(v) for k, v in value.items()}
        return {k: v for k, (v, _) in masked.items()}, any(s for _, s in masked.values())
    if isinstance(value, list):
        items = [_mask(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _as_config_string(value: Any) -> str:
    # The CLI passes scalars as their text and structured values as JSON.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)


def read_stack_config(stack: str, path: Path | None = None) -> StackConfig:
    path = path or STACKS_DIR / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = ", ".join(stack_names(path.parent)) or "none"
        raise StackFileError(f"{path}: no such stack file (stacks here: {known})")
    try:
        document = bounded_yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise StackFileError(f"{path}: not valid YAML: {bounded_yaml.describe(exc)}") from None
    except UnicodeDecodeError:
        raise StackFileError(f"{path}: not UTF-8 text") from None
    if not isinstance(document, dict):
        raise StackFileError(f"{path}: expected a mapping with a `config:` key")
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise StackFileError(f"{path}: `config:` must be a mapping of keys to values")
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, raw in config.items():
        if not isinstance(key, str) or ":" not in key:
            raise StackFileError(f"{path}: config key '{key}' must be namespaced, e.g. fabml:{key}")
        value, secret = _mask(raw)
        values[key] = _as_config_string(value)
        if secret:
            secret_keys.append(key)
    # A secret in plain text (or a plain setting held as one) is refused here, before any
    # reader (plan, kit, destroy) uses it.
    mistakes = secret_mistakes(values, secret_keys)
    if mistakes:
        raise StackFileError(f"{path}: {mistakes[0]}")
    return StackConfig(stack, path, values, tuple(secret_keys))
