"""The one description of a Fabric ML model endpoint score request.

`fabml score-endpoint` (Python) and the Dataflow's M function are both generated from it: the
path (the spec spells `/mlModels/{id}/endpoint/score` with a capital M, unlike the other
endpoint calls), the column order and types (the model's input signature, read from the
committed MLmodel when the request is described), the format, the orientation and the batch
size. Change a fact here and both clients change with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.errors import UserError
from infra.model_signature import Column, read_output_type, read_signature

# One fixed base URL: the Dataflow calls it with RelativePath, since a URL built at run time is a
# dynamic data source that refresh in the service rejects.
API_BASE = "https://api.fabric.microsoft.com/"
SCORE_PATH = "v1/workspaces/{workspace_id}/mlModels/{model_id}/endpoint/score"
OPERATIONS_PATH = "v1/operations/"  # 202: Location is <API_BASE>v1/operations/{id}
FORMAT_TYPE = "dataframe"
ORIENTATION = "values"
DEFAULT_BATCH_SIZE = 500
MAX_ATTEMPTS = 5  # per request, for 429/5xx answers
MAX_POLLS = 60  # per long-running score operation
PREDICTION_COLUMN = "prediction"
# Status codes a query may handle itself (Web.Contents ManualStatusHandling): 401 and 403 are
# reserved to custom connectors, so a refused token fails the refresh with Power Query's error.
HANDLED_STATUSES = (400, 404, 429, 500, 502, 503, 504)
RETRIED_STATUSES = (429, 500, 502, 503, 504)

# MLflow column types -> Power Query types and Python conversions.
M_TYPES = {
    "long": "Int64.Type",
    "integer": "Int64.Type",
    "double": "type number",
    "float": "type number",
    "string": "type text",
    "boolean": "type logical",
}
PY_TYPES: dict[str, type] = {
    "long": int,
    "integer": int,
    "double": float,
    "float": float,
    "string": str,
    "boolean": bool,
}


class MissingColumnsError(UserError):
    """The rows to score lack columns of the model's input signature."""


@dataclass(frozen=True)
class ScoreRequest:
    columns: tuple[Column, ...]
    output_type: str
    batch_size: int = DEFAULT_BATCH_SIZE

    def __post_init__(self) -> None:
        types = {c.type for c in self.columns} | {self.output_type}
        if types - M_TYPES.keys():
            raise UserError(
                f"model signature: unsupported type(s) {', '.join(sorted(types - M_TYPES.keys()))}"
                f"; allowed: {', '.join(M_TYPES)}"
            )
        if not 1 <= self.batch_size <= 10_000:
            raise UserError(f"batch size {self.batch_size}: allowed 1 to 10000 rows")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def path(self, workspace_id: str, model_id: str) -> str:
        """The score path under FabricClient's base URL (which ends in /v1)."""
        relative = SCORE_PATH.format(workspace_id=workspace_id, model_id=model_id)
        return "/" + relative.removeprefix("v1/")

    def m_relative_path(self, **expressions: str) -> str:
        """The score path as an M expression, e.g. `"v1/workspaces/" & workspaceId & ...`."""
        pieces = re.split(r"\{(\w+)\}", SCORE_PATH)
        return " & ".join(
            expressions[piece] if index % 2 else f'"{piece}"'
            for index, piece in enumerate(pieces)
            if piece
        )

    def order(self, header: Sequence[str]) -> list[int]:
        """Positions of the signature's columns in `header`: rows are sent by name, not place."""
        missing = [name for name in self.names if name not in header]
        if missing:
            raise MissingColumnsError(
                f"the rows lack the model's input column(s) {', '.join(missing)} "
                f"(the model takes: {', '.join(self.names)})"
            )
        return [list(header).index(name) for name in self.names]

    def inputs(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """Rows in the signature's order, each value converted to its column's type."""
        positions = self.order(header)
        converted = []
        for number, row in enumerate(rows, start=1):
            values = []
            for position, column in zip(positions, self.columns, strict=True):
                try:
                    values.append(PY_TYPES[column.type](row[position]))
                except (TypeError, ValueError):
                    raise UserError(
                        f"row {number}, column {column.name}: {row[position]!r} is not a "
                        f"{column.type}"
                    ) from None
            converted.append(values)
        return converted

    def batches(self, inputs: list[list[Any]]) -> Iterator[list[list[Any]]]:
        for start in range(0, len(inputs), self.batch_size):
            yield inputs[start : start + self.batch_size]

    def body(self, batch: list[list[Any]]) -> dict[str, Any]:
        return {"formatType": FORMAT_TYPE, "orientation": ORIENTATION, "inputs": batch}


def describe(model_dir: Path, batch_size: int = DEFAULT_BATCH_SIZE) -> ScoreRequest:
    """The request the model in `model_dir` takes (its committed MLmodel is read now)."""
    return ScoreRequest(tuple(read_signature(model_dir)), read_output_type(model_dir), batch_size)
