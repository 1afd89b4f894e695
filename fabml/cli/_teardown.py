"""What `fabml destroy` and `fabml sandbox destroy|reap` print, and their exit status."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fabml.sandbox.teardown import DestroyReport

FAILED = 1


def progress(prefix: str) -> Callable[[str], None]:
    def say(message: str) -> None:
        print(f"fabml {prefix}: {message}", file=sys.stderr, flush=True)

    return say


def print_reports(reports: list[DestroyReport], as_json_output: bool) -> int:
    """Print each stack's outcome; 1 if anything was refused or failed, else 0."""
    from fabml.sandbox.teardown import as_json

    if as_json_output:
        sys.stdout.write(as_json(reports))
    for report in reports:
        if not as_json_output:
            if report.problems and not report.purged and not report.notes:
                print(f"{report.stack}: not destroyed")
            else:
                purged = ", ".join(report.purged) or "nothing"
                print(f"{report.stack} destroyed; purged: {purged}")
            for note in report.notes:
                print(f"  note: {note}")
        for problem in report.problems:
            print(f"fabml: {report.stack}: {problem}", file=sys.stderr)
    return FAILED if any(r.problems for r in reports) else 0


def refused(error: Exception) -> int:
    """A purge refused before anything was destroyed: one line, exit status 1."""
    print(f"fabml: {error}", file=sys.stderr)
    return FAILED
