"""`infra/__main__.py`, the program `pulumi up` runs, under the mock runtime."""

from __future__ import annotations

import runpy

import pulumi
import pulumi.runtime
import pytest

from fabml.plan.mocks import PlanMocks, RecordingMonitor
from fabml.plan.runner import run_plan, run_under_mocks
from infra.catalog import OUTPUT_NAMES
from tests.conftest import FABRIC, config_for


def _run_entry_point(values: dict[str, str]) -> tuple[RecordingMonitor, dict[str, object]]:
    monitor = RecordingMonitor(PlanMocks())

    async def program() -> None:
        runpy.run_module("infra.__main__", run_name="__main__")

    run_under_mocks(monitor, "dev", values, [], program)
    root = pulumi.runtime.get_root_resource()
    return monitor, dict(getattr(root, "outputs", {}))


def test_entry_point_registers_what_the_plan_shows() -> None:
    config = config_for("dev", fabric=FABRIC)
    monitor, exported = _run_entry_point(config.values)
    assert tuple(exported) == OUTPUT_NAMES
    planned = {r.urn for r in run_plan(config).resources}
    assert {r.urn for r in monitor.registrations} == planned


def test_entry_point_stops_on_bad_config_with_a_run_error() -> None:
    config = config_for("dev", fabric=FABRIC, deployment={"miniBatchSize": 0})
    with pytest.raises(pulumi.RunError, match="fabml:deployment.miniBatchSize = 0") as caught:
        _run_entry_point(config.values)
    assert caught.value.__cause__ is None


def test_entry_point_refuses_placeholder_identities() -> None:
    with pytest.raises(pulumi.RunError, match="fabml:fabric is required but not set"):
        _run_entry_point(config_for("dev").values)
