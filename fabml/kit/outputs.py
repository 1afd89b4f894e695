"""Stack outputs, the Fabric kit's only input: from `pulumi stack output --json` or a plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra import placeholder
from infra.catalog import OUTPUT_NAMES
from infra.errors import UserError
from infra.fabric.outputs import StackOutputs


class OutputsError(UserError):
    """The outputs file is missing, malformed or lacks names the kit needs."""


def _checked(values: dict[str, Any], source: str, unknown: frozenset[str]) -> StackOutputs:
    missing = [name for name in OUTPUT_NAMES if name not in values]
    if missing:
        raise OutputsError(f"{source}: missing stack output(s): {', '.join(missing)}")
    return StackOutputs({k: str(v) for k, v in values.items()}, source, unknown)


def read(path: Path) -> dict[str, Any]:
    """The one reader of a `pulumi stack output --json` file (the kit and `fabml smoke`)."""
    try:
        values = json.loads(path.read_text())
    except FileNotFoundError:
        raise OutputsError(
            f"{path}: no such file (write it with `pulumi stack output --json`)"
        ) from None
    except json.JSONDecodeError as exc:
        raise OutputsError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(values, dict):
        raise OutputsError(f"{path}: expected a JSON object of output names and values")
    return values


def from_file(path: Path) -> StackOutputs:
    return _checked(read(path), str(path), frozenset())


def from_plan(stack: str) -> StackOutputs:
    from fabml.plan.runner import plan_stack

    plan = plan_stack(stack)
    unknown = frozenset(plan.known_after_deploy) | {
        name for name, value in plan.outputs.items() if placeholder.is_unset(value)
    }
    return _checked(dict(plan.outputs), f"offline plan of stack {stack}", unknown)
