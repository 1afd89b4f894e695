"""Argument types shared by the subcommands (a leading underscore: not a subcommand)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


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
