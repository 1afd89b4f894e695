"""Garbage collection for a command that runs the Pulumi program once and exits.

Importing the SDK leaves a few hundred thousand long-lived objects (resource classes, their
type hints), and Python's cyclic collector walks all of them on every full collection: four
such collections during `fabml plan` and one more at exit, which found almost nothing, took
about a third of the time beyond importing the SDK. A plan makes little cyclic garbage and its
process ends within seconds, so the collector stays off, and at exit what is left is frozen
(the interpreter's last collection skips it and the operating system frees the memory).
"""

from __future__ import annotations

import atexit
import gc


def collect_at_exit_only() -> None:
    gc.disable()
    atexit.register(gc.freeze)
