"""`fabml score-local`: the batch deployment's semantics on the sample data."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("mlflow")

from fabml.cli.main import main
from fabml.scoring import rehearsal
from fabml.scoring.rehearsal import Options, rehearse
from infra.settings import REPO_ROOT
from tests.conftest import DATA

MODEL = REPO_ROOT / "model" / "heart-classifier"
SAMPLE = DATA / "heart-unlabeled-0.csv"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "in"
    data.mkdir()
    for name in ("a.csv", "b.csv", "c.csv"):
        shutil.copy(SAMPLE, data / name)
    return data


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open()))


def test_every_row_is_scored_in_a_stable_order(folder: Path, tmp_path: Path) -> None:
    summary = rehearse(MODEL, folder, tmp_path / "out", Options(mini_batch_size=2, workers=1))
    rows = _rows(tmp_path / "out" / "predictions.csv")
    assert summary.rows_scored == len(rows) == 300
    assert [r[2] for r in rows] == ["a.csv"] * 100 + ["b.csv"] * 100 + ["c.csv"] * 100
    assert [int(r[0]) for r in rows[:3]] == [0, 1, 2]
    assert {r[1] for r in rows} <= {"0", "1"}


def test_parallel_workers_write_the_same_file(folder: Path, tmp_path: Path) -> None:
    rehearse(MODEL, folder, tmp_path / "one", Options(mini_batch_size=1, workers=1))
    rehearse(MODEL, folder, tmp_path / "two", Options(mini_batch_size=1, workers=2))
    one = (tmp_path / "one" / "predictions.csv").read_bytes()
    assert one == (tmp_path / "two" / "predictions.csv").read_bytes()


def test_predictions_match_the_model_itself(tmp_path: Path) -> None:
    import mlflow.pyfunc
    import pandas as pd

    rehearse(MODEL, SAMPLE, tmp_path, Options(workers=1))
    expected = mlflow.pyfunc.load_model(str(MODEL)).predict(pd.read_csv(SAMPLE)).tolist()
    assert [int(r[1]) for r in _rows(tmp_path / "predictions.csv")] == expected


def test_a_bad_file_is_named_by_line_and_column_and_counts_against_the_threshold(
    folder: Path, tmp_path: Path
) -> None:
    lines = SAMPLE.read_text().splitlines()
    bad = [*lines[:4], "thirty-seven" + lines[4][2:]]  # line 5: a word where a long belongs
    (folder / "b.csv").write_text("\n".join(bad) + "\n")
    (folder / "d.csv").write_text(lines[0].replace(",thal", "") + "\n" + lines[1][:-6] + "\n")
    tolerant = rehearse(MODEL, folder, tmp_path / "t", Options(mini_batch_size=1, workers=1))
    assert (tolerant.files_failed, tolerant.failed) == (2, False)
    assert tolerant.rows_scored == 200
    text = " | ".join(tolerant.failures)
    assert "d.csv, line 1, column thal: missing column" in text
    assert "b.csv, line 5, column age: 'thirty-seven' is not a long" in text
    strict = rehearse(
        MODEL, folder, tmp_path / "s", Options(mini_batch_size=1, workers=1, error_threshold=1)
    )
    assert strict.failed is True


def test_transient_failures_are_retried(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = rehearsal._read_chunks

    def flaky(path: Path, name: str, chunk_rows: int) -> object:
        calls.append(path.name)
        if calls.count(path.name) < 3:
            raise OSError("storage hiccup")
        return real(path, name, chunk_rows)

    monkeypatch.setattr(rehearsal, "_read_chunks", flaky)
    ok = rehearse(MODEL, folder / "a.csv", tmp_path / "ok", Options(workers=1, max_retries=2))
    assert (ok.rows_scored, ok.files_failed) == (100, 0)
    calls.clear()
    gave_up = rehearse(MODEL, folder / "a.csv", tmp_path / "no", Options(workers=1, max_retries=1))
    assert gave_up.files_failed == 1
    assert "attempt 2: OSError: storage hiccup" in gave_up.failures[0]


def test_cli_uses_the_stack_settings_and_reports(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["score-local", str(folder), "--out", str(out), "--json", "--workers", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows_scored"] == 300
    assert summary["options"]["mini_batch_size"] == 2  # the dev stack's deployment setting
    assert summary["output"] == str(out / "predictions.csv")
    (folder / "x.csv").write_text("age\n1\n")
    assert main(["score-local", str(folder), "--out", str(out), "--error-threshold", "0"]) == 1
    assert "job FAILED" in capsys.readouterr().err


@pytest.mark.parametrize(("make", "message"), [("missing", "no such file"), ("empty", "no .csv")])
def test_bad_input_paths_are_user_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: str, message: str
) -> None:
    target = tmp_path / "input"
    if make == "empty":
        target.mkdir()
    assert main(["score-local", str(target), "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err
