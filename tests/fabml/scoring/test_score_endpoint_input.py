"""`fabml score-endpoint`'s CSV: what JSON cannot carry is refused by line, before any request."""

from __future__ import annotations

from pathlib import Path

import pytest

from fabml.cli.main import main
from fabml.scoring.score_client import ScoreInputError, read_rows

ARGS = ["--workspace-id", "w", "--model-id", "m", "--api-url", "http://127.0.0.1:9"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a,b,a\n1,2,3\n", "line 1, column a: duplicate column"),
        ("a,b\n1,2\n\n3,nan\n", "line 4, column b: 'nan' is not a finite number"),
        ("a,b\n1,Infinity\n", "line 2, column b: 'Infinity' is not a finite number"),
        ("a,b\n-inf,2\n", "line 2, column a: '-inf' is not a finite number"),
        ("a,b\n1e999,2\n", "line 2, column a: '1e999' is not a finite number"),
    ],
)
def test_duplicate_columns_and_non_finite_numbers_are_refused_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, says: str
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(text)
    with pytest.raises(ScoreInputError, match=says):
        read_rows(path)
    # Through the CLI: exit 2 and one line, before any credential or request (port 9 is closed).
    assert main(["score-endpoint", str(path), *ARGS]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fabml: {path}, {says}")
    assert err.count("\n") == 1


def test_finite_numbers_and_words_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("a,b,c\n1,2.5,nano\n-3,1e5,NA\n")
    assert read_rows(path) == (["a", "b", "c"], [[1, 2.5, "nano"], [-3, 100000.0, "NA"]])


def test_a_file_that_is_not_text_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(ScoreInputError, match="not a readable CSV"):
        read_rows(path)
