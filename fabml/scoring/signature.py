"""The model's input signature, and checking CSV files against it before scoring."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from infra.model_signature import Column, ModelFolderError, read_signature

__all__ = ["Column", "ModelFolderError", "Problem", "check_frame", "read_signature"]

_LONG = re.compile(r"^[+-]?\d+$")
_DOUBLE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", re.IGNORECASE)
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


def check_frame(file: str, frame: Any, columns: list[Column], limit: int = 5) -> list[Problem]:
    """Missing columns and values of the wrong type, by line and column (at most `limit`).

    `frame` is the file read as text (pandas, dtype=str): checks run per column, vectorized.
    """
    missing = [c.name for c in columns if c.name not in frame.columns]
    if missing:
        return [Problem(file, 1, name, "missing column") for name in missing]
    problems: list[Problem] = []
    for column in columns:
        values = frame[column.name]
        text = values.fillna("").astype(str).str.strip()
        empty = text == ""
        pattern = _CHECKS.get(column.type)
        wrong = ~empty & ~text.str.fullmatch(pattern) if pattern is not None else empty & False
        for index in list(empty[empty].index[:limit]):
            problems.append(Problem(file, int(index) + 2, column.name, "empty value"))
        for index in list(wrong[wrong].index[:limit]):
            problems.append(
                Problem(
                    file, int(index) + 2, column.name, f"{text[index]!r} is not a {column.type}"
                )
            )
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))[:limit]
