"""The SDK details fabml/plan/sdk_internals.py lists are still where and what it says.

When one of these fails after a Pulumi upgrade, its message names what moved; nothing else in
the offline plan reaches past the SDK's public API.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor

from fabml.plan import sdk_internals
from fabml.plan.mocks import SECRET_MASK, PlanMocks, RecordingMonitor
from fabml.plan.runner import run_under_mocks
from tests.conftest import REPO

PULUMI = importlib.metadata.version("pulumi")
FIX = "update fabml/plan/sdk_internals.py and the recorder in fabml/plan/mocks.py"


@pytest.mark.parametrize(("dotted", "value"), sorted(sdk_internals.SDK_NAMES.items()))
def test_wire_markers_are_the_sdks(dotted: str, value: str) -> None:
    module_name, _, name = dotted.rpartition(".")
    module = importlib.import_module(module_name)
    assert hasattr(module, name), f"pulumi {PULUMI} moved or renamed {dotted}: {FIX}"
    assert getattr(module, name) == value, (
        f"pulumi {PULUMI} changed {dotted} from {value!r} to "
        f"{getattr(module, name)!r}: the wire format changed; {FIX}"
    )


@pytest.mark.parametrize(("method", "parameters"), sorted(sdk_internals.MONITOR_OVERRIDES.items()))
def test_mock_monitor_still_has_what_the_recorder_overrides(
    method: str, parameters: tuple[str, ...]
) -> None:
    assert hasattr(MockMonitor, method), f"MockMonitor.{method} is gone: {FIX}"
    found = tuple(inspect.signature(getattr(MockMonitor, method)).parameters)
    assert found == parameters, f"MockMonitor.{method} now takes {found}: {FIX}"


def test_the_recorder_overrides_only_what_is_listed() -> None:
    overridden = {
        name
        for name in vars(RecordingMonitor)
        if hasattr(MockMonitor, name) and not name.startswith("__")
    }
    assert overridden == set(sdk_internals.MONITOR_OVERRIDES)


def test_mock_monitor_keeps_the_mocks_it_was_given() -> None:
    mocks = PlanMocks()
    assert RecordingMonitor(mocks).mocks is mocks, f"MockMonitor no longer keeps .mocks: {FIX}"


class _Thing(pulumi.CustomResource):
    def __init__(self, name: str, props: dict[str, object]) -> None:
        super().__init__("test:index:Thing", name, props)


def test_the_recorder_reads_secrets_assets_and_numbers_off_the_sdks_wire() -> None:
    # What the markers are for: the SDK's own serializer writes them, the recorder reads them.
    asset = REPO / "model" / "heart-classifier" / "MLmodel"
    monitor = RecordingMonitor(PlanMocks())

    async def program() -> None:
        _Thing(
            "thing",
            {
                "nested": {"key": pulumi.Output.secret("s3cr3t"), "beside": "kept"},
                "file": pulumi.FileAsset(str(asset)),
                "count": 3,
            },
        )

    run_under_mocks(monitor, "dev", {}, [], program)
    [registration] = monitor.registrations
    assert registration.inputs["nested"] == {"key": SECRET_MASK, "beside": "kept"}
    assert registration.secret_paths == ["nested.key"]
    assert registration.inputs["file"]["file"] == Path(asset).relative_to(REPO).as_posix()
    assert registration.inputs["count"] == 3
    assert "s3cr3t" not in repr(registration)
