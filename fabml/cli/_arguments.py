"""Argument types shared by the subcommands (a leading underscore: not a subcommand)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from infra.components.config import GUID
from infra.errors import UserError


def within(low: int, high: int | None = None) -> Callable[[str], int]:
    """An integer argument from `low` to `high` (no upper bound when None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            allowed = f"{low}-{high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"{text}: allowed {allowed}")
        return value

    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    """A finite number of seconds from `low` to `high`."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not low <= value <= high:  # also refuses nan
            raise argparse.ArgumentTypeError(f"{text}: allowed {low:g}-{high:g} seconds")
        return value

    return parse


def setting_range(model: Any, field: str) -> Callable[[str], int]:
    """An integer flag with the bounds of a settings model's field (its `ge`/`le`)."""
    bounds = {
        name: getattr(rule, name)
        for rule in model.model_fields[field].metadata
        for name in ("ge", "le")
        if hasattr(rule, name)
    }
    return within(bounds["ge"], bounds.get("le"))


def require_guid(flag: str, value: str | None, what: str) -> None:
    """Refuse, in one line, a flag value that is not a GUID (before anything is fetched)."""
    if value is not None and not GUID.match(value):
        raise UserError(
            f"{flag} {value!r} is not a {what}: expected a GUID like "
            "11111111-2222-3333-4444-555555555555"
        )
