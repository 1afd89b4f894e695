"""The model's input signature, and checking CSV files against it before scoring."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.errors import UserError

_LONG = re.compile(r"^[+-]?\d+$")
_DOUBLE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", re.IGNORECASE)
_CHECKS = {"long": _LONG, "integer": _LONG, "double": _DOUBLE, "float": _DOUBLE}


class ModelFolderError(UserError):
    """The MLflow model folder is missing or has no usable signature."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str


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


def read_signature(model_dir: Path) -> list[Column]:
    mlmodel = model_dir / "MLmodel"
    if not mlmodel.is_file():
        raise ModelFolderError(f"{model_dir}: not an MLflow model folder (no MLmodel file)")
    try:
        inputs = json.loads(yaml.safe_load(mlmodel.read_text())["signature"]["inputs"])
        return [Column(str(c["name"]), str(c["type"])) for c in inputs]
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFolderError(f"{mlmodel}: no column-based input signature ({exc})") from None


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
