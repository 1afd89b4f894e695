"""`fabml score-local`: the batch deployment's semantics on the sample data."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

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


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_chunked_reads_write_exactly_what_whole_files_do(folder: Path, tmp_path: Path) -> None:
    # Chunks of 7 rows cut every file mid-way and join files inside a chunk.
    whole = rehearse(MODEL, folder, tmp_path / "whole", Options(mini_batch_size=2, workers=1))
    small = Options(mini_batch_size=2, workers=2, chunk_rows=7)
    chunked = rehearse(MODEL, folder, tmp_path / "chunked", small)
    assert whole.rows_scored == chunked.rows_scored == 300
    expected = (tmp_path / "whole" / "predictions.csv").read_bytes()
    assert (tmp_path / "chunked" / "predictions.csv").read_bytes() == expected
    assert _listing(tmp_path / "chunked") == ["predictions.csv"]  # no part or temporary file


def test_an_interrupted_write_leaves_the_earlier_predictions_whole(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    rehearse(MODEL, folder, out, Options(mini_batch_size=1, workers=1))
    good = (out / "predictions.csv").read_bytes()
    copied: list[object] = []
    real = shutil.copyfileobj

    def interrupted(source: Any, target: Any, length: int = 0) -> None:
        copied.append(source)
        if len(copied) == 2:  # Ctrl-C after the first mini-batch's rows were written
            raise KeyboardInterrupt
        real(source, target, length)

    monkeypatch.setattr(shutil, "copyfileobj", interrupted)
    (folder / "a.csv").write_text(SAMPLE.read_text().replace("\n63,", "\n64,", 1))
    with pytest.raises(KeyboardInterrupt):
        rehearse(MODEL, folder, out, Options(mini_batch_size=1, workers=1))
    assert (out / "predictions.csv").read_bytes() == good
    assert _listing(out) == ["predictions.csv"]


def test_a_failed_job_leaves_the_earlier_predictions_as_they_were(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["score-local", str(folder), "--out", str(out), "--workers", "1"]) == 0
    good = (out / "predictions.csv").read_bytes()
    (folder / "b.csv").write_text("age\n1\n")
    capsys.readouterr()
    args = ["score-local", str(folder), "--out", str(out), "--error-threshold", "0"]
    assert main(args) == 1
    err = capsys.readouterr().err
    # b.csv fails its mini-batch, and a.csv with it (the stack's miniBatchSize is 2).
    assert "job FAILED: 2 failed files exceed the error threshold 0" in err
    assert "left as it was" in err
    assert (out / "predictions.csv").read_bytes() == good


def test_a_failed_mini_batch_names_every_file_in_it(folder: Path, tmp_path: Path) -> None:
    (folder / "b.csv").write_text("age\n1\n")
    summary = rehearse(MODEL, folder, tmp_path / "o", Options(mini_batch_size=2, workers=1))
    assert summary.failed_files == ["a.csv", "b.csv"]
    assert summary.failures[0].startswith("mini-batch of a.csv, b.csv failed: b.csv, line 1")
    assert summary.rows_scored == 100  # c.csv, in the next mini-batch


def test_files_in_subfolders_are_named_by_their_path_in_the_input(
    folder: Path, tmp_path: Path
) -> None:
    (folder / "sub").mkdir()
    (folder / "sub" / "a.csv").write_text("age\n1\n")
    summary = rehearse(MODEL, folder, tmp_path / "o", Options(mini_batch_size=1, workers=1))
    assert summary.failed_files == ["sub/a.csv"]
    assert "sub/a.csv, line 1, column sex: missing column" in summary.failures[0]


def test_an_input_with_no_scorable_file_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "in"
    data.mkdir()
    (data / "notes.csv").write_text("just some text\n")
    (data / "empty.csv").write_text("")
    out = tmp_path / "out"
    assert main(["score-local", str(data), "--out", str(out)]) == 1
    progress, verdict = capsys.readouterr().err.strip().split("\n")
    assert progress.endswith("2/2 files, 0 rows")
    assert verdict.startswith(f"fabml score-local: job FAILED: no file of {data} could be scored")
    assert not (out / "predictions.csv").exists()


@pytest.mark.parametrize("where", ["inside", "same"])
def test_an_output_folder_inside_the_input_is_refused_before_anything_is_written(
    folder: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    out = folder / "scored" if where == "inside" else folder
    before = _listing(folder)
    assert main(["score-local", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "inside the input folder" in err
    assert err.count("\n") == 1
    assert _listing(folder) == before


def test_the_input_file_itself_is_never_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "predictions.csv"
    shutil.copy(SAMPLE, target)
    assert main(["score-local", str(target), "--out", str(tmp_path)]) == 2
    assert "is the input file itself" in capsys.readouterr().err
    assert target.read_bytes() == SAMPLE.read_bytes()


def test_max_retries_below_zero_is_refused_and_nothing_is_written(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["score-local", str(folder), "--out", str(out), "--max-retries", "-1"])
    assert exit_.value.code == 2
    assert "--max-retries: -1: allowed 0-10" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda h, r: (h + ",age", r + ",40"), "line 1, column age: duplicate column"),
        (
            lambda h, r: (h, r.replace(",2.3,", ",nan,")),
            "line 2, column oldpeak: 'nan' is not a finite double (NaN and Infinity are refused)",
        ),
        (
            lambda h, r: (h, r.replace(",2.3,", ",-Infinity,")),
            "line 2, column oldpeak: '-Infinity' is not a finite double",
        ),
        (
            lambda h, r: (h, r.replace(",2.3,", ",1e400,")),
            "line 2, column oldpeak: '1e400' is out of range for a double",
        ),
        (
            lambda h, r: (h, r.replace("63,", "99999999999999999999,", 1)),
            "line 2, column age: '99999999999999999999' is out of range for a long",
        ),
        (lambda h, r: (h, r.replace("63,", ",", 1)), "line 2, column age: empty value"),
        # pandas' typed read takes these as longs (63 and a garbage number); MLflow would not.
        (
            lambda h, r: (h, r.replace("63,", "63.0,", 1)),
            "line 2, column age: '63.0' is not a long",
        ),
        (
            lambda h, r: (h, r.replace("63,", "inf,", 1)),
            "line 2, column age: 'inf' is not a finite long",
        ),
    ],
)
def test_bad_values_are_refused_by_file_line_and_column(
    tmp_path: Path, edit: object, says: str
) -> None:
    header, first, *rest = SAMPLE.read_text().splitlines()
    new_header, new_first = edit(header, first)  # type: ignore[operator]
    data = tmp_path / "in"
    data.mkdir()
    (data / "x.csv").write_text("\n".join([new_header, new_first, *rest]) + "\n")
    summary = rehearse(MODEL, data, tmp_path / "o", Options(workers=1))
    assert summary.failed
    assert f"x.csv, {says}" in summary.failures[0]


def test_a_late_bad_row_in_a_chunked_file_is_found_by_its_line(tmp_path: Path) -> None:
    header, *rows = SAMPLE.read_text().splitlines()
    rows[80] = "x" + rows[80]  # line 82: "x63" where a long belongs, in the ninth chunk
    data = tmp_path / "in"
    data.mkdir()
    (data / "big.csv").write_text("\n".join([header, *rows]) + "\n")
    summary = rehearse(MODEL, data, tmp_path / "o", Options(workers=1, chunk_rows=10))
    assert "big.csv, line 82, column age:" in summary.failures[0]


def test_na_is_a_value_in_a_string_column(tmp_path: Path) -> None:
    # Only an empty field is missing: a category spelled "NA" is scored, not called empty.
    header, first = SAMPLE.read_text().splitlines()[:2]
    (tmp_path / "na.csv").write_text("\n".join([header, first[: -len("fixed")] + "NA"]) + "\n")
    summary = rehearse(MODEL, tmp_path / "na.csv", tmp_path / "o", Options(workers=1))
    assert (summary.rows_scored, summary.failures) == (1, [])


def test_a_model_folder_that_does_not_load_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "model"
    shutil.copytree(MODEL, broken)
    (broken / "model.pkl").write_bytes(b"not a pickle")
    argv = ["score-local", str(SAMPLE), "--out", str(tmp_path / "o"), "--model", str(broken)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fabml: {broken}: the MLflow model does not load: ")
    assert err.count("\n") == 1
