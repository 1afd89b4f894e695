"""Commands that need no Pulumi load none: they start fast and work without the SDK's cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO
from tests.fabml.kit.test_kit import DEPLOYED

# Runs one `fabml` command in a fresh interpreter, then reports which SDK modules it loaded.
PROBE = """
import json, sys
from fabml.cli.main import main
try:
    status = main(sys.argv[2:])
except SystemExit as exit:
    status = exit.code
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"pulumi", "pulumi_azure_native"})
with open(sys.argv[1], "w") as report:
    json.dump({"status": status, "loaded": loaded}, report)
"""


def _loaded(tmp_path: Path, *argv: str) -> tuple[int, list[str]]:
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *argv],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    result = json.loads(report.read_text())
    return result["status"], result["loaded"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["plan", "--help"],
        ["fabric", "--help"],
        ["score-local", "--help"],
    ],
    ids=" ".join,
)
def test_help_and_version_load_no_pulumi(tmp_path: Path, argv: list[str]) -> None:
    _, loaded = _loaded(tmp_path, *argv)
    assert loaded == []


def test_score_local_loads_no_pulumi(tmp_path: Path) -> None:
    status, loaded = _loaded(
        tmp_path,
        "score-local",
        str(DATA / "heart-unlabeled-0.csv"),
        "--out",
        str(tmp_path / "scored"),
        "--workers",
        "1",
    )
    assert (status, loaded) == (0, [])


def test_fabric_kit_from_an_outputs_file_loads_no_pulumi(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(DEPLOYED))
    status, loaded = _loaded(
        tmp_path, "fabric", "--outputs", str(outputs), "--out", str(tmp_path / "kit")
    )
    assert (status, loaded) == (0, [])


def test_the_probe_sees_pulumi_when_a_command_loads_it(tmp_path: Path) -> None:
    # Without this, an empty list could mean the probe looked in the wrong place.
    status, loaded = _loaded(tmp_path, "plan", "--stack", "dev", "--json")
    assert status == 0
    assert {"pulumi", "pulumi_azure_native"} <= set(loaded)
