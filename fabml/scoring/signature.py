"""The model's input signature, and checking CSV files against it before scoring."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from infra.model_signature import Column, ModelFolderError, read_signature

__all__ = [
    "Column",
    "ModelFolderError",
    "Problem",
    "check_frame",
    "check_header",
    "non_finite",
    "read_signature",
]

_LONG = re.compile(r"^[+-]?\d+$")
_DOUBLE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# Spelled-out non-numbers: a model cannot score them and JSON cannot carry them, so they are
# refused by name rather than passed on (pandas and float() would both accept them).
_NON_FINITE = re.compile(r"^[+-]?(nan|inf|infinity)$", re.IGNORECASE)
_LONG_RANGE = (-(2**63), 2**63 - 1)
_CHECKS = {"long": _LONG, "integer": _LONG, "double": _DOUBLE, "float": _DOUBLE}


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # line number in the file (the header is line 1)
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f", line {self.row}" if self.row else "")
        where += f", column {self.column}" if self.column else ""
        return f"{where}: {self.message}"


def check_header(file: str, header: list[str]) -> list[Problem]:
    """A header naming a column twice is refused: which of the two would be scored is a guess."""
    seen: set[str] = set()
    problems: list[Problem] = []
    for name in header:
        if name in seen:
            problems.append(Problem(file, 1, name, "duplicate column (each name once)"))
        seen.add(name)
    return problems


def non_finite(text: str) -> bool:
    """`nan`, `inf`, `-Infinity` and the like: refused in numeric columns."""
    return bool(_NON_FINITE.match(text.strip()))


def check_frame(
    file: str, frame: Any, columns: list[Column], limit: int = 5, first_line: int = 2
) -> list[Problem]:
    """Missing columns and values of the wrong type, by line and column (at most `limit`).

    `frame` is the file read as text (pandas, dtype=str): checks run per column, vectorized.
    Its first row is line `first_line` of the file (the header is line 1).
    """
    missing = [c.name for c in columns if c.name not in frame.columns]
    if missing:
        return [Problem(file, 1, name, "missing column") for name in missing]
    problems: list[Problem] = []
    for column in columns:
        text = frame[column.name].fillna("").astype(str).str.strip().reset_index(drop=True)
        empty = text == ""
        for index in list(empty[empty].index[:limit]):
            problems.append(Problem(file, int(index) + first_line, column.name, "empty value"))
        pattern = _CHECKS.get(column.type)
        if pattern is None:
            continue
        wrong = ~empty & ~text.str.fullmatch(pattern)
        for index in list(wrong[wrong].index[:limit]):
            value = text[index]
            message = (
                f"{value!r} is not a finite {column.type} (NaN and Infinity are refused)"
                if non_finite(value)
                else f"{value!r} is not a {column.type}"
            )
            problems.append(Problem(file, int(index) + first_line, column.name, message))
        for index in _out_of_range(text[~empty & ~wrong], column.type)[:limit]:
            problems.append(
                Problem(
                    file,
                    index + first_line,
                    column.name,
                    f"{text[index]!r} is out of range for a {column.type}",
                )
            )
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))[:limit]


def _out_of_range(values: Any, kind: str) -> list[int]:
    """Indexes of well-formed numbers the type cannot hold (1e400 as a double, 2**63 as a long)."""
    if kind in ("double", "float"):
        import numpy as np
        import pandas as pd

        numbers = np.asarray(pd.to_numeric(values, errors="coerce"), dtype="float64")
        return [int(i) for i in values.index[~np.isfinite(numbers)]]
    if kind in ("long", "integer"):
        long = values[values.str.len() > 18]  # shorter ones always fit
        return [int(i) for i, v in long.items() if not _LONG_RANGE[0] <= int(v) <= _LONG_RANGE[1]]
    return []
