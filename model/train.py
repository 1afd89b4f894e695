"""Train the heart-disease classifier and save it as the MLflow model folder Azure ML serves.

Usage (from the repository root)::

    python model/train.py --data data/heart-train.csv --out model/heart-classifier

The folder is consumed by an Azure ML *no-code* MLflow batch deployment: Azure ML builds the
scoring environment from ``conda.yaml`` and loads the model with ``mlflow.pyfunc``, so the
pipeline must be made of stock scikit-learn objects only (nothing pickled by reference to this
script) and the signature is what Azure ML uses to coerce the incoming CSV columns.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import logging
import shutil
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT / "data" / "heart-train.csv"
DEFAULT_OUT = REPO_ROOT / "model" / "heart-classifier"

LABEL = "target"
# Order and types are the reference signature of the Azure ML heart-classifier sample; callers
# (the Fabric pipeline, the batch endpoint) send exactly these columns.
FEATURES: dict[str, str] = {
    "age": "long",
    "sex": "long",
    "cp": "long",
    "trestbps": "long",
    "chol": "long",
    "fbs": "long",
    "restecg": "long",
    "thalach": "long",
    "exang": "long",
    "oldpeak": "double",
    "slope": "long",
    "ca": "long",
    "thal": "string",
}
# cp/restecg/slope are integer codes for unordered categories, so scaling them as numbers would
# impose a meaningless order.
CATEGORICAL = ["cp", "restecg", "slope", "thal"]
NUMERIC = [name for name in FEATURES if name not in CATEGORICAL]

PYTHON_VERSION = "3.11"
# The serving environment is rebuilt from these pins, so they are read from the environment that
# trained the model: the pickle is only guaranteed to load with the same library versions.
# mlflow-skinny (not mlflow) because it is what Azure ML's MLflow images use and all pyfunc needs.
PINNED_PACKAGES = ["mlflow-skinny", "scikit-learn", "cloudpickle", "pandas", "numpy"]
# Derived from the model's content, so retraining the same data with the same seed and
# environment yields a byte-identical MLmodel while any real change yields a new uuid.
_UUID_NAMESPACE = uuid.UUID("6f1c1c1e-8f6a-5b8e-9a53-6d0e6b0c7a11")
_PANDAS_DTYPES = {"long": "int64", "double": "float64", "string": "str"}


class DataError(Exception):
    """The training data or output folder cannot be used; the message names the path."""


def pinned_requirements() -> list[str]:
    return [f"{name}=={importlib.metadata.version(name)}" for name in PINNED_PACKAGES]


def load_training_data(data_path: Path) -> Any:
    """Read the labeled CSV and cast it to the signature's types (a pandas DataFrame)."""
    import pandas as pd

    if not data_path.is_file():
        raise DataError(f"training data file not found: {data_path}")
    try:
        frame = pd.read_csv(data_path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read training data file {data_path}: {exc}") from exc

    missing = [name for name in [*FEATURES, LABEL] if name not in frame.columns]
    if missing:
        raise DataError(
            f"training data file {data_path} lacks required column(s): {', '.join(missing)}"
        )
    if frame.empty:
        raise DataError(f"training data file {data_path} has no rows")

    frame = frame[[*FEATURES, LABEL]]
    # Fitting on the exact dtypes Azure ML will hand to predict (after signature enforcement)
    # keeps training and scoring on the same code paths.
    dtypes = {name: _PANDAS_DTYPES[kind] for name, kind in FEATURES.items()}
    for name, dtype in {**dtypes, LABEL: "int64"}.items():
        column = pd.Series(frame[name])
        if column.isna().any():
            raise DataError(f"training data file {data_path} has empty values in column {name}")
        try:
            frame[name] = column.astype(dtype)
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"training data file {data_path}: column {name} is not {dtype}: {exc}"
            ) from exc

    label = pd.Series(frame[LABEL])
    labels = set(label.unique().tolist())
    if not labels <= {0, 1} or len(labels) < 2:
        raise DataError(
            f"training data file {data_path}: column {LABEL} must hold both 0 and 1, "
            f"found {sorted(labels)}"
        )
    return frame


