"""Garbage collection for a command that runs the Pulumi program once and then exits.

Importing the SDK leaves a few hundred thousand long-lived objects (resource classes, their
type hints), and Python's cyclic collector walks all of them on every full collection: four
such collections during `fabml plan` and one more at exit, which found almost nothing, took
about a third of its time beyond importing the SDK. A plan makes little cyclic garbage (its peak
memory grows by about 2 MB), so the collector waits while it runs; afterwards what is left is
frozen, so neither a later collection nor the interpreter's last one at exit walks it again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_deferred() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # In a longer-lived caller (the tests call `main()` in-process) this keeps the plan's
        # few megabytes of cyclic garbage for good: a fair price for a command run once.
        gc.freeze()
        if enabled:
            gc.enable()
