"""Property-based: whatever flags or CSV a user gives, one clear line or a safe result, no crash.

Bounded examples (hypothesis, derandomized so CI sees the same cases every run). Each case
goes through `fabml`'s real entry point in-process: an exception escaping `main` is a
traceback a user would see, and fails the test.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fabml.cli.main import main
from fabml.plan.stack_file import StackFileError, read_stack_config
from fabml.scoring.score_client import ScoreInputError, read_rows
from tests.conftest import BOUNDED, DATA

pytest.importorskip("mlflow")

SAMPLE = DATA / "heart-unlabeled-0.csv"
HEADER, *SAMPLE_ROWS = SAMPLE.read_text().splitlines()
COLUMNS = HEADER.split(",")

# Numbers at and past each flag's bounds, and text that is no number at all.
_FLAG_VALUES = st.one_of(
    st.integers(-2, 3).map(str),
    st.sampled_from(["0", "-1", "11", "65", "1001", "10" * 12, "1.5", "nan", "inf", "", " 2"]),
    st.text(max_size=4),
)
_FLAGS = st.dictionaries(
    st.sampled_from(["--mini-batch-size", "--workers", "--error-threshold", "--max-retries"]),
    _FLAG_VALUES,
    max_size=4,
)


def _one_line_or_verdict(status: object, err: str) -> None:
    assert status in (0, 1, 2), (status, err)
    assert "Traceback" not in err
    if status == 2:
        assert err.count("\n") == 1, err
        assert err.startswith("fabml"), err


@BOUNDED
@given(flags=_FLAGS, stack=st.sampled_from(["dev", "prod", "nope", ""]))
def test_score_local_flags(
    flags: dict[str, str], stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        argv = ["score-local", str(SAMPLE), "--out", str(out), "--stack", stack]
        for flag, value in flags.items():
            argv += [f"{flag}={value}"]
        try:
            status: object = main(argv)
        except SystemExit as exit_:  # argparse: usage errors
            status = exit_.code
        _one_line_or_verdict(status, capsys.readouterr().err)
        if status == 2:
            assert not out.exists()  # refused before anything was written
        if status == 0:
            assert len((out / "predictions.csv").read_text().splitlines()) == len(SAMPLE_ROWS)


_CELLS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "nan", "NaN", "-inf", "Infinity", "1e400", "NA", '"', "a,b", "fixed"]),
    st.text(max_size=6),
)


@st.composite
def _csv_files(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    header = draw(
        st.one_of(
            st.just(COLUMNS),
            st.lists(st.sampled_from([*COLUMNS, "extra"]), min_size=0, max_size=15),
            st.just([*COLUMNS, "age"]),
        )
    )
    base = [row.split(",") for row in SAMPLE_ROWS[:3]]
    rows = []
    for row in base:
        cells = dict(zip(COLUMNS, row, strict=True))
        for name in draw(st.lists(st.sampled_from(COLUMNS), max_size=3)):
            cells[name] = draw(_CELLS)
        rows.append([cells.get(name, "1") for name in header])
    return header, rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    import csv

    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _finite_and_typed(header: list[str], rows: list[list[str]]) -> bool:
    """What the model may score: each column once, every value of its type and finite."""
    import pandas as pd

    from fabml.scoring.signature import check_frame, read_signature

    if len(set(header)) != len(header) or not set(COLUMNS) <= set(header):
        return False
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    columns = read_signature(DATA.parent / "model" / "heart-classifier")
    return not check_frame("x.csv", frame, columns)


@BOUNDED
@given(csv_file=_csv_files())
def test_score_local_csv_inputs(
    csv_file: tuple[list[str], list[list[str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    header, rows = csv_file
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "in", Path(tmp) / "out"
        data.mkdir()
        _write(data / "x.csv", header, rows)
        status = main(["score-local", str(data), "--out", str(out), "--workers", "1"])
        captured = capsys.readouterr()
        _one_line_or_verdict(status, captured.err)
        accepted = status == 0
        # Accepted exactly when the file is what the model can score; refused by file and line.
        assert accepted == _finite_and_typed(header, rows), (header, rows, captured)
        if not accepted:
            assert "x.csv" in captured.out
        shutil.rmtree(tmp, ignore_errors=True)


@BOUNDED
@given(csv_file=_csv_files())
def test_score_endpoint_csv_inputs(csv_file: tuple[list[str], list[list[str]]]) -> None:
    header, rows = csv_file
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.csv"
        _write(path, header, rows)
        try:
            got_header, got_rows = read_rows(path)
        except ScoreInputError as error:
            got_header, got_rows, message = [], [], str(error)
        else:
            message = ""
        assert "\n" not in message
        assert message or len(set(got_header)) == len(got_header)
        assert all(math.isfinite(v) for row in got_rows for v in row if isinstance(v, float))


_YAML = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.sampled_from(
            [
                "config:",
                "  fabml:a: &x [1, 2]",
                "  fabml:b: *x",
                "  fabml:c: *y",
                "  - 1",
                "  fabml:d: {secure: abc}",
                "  7: x",
                "  fabml:e: !!binary aGk=",
                "  fabml:f:",
                "    - *x",
                "  fabml:g: 2026-01-01",
                "config: [",
                "---",
                "  fabml:h: &y *y",
            ]
        ),
        max_size=8,
    ).map("\n".join),
)


@BOUNDED
@given(text=_YAML)
def test_stack_files(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Pulumi.x.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            values = read_stack_config("x", path).values
        except StackFileError as error:
            values, message = {}, str(error)
        else:
            message = ""
        assert not message or message.startswith(str(path))
        assert all(isinstance(v, str) for v in values.values())
