"""`fabml:model`: the MLflow model folder and its registration (settings; no Pulumi import)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from infra.components.config import Section
from infra.project import REPO_ROOT

MODEL_CONTAINER = "models"
MODEL_DATASTORE = "model_artifacts"


class ModelConfig(Section):
    """`fabml:model`: the registered MLflow model."""

    name: str = Field(
        default="heart-classifier",
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$",
        description="Registered model name.",
    )
    version: str = Field(
        default="1",
        pattern=r"^[0-9]{1,9}$",
        description="Model version. Azure ML model versions are immutable: bump it whenever "
        "the model folder changes.",
    )
    path: str = Field(
        default="model/heart-classifier",
        validate_default=True,
        description="MLflow model folder, relative to the repository root (must hold MLmodel).",
    )

    @property
    def folder(self) -> Path:
        return (REPO_ROOT / self.path).resolve()

    @field_validator("path")
    @classmethod
    def _is_mlflow_folder(cls, path: str) -> str:
        folder = (REPO_ROOT / path).resolve()
        if not (folder / "MLmodel").is_file():
            raise ValueError(f"'{folder}' is not an MLflow model folder (no MLmodel file)")
        return path


def model_files(folder: Path) -> list[Path]:
    """The files of an MLflow model folder, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
