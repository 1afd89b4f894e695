"""`fabml plan`: what a user types, what they see, and what a mistake looks like."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fabml.cli.main import main
from infra.catalog import OUTPUT_NAMES


def test_plan_prints_resources_waves_and_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "dev"]) == 0
    out = capsys.readouterr().out
    assert "Offline plan of stack 'dev'" in out
    assert "machinelearningservices:BatchDeployment" in out
    assert "Dependency waves" in out
    assert "subscriptionId            (known after deploy)" in out
    assert "pulumi config set --path fabml:fabric.principalObjectId" in out


def test_plan_json_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "plans" / "prod.json"
    assert main(["plan", "--stack", "prod", "--json", "--out", str(target)]) == 0
    data = json.loads(target.read_text())
    assert data["stack"] == "prod"
    assert list(data["outputs"]) == sorted(OUTPUT_NAMES)
    assert capsys.readouterr().out == ""


def test_unknown_stack_names_the_file_and_the_stacks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "staging"]) == 2
    err = capsys.readouterr().err
    assert "Pulumi.staging.yaml: no such stack file" in err
    assert "dev, prod" in err


def test_malformed_stack_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "Pulumi.x.yaml"
    broken.write_text("config: [unclosed\n")
    assert main(["plan", "--stack", "x", "--config-file", str(broken)]) == 2
    assert f"{broken}: not valid YAML" in capsys.readouterr().err


def test_bad_setting_exits_2_without_traceback(tmp_path: Path) -> None:
    config = tmp_path / "Pulumi.bad.yaml"
    config.write_text(
        "config:\n  fabml:environment: dev\n  fabml:location: swedencentral\n"
        "  fabml:owner: me\n  fabml:costCenter: c\n  fabml:compute:\n    maxNodes: 500\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fabml.cli.main",
            "plan",
            "--stack",
            "bad",
            "--config-file",
            str(config),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    # Our wording: the key as the stack file spells it, the value given, and the limit allowed
    # (the limit's phrasing is pydantic's and may change).
    problem = re.search(
        r"^fabml: Invalid configuration for stack 'bad': fabml:compute\.maxNodes = 500: (.+)$",
        result.stderr,
    )
    assert problem is not None, result.stderr
    assert "100" in problem.group(1)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_internet_outbound_in_prod_exits_2_before_any_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "Pulumi.prod.yaml"
    config.write_text(
        "config:\n  fabml:environment: prod\n  fabml:location: swedencentral\n"
        "  fabml:owner: me\n  fabml:costCenter: c\n"
        "  fabml:workspace:\n    managedNetwork: AllowInternetOutbound\n"
    )
    out = tmp_path / "plan.json"
    assert main(["plan", "--stack", "prod", "--config-file", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "fabml:workspace.managedNetwork is 'AllowInternetOutbound'" in err
    assert "Traceback" not in err
    assert not out.exists()


def _dev_with(tmp_path: Path, lines: str) -> Path:
    config = tmp_path / "Pulumi.dev.yaml"
    shipped = (Path(__file__).resolve().parents[3] / "stacks" / "Pulumi.dev.yaml").read_text()
    config.write_text(shipped.rstrip("\n") + "\n" + lines)
    return config


def test_a_secure_value_is_an_opaque_secret_in_the_offline_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _dev_with(tmp_path, "  fabml:fabricPrincipalSecret:\n    secure: v1:AAAA\n")
    out = tmp_path / "plan.json"
    assert main(["plan", "--stack", "dev", "--config-file", str(config), "--out", str(out)]) == 0
    assert "not valid JSON" not in capsys.readouterr().err
    assert "v1:AAAA" not in out.read_text()


def test_a_plaintext_secret_in_a_stack_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _dev_with(tmp_path, "  fabml:fabricPrincipalSecret: hunter2\n")
    assert main(["plan", "--stack", "dev", "--config-file", str(config)]) == 2
    err = capsys.readouterr().err
    assert "pulumi config set --secret fabml:fabricPrincipalSecret" in err
    assert "hunter2" not in err
    assert len(err.strip().splitlines()) == 1
