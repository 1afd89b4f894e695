"""Scores rows through a Fabric ML model endpoint, the way the Dataflow M function does.

What it sends (path, column order by name, types, format, orientation, batch size) comes from
the one request description, `infra.fabric.score_request`, which the M is generated from too.
One token per run (FabricClient keeps it), 429/503 retried after Retry-After, a 202 followed
to its operation's result: 10,000 rows cost 1 token request and ceil(10,000 / batch size)
score requests (plus polls), not a token and a request per row.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.clients.fabric import FabricClient
from infra.errors import UserError
from infra.fabric.score_request import ScoreRequest


class ScoreInputError(UserError):
    """The CSV to score is missing or empty."""


def read_rows(path: Path) -> tuple[list[str], list[list[Any]]]:
    """The CSV's header and rows, numbers as numbers (the endpoint takes JSON values)."""
    try:
        with path.open(newline="") as handle:
            lines = [line for line in csv.reader(handle) if line]
    except FileNotFoundError:
        raise ScoreInputError(f"{path}: no such file") from None
    if len(lines) < 2:
        raise ScoreInputError(f"{path}: needs a header and at least one row")
    return lines[0], [[_value(cell) for cell in line] for line in lines[1:]]


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
            answer = self.fabric.call("POST", path, body).body or {}
            values = answer.get("predictions")
            if not isinstance(values, list) or len(values) != len(batch):
                raise UserError(
                    f"POST {path}: expected {len(batch)} predictions, got "
                    f"{len(values) if isinstance(values, list) else type(values).__name__}"
                )
            predictions += [v[0] if isinstance(v, list) and len(v) == 1 else v for v in values]
        return predictions
