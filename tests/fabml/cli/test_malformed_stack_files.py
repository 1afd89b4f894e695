"""The committed set of malformed stack files, each through the real `fabml plan`.

Every file in tests/fixtures/stack-files/ gets one clear line and exit status 2, or is safely
accepted: its plan passes the policy rules of the environment its stack is judged by. None
ends in a traceback. A file's header says which (README.md there).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fabml.cli.main import main
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "stack-files"
HEADER = re.compile(r"^# (stack|expect|accepted): (.+)$", re.M)


def _header(path: Path) -> dict[str, str]:
    return dict(HEADER.findall(path.read_text(encoding="utf-8")))


FILES = sorted(FIXTURES.glob("*.yaml"))


def test_every_fixture_says_what_it_expects() -> None:
    assert len(FILES) >= 25
    for path in FILES:
        header = _header(path)
        assert "stack" in header, path
        assert ("expect" in header) != ("accepted" in header), path


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_a_malformed_stack_file_gets_one_line_or_a_plan_that_passes(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = _header(path)
    out = tmp_path / "plan.json"
    args = ["plan", "--stack", header["stack"], "--config-file", str(path), "--json"]
    status = main([*args, "--out", str(out)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if "expect" in header:
        assert status == 2, captured.err
        assert captured.err.count("\n") == 1, captured.err
        assert captured.err.startswith("fabml: "), captured.err
        assert header["expect"] in captured.err
        assert not out.exists()
    else:
        assert status == 0, captured.err
        plan = json.loads(out.read_text())
        assert plan["environment"] == "prod"
        assert "secure" not in out.read_text()