def build_pipeline(seed: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    preprocess = ColumnTransformer(
        [
            ("numeric", StandardScaler(), NUMERIC),
            # Scoring data may carry thal codes the training set never had ("1", "2", typos);
            # they must score as "no known category", not fail the whole batch.
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    return Pipeline(
        [
            ("preprocess", preprocess),
            ("classifier", LogisticRegression(max_iter=1000, random_state=seed)),
        ]
    )


def signature() -> Any:
    from mlflow.models.signature import ModelSignature
    from mlflow.types.schema import ColSpec, Schema

    return ModelSignature(
        inputs=Schema([ColSpec(kind, name) for name, kind in FEATURES.items()]),
        outputs=Schema([ColSpec("long")]),
    )


def conda_env(requirements: list[str]) -> dict[str, Any]:
    return {
        "name": "heart-classifier-env",
        "channels": ["conda-forge"],
        "dependencies": [f"python={PYTHON_VERSION}", "pip", {"pip": requirements}],
    }


def _write_yaml(path: Path, content: dict[str, Any], *, sort_keys: bool = False) -> None:
    import yaml

    path.write_text(yaml.safe_dump(content, default_flow_style=False, sort_keys=sort_keys))


def _normalise_metadata(model_dir: Path, requirements: list[str]) -> None:
    """Make the files mlflow writes depend only on the inputs, not on the clock or the machine."""
    import yaml

    # mlflow pins the build tools of whatever venv trained the model; those pins say nothing
    # about the model and would make the folder differ between developers' machines.
    _write_yaml(
        model_dir / "python_env.yaml",
        {
            "python": PYTHON_VERSION,
            "build_dependencies": ["pip", "setuptools", "wheel"],
            "dependencies": ["-r requirements.txt"],
        },
    )
    (model_dir / "requirements.txt").write_text("\n".join(requirements) + "\n")

    mlmodel_path = model_dir / "MLmodel"
    mlmodel = yaml.safe_load(mlmodel_path.read_text())
    mlmodel.pop("utc_time_created", None)
    mlmodel.pop("model_uuid", None)
    # model.pkl's bytes are not guaranteed stable across runs or platforms, so neither is its
    # size; it is informational only.
    mlmodel.pop("model_size_bytes", None)
    flavor = mlmodel["flavors"]["python_function"]
    # The patch release of the training interpreter is irrelevant to loading the pickle.
    flavor["python_version"] = PYTHON_VERSION
    content = yaml.safe_dump(mlmodel, default_flow_style=False, sort_keys=True)
    digest = hashlib.sha256(content.encode()).hexdigest()
    mlmodel["model_uuid"] = uuid.uuid5(_UUID_NAMESPACE, digest).hex
    _write_yaml(mlmodel_path, mlmodel, sort_keys=True)


def _check_replaceable(out_dir: Path) -> None:
    # --out is user input and gets deleted: only ever delete a previous model folder.
    if out_dir.exists() and (
        not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / "MLmodel").is_file())
    ):
        raise DataError(f"refusing to replace {out_dir}: it is not an MLflow model folder")


def train(data_path: Path, out_dir: Path, seed: int = 42) -> None:
    """Fit the classifier on ``data_path`` and write a fresh MLflow model folder at ``out_dir``.

    Raises DataError when the data is unusable; the old folder is then left untouched.
    """
    data_path = Path(data_path)
    out_dir = Path(out_dir)
    _check_replaceable(out_dir)
    frame = load_training_data(data_path)
    # Imported after validation so a bad --data fails fast, without mlflow's import cost.
    from mlflow import sklearn as mlflow_sklearn

    features, labels = frame[list(FEATURES)], frame[LABEL]

    pipeline = build_pipeline(seed)
    pipeline.fit(features, labels)
    accuracy = float((pipeline.predict(features) == labels.to_numpy()).mean())

    requirements = pinned_requirements()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # Saving next to the target and renaming keeps the previous folder intact if saving fails.
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{out_dir.name}-") as tmp:
        staged = Path(tmp) / out_dir.name
        sklearn_logger = logging.getLogger("mlflow.sklearn")
        previous_level = sklearn_logger.level
        # cloudpickle is a deliberate choice (Azure ML's loader has no skops trust list), so
        # mlflow's advice to use skops is noise on every run.
        sklearn_logger.setLevel(logging.ERROR)
        try:
            mlflow_sklearn.save_model(
                pipeline,
                str(staged),
                serialization_format=mlflow_sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
                signature=signature(),
                conda_env=conda_env(requirements),
                metadata={
                    "training_rows": len(frame),
                    "training_accuracy": round(accuracy, 6),
                    "training_data_sha256": hashlib.sha256(data_path.read_bytes()).hexdigest(),
                    "seed": seed,
                },
            )
        finally:
            sklearn_logger.setLevel(previous_level)
        _normalise_metadata(staged, requirements)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staged.rename(out_dir)

    print(f"trained on {len(frame)} rows, training accuracy {accuracy:.4f}, saved to {out_dir}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Train the heart classifier; write its MLflow folder."
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"labeled CSV (default: {DEFAULT_DATA})"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"model folder to write (default: {DEFAULT_OUT})",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    args = parser.parse_args(argv)
    try:
        train(args.data, args.out, seed=args.seed)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
