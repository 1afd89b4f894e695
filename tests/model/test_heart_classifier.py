"""The committed MLflow model folder and the script that produces it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from model.train import FEATURES, PINNED_PACKAGES, main, train

pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")
pyfunc = pytest.importorskip("mlflow.pyfunc")
yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
TRAIN_CSV = DATA / "heart-train.csv"
UNLABELED_CSV = DATA / "heart-unlabeled-0.csv"
MODEL_DIR = REPO / "model" / "heart-classifier"
METADATA_FILES = ["MLmodel", "conda.yaml", "python_env.yaml", "requirements.txt"]


@pytest.fixture(scope="module")
def committed_model():
    return pyfunc.load_model(str(MODEL_DIR))


@pytest.fixture(scope="module")
def unlabeled():
    return pd.read_csv(UNLABELED_CSV)


@pytest.fixture(scope="module")
def two_fresh_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("trained")
    first, second = root / "first", root / "second"
    train(TRAIN_CSV, first)
    # The second run goes over an existing folder, as a developer's retrain does.
    train(TRAIN_CSV, second)
    (second / "stray.txt").write_text("left over from an older model")
    train(TRAIN_CSV, second)
    return first, second


def _pip_pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        name, sep, version = line.partition("==")
        assert sep, f"{line!r} is not pinned with =="
        pins[name.strip()] = version.strip()
    return pins


def test_committed_folder_predicts_a_class_for_every_unlabeled_row(committed_model, unlabeled):
    predictions = committed_model.predict(unlabeled)
    assert len(predictions) == 100
    assert set(pd.Series(predictions).tolist()) <= {0, 1}


def test_committed_folder_holds_only_the_small_model_files() -> None:
    files = sorted(p.name for p in MODEL_DIR.iterdir())
    assert files == sorted([*METADATA_FILES, "model.pkl"])
    assert sum(p.stat().st_size for p in MODEL_DIR.iterdir()) < 100_000


def test_signature_is_the_reference_one(committed_model) -> None:
    signature = committed_model.metadata.signature
    inputs = [(spec.name, spec.type.name) for spec in signature.inputs.inputs]
    assert inputs == list(FEATURES.items())
    assert [name for name, _ in inputs] == [
        "age", "sex", "cp", "trestbps", "chol", "fbs", "restecg",
        "thalach", "exang", "oldpeak", "slope", "ca", "thal",
    ]  # fmt: skip
    assert {kind for name, kind in inputs if name not in ("oldpeak", "thal")} == {"long"}
    assert dict(inputs)["oldpeak"] == "double"
    assert dict(inputs)["thal"] == "string"
    outputs = signature.outputs.inputs
    assert len(outputs) == 1
    assert outputs[0].name is None
    assert outputs[0].type.name == "long"


def test_unseen_thal_values_still_score(committed_model, unlabeled) -> None:
    rows = unlabeled.head(4).copy()
    rows["thal"] = ["1", "2", "unknown", ""]
    predictions = committed_model.predict(rows)
    assert len(predictions) == 4
    assert set(pd.Series(predictions).tolist()) <= {0, 1}


def test_pins_agree_across_environment_files() -> None:
    conda = yaml.safe_load((MODEL_DIR / "conda.yaml").read_text())
    python_env = yaml.safe_load((MODEL_DIR / "python_env.yaml").read_text())
    requirements = (MODEL_DIR / "requirements.txt").read_text().split()
    mlmodel = yaml.safe_load((MODEL_DIR / "MLmodel").read_text())

    conda_python = [
        d for d in conda["dependencies"] if isinstance(d, str) and d.startswith("python")
    ]
    conda_pip = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    assert conda_python == ["python=3.11"]
    assert str(python_env["python"]) == "3.11"
    # python_env.yaml delegates its pins to requirements.txt, so the two can never drift.
    assert python_env["dependencies"] == ["-r requirements.txt"]

    pins = _pip_pins(requirements)
    assert _pip_pins(conda_pip) == pins
    assert list(pins) == PINNED_PACKAGES
    assert pins["scikit-learn"] == mlmodel["flavors"]["sklearn"]["sklearn_version"]
    assert pins["mlflow-skinny"] == mlmodel["mlflow_version"]


def test_training_is_deterministic(two_fresh_models, unlabeled) -> None:
    first, second = two_fresh_models
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    assert (first / "MLmodel").read_bytes() == (second / "MLmodel").read_bytes()
    first_predictions = pyfunc.load_model(str(first)).predict(unlabeled)
    second_predictions = pyfunc.load_model(str(second)).predict(unlabeled)
    assert first_predictions.tolist() == second_predictions.tolist()


def test_committed_folder_is_what_the_script_produces(two_fresh_models) -> None:
    fresh, _ = two_fresh_models
    for name in METADATA_FILES:
        assert (fresh / name).read_text() == (MODEL_DIR / name).read_text(), (
            f"{name} is stale: run `python model/train.py` and bump model.version in the stacks"
        )


def test_missing_data_file_is_a_clean_error(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nope.csv"
    out = tmp_path / "out"
    assert main(["--data", str(missing), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert str(missing) in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert not out.exists()


def test_missing_columns_are_named(tmp_path: Path, capsys) -> None:
    data = tmp_path / "partial.csv"
    data.write_text("age,sex,cp\n63,1,1\n67,1,4\n")
    assert main(["--data", str(data), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(data) in err
    for column in ("trestbps", "oldpeak", "thal", "target"):
        assert column in err
    assert "Traceback" not in err


def test_a_folder_that_is_not_a_model_is_never_replaced(tmp_path: Path, capsys) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["--data", str(TRAIN_CSV), "--out", str(out)]) == 2
    assert str(out) in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me"


def test_script_entry_point_exits_2_without_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    result = subprocess.run(
        [sys.executable, str(REPO / "model" / "train.py"), "--data", str(missing)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert str(missing) in result.stderr
    assert "Traceback" not in result.stderr
