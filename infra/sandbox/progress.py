"""Progress of long steps (a `pulumi up` takes many minutes), on stderr, with elapsed time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def _elapsed(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


@dataclass
class Progress:
    write: Callable[[str], None] = lambda message: None
    clock: Callable[[], float] = time.monotonic

    def note(self, message: str) -> None:
        self.write(message)

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        self.write(f"{what} ...")
        start = self.clock()
        try:
            yield
        except BaseException:
            self.write(f"{what}: failed after {_elapsed(self.clock() - start)}")
            raise
        self.write(f"{what}: done in {_elapsed(self.clock() - start)}")
