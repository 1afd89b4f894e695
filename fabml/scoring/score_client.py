"""Scores rows through a Fabric ML model endpoint, the way the Dataflow M function does.

What it sends (path, column order by name, types, format, orientation, batch size) comes from
the one request description, `infra.fabric.score_request`, which the M is generated from too.
One token per run (the stack's bearer policy keeps it and asks again only shortly before it
expires), 429, 5xx and timeouts retried honouring Retry-After (scoring a batch twice does no
harm), a 202 followed to its operation's result: 10,000 rows cost 1 token request and
ceil(10,000 / batch size) score requests (plus polls), not a token and a request per row.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fabml.scoring.signature import check_header
from infra.clients.fabric import FabricClient
from infra.errors import UserError
from infra.fabric.score_request import ScoreRequest


class ScoreInputError(UserError):
    """The CSV to score is missing, empty, or holds what the endpoint cannot take."""


def read_rows(path: Path) -> tuple[list[str], list[list[Any]]]:
    """The CSV's header and rows, numbers as numbers (the endpoint takes JSON values).

    Refused with the line at fault: a column named twice, NaN or Infinity (JSON has neither).
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            lines = [(reader.line_num, line) for line in reader if line]
    except FileNotFoundError:
        raise ScoreInputError(f"{path}: no such file") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ScoreInputError(f"{path}: not a readable CSV ({exc})") from None
    if len(lines) < 2:
        raise ScoreInputError(f"{path}: needs a header and at least one row")
    (_, header), body = lines[0], lines[1:]
    duplicates = check_header(str(path), header)
    if duplicates:
        raise ScoreInputError(str(duplicates[0]))
    rows = []
    for number, line in body:
        row = [_value(cell) for cell in line]
        for name, cell, value in zip(header, line, row, strict=False):
            if isinstance(value, float) and not math.isfinite(value):
                raise ScoreInputError(
                    f"{path}, line {number}, column {name}: {cell!r} is not "
                    "a finite number (NaN, Infinity and out-of-range numbers are refused: JSON "
                    "cannot carry them)"
                )
        rows.append(row)
    return header, rows


def _value(cell: str) -> Any:
    for kind in (int, float):
        try:
            return kind(cell)
        except ValueError:
            continue
    return cell


@dataclass
class EndpointScorer:
    fabric: FabricClient
    workspace_id: str
    model_id: str
    request: ScoreRequest
    requests: int = field(default=0, init=False)

    def score(self, header: list[str], rows: list[list[Any]]) -> list[Any]:
        """Predictions for `rows`, whose columns `header` names (sent by name, not place)."""
        path = self.request.path(self.workspace_id, self.model_id)
        predictions: list[Any] = []
        for batch in self.request.batches(self.request.inputs(header, rows)):
            body = self.request.body(batch)
            self.requests += 1
            answer = self.fabric.call("POST", path, body, retry_post=True).body or {}
            values = answer.get("predictions")
            if not isinstance(values, list) or len(values) != len(batch):
                raise UserError(
                    f"POST {path}: expected {len(batch)} predictions, got "
                    f"{len(values) if isinstance(values, list) else type(values).__name__}"
                )
            predictions += [v[0] if isinstance(v, list) and len(v) == 1 else v for v in values]
        return predictions
