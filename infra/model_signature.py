"""An MLflow model folder's input and output signature, read from its committed MLmodel file.

Both scoring clients (the Dataflow's M and `fabml score-endpoint`) and the local rehearsal
take the column order and types from here, so the folder is the one source of that fact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from infra import bounded_yaml
from infra.errors import UserError


class ModelFolderError(UserError):
    """The MLflow model folder is missing or has no usable signature."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str


def _mlmodel(model_dir: Path) -> dict:
    mlmodel = model_dir / "MLmodel"
    if not mlmodel.is_file():
        raise ModelFolderError(f"{model_dir}: not an MLflow model folder (no MLmodel file)")
    try:
        return bounded_yaml.safe_load(mlmodel.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ModelFolderError(f"{mlmodel}: not YAML ({bounded_yaml.describe(exc)})") from None


def read_signature(model_dir: Path) -> list[Column]:
    """The input columns, in the order the model takes them."""
    try:
        inputs = json.loads(_mlmodel(model_dir)["signature"]["inputs"])
        return [Column(str(c["name"]), str(c["type"])) for c in inputs]
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFolderError(
            f"{model_dir / 'MLmodel'}: no column-based input signature ({exc})"
        ) from None


def read_output_type(model_dir: Path) -> str:
    """The type of the model's single output (the prediction)."""
    try:
        [output] = json.loads(_mlmodel(model_dir)["signature"]["outputs"])
        return str(output["type"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFolderError(
            f"{model_dir / 'MLmodel'}: needs exactly one typed output in its signature ({exc})"
        ) from None
