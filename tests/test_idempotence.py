"""Running `up` twice changes nothing: no resource input depends on time, randomness or order."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from fabml.plan.runner import plan_stack
from tests.conftest import REPO

PROGRAM = [
    REPO / "infra" / "stack.py",
    REPO / "infra" / "naming.py",
    REPO / "infra" / "uris.py",
    *sorted((REPO / "infra" / "components").glob("*.py")),
]
NONDETERMINISTIC = {
    "random",
    "secrets",
    "time",
    "uuid1",
    "uuid4",
    "now",
    "today",
    "utcnow",
    "urandom",
    "getpid",
}


def _plan_json(stack: str, seed: str, tz: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz}
    return subprocess.run(
        [sys.executable, "-m", "fabml.cli.main", "plan", "--stack", stack, "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=REPO,
    ).stdout


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_is_identical_across_processes_hash_seeds_and_time_zones(stack: str) -> None:
    first = _plan_json(stack, "1", "UTC")
    assert first == _plan_json(stack, "4242", "Pacific/Kiritimati")
    assert first == plan_stack(stack).to_json()


def test_program_reads_no_clock_and_no_randomness() -> None:
    for path in PROGRAM:
        tree = ast.parse(path.read_text())
        used = {
            node.attr if isinstance(node, ast.Attribute) else node.id
            for node in ast.walk(tree)
            if isinstance(node, (ast.Attribute, ast.Name))
        }
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        }
        assert not (used | imported) & NONDETERMINISTIC, path


def test_prod_plan_protects_its_state_and_sandboxes_protect_nothing() -> None:
    protected = {r.name for r in plan_stack("prod").resources if r.protect}
    assert protected == {
        "resource-group",
        "data-lake-account",
        "data-lake-container",
        "ml-storage",
        "ml-key-vault",
        "ml-workspace",
    }
    assert [r.name for r in plan_stack("sandbox-template").resources if r.protect] == []
