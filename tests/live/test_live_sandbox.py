"""Live sandbox round trip: create, destroy with purges, and create the same name again.

Skipped unless the pulumi CLI (logged in to a backend), an Azure sign-in and the Fabric
principal IDs are present. Takes most of an hour and costs a little: run it on purpose.
"""

from __future__ import annotations

import os

from fabml.sandbox.automation import Pulumi
from fabml.sandbox.lifecycle import Sandboxes, parse_ttl
from tests.live.requirements import live

pytestmark = live(
    "AZURE_SUBSCRIPTION_ID",
    "FABML_PRINCIPAL_OBJECT_ID",
    "FABML_PRINCIPAL_CLIENT_ID",
    "FABML_LIVE_SANDBOX",
)


def test_a_sandbox_name_is_reusable_right_after_destroy() -> None:
    sandboxes = Sandboxes(Pulumi(), progress=print)
    name = f"live-{os.getpid()}"
    for _ in range(2):
        sandboxes.create(
            name,
            parse_ttl("1d"),
            owner="live-test",
            principal_object_id=os.environ["FABML_PRINCIPAL_OBJECT_ID"],
            principal_client_id=os.environ["FABML_PRINCIPAL_CLIENT_ID"],
        )
        report = sandboxes.destroy(name)
        assert any("Key Vault" in item for item in report.purged)
        assert report.problems == []
