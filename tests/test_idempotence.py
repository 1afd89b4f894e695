"""Running `up` twice changes nothing: no resource input depends on time, randomness or order."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fabml.plan.runner import plan_stack
from tests.conftest import REPO


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
