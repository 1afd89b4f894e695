"""Live run of the deployed Dataflow Gen2 route: the Dataflow refreshes and scores.

Fabric does not let a service principal run a Dataflow job (dataflow/ spec), so this runs only
as a user: `az login` as one, then set FABML_LIVE_AS_USER=1, FABML_LIVE_FABRIC_WORKSPACE and
FABML_LIVE_DATAFLOW_ID (the `fabricDataflowId` output). Skipped with that reason otherwise.
"""

from __future__ import annotations

import os
import time

import pytest

from infra.clients.fabric import FabricClient, FabricError

NEEDED = ("FABML_LIVE_AS_USER", "FABML_LIVE_FABRIC_WORKSPACE", "FABML_LIVE_DATAFLOW_ID")
MISSING = [name for name in NEEDED if not os.environ.get(name)]

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        bool(MISSING),
        reason="live, user only: Fabric does not let a service principal run a Dataflow; "
        f"sign in as a user and set {', '.join(NEEDED)} (missing: {', '.join(MISSING)})",
    ),
]


def test_the_dataflow_refreshes_as_a_user() -> None:
    fabric = FabricClient()
    workspace = os.environ["FABML_LIVE_FABRIC_WORKSPACE"]
    dataflow = os.environ["FABML_LIVE_DATAFLOW_ID"]
    started = fabric.call(
        "POST", f"/workspaces/{workspace}/dataflows/{dataflow}/jobs/execute/instances", follow=False
    )
    location = started.headers["location"]
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        fabric.wait(float(started.headers.get("retry-after", 30)))
        job = fabric.call("GET", location).body or {}
        if job.get("status") in ("Completed", "Failed", "Cancelled", "Deduped"):
            assert job["status"] == "Completed", job.get("failureReason")
            return
    raise FabricError(f"Dataflow {dataflow}: refresh not done within an hour")
