"""`infra/__main__.py`, the program `pulumi up` runs, under the mock runtime."""

from __future__ import annotations

import runpy

import pulumi
import pytest
from pulumi.runtime import set_all_config, set_mocks
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from fabml.plan.mocks import PlanMocks, RecordingMonitor
from fabml.plan.runner import run_plan
from infra.catalog import OUTPUT_NAMES
from tests.conftest import FABRIC, config_for


def _run_entry_point(values: dict[str, str]) -> tuple[RecordingMonitor, dict[str, object]]:
    monitor = RecordingMonitor(PlanMocks())
    set_all_config(values, [])
    runtime_settings.ROOT.set(None)
    set_mocks(monitor.mocks, project="fabml", stack="dev", preview=False, monitor=monitor)

    def program() -> None:
        runpy.run_module("infra.__main__", run_name="__main__")

    _sync_await(run_pulumi_func(program))
    root = runtime_settings.get_root_resource()
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
