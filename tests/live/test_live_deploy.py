"""Live check against a real subscription: preview the dev stack with the Automation API.

Skipped unless a subscription, the Pulumi CLI and Fabric principal IDs are available. The
Automation API ignores `stackConfigDir`, so the stack's config is passed explicitly.
"""

from __future__ import annotations

import os

from fabml.plan.stack_file import read_stack_config
from tests.conftest import REPO
from tests.live.requirements import live

pytestmark = live("AZURE_SUBSCRIPTION_ID", "FABML_PRINCIPAL_OBJECT_ID", "FABML_PRINCIPAL_CLIENT_ID")


def test_preview_of_a_throwaway_stack_succeeds() -> None:
    from pulumi import automation as auto

    stack_name = f"sandbox-live-{os.getpid()}"
    stack = auto.create_or_select_stack(stack_name=stack_name, work_dir=str(REPO))
    try:
        config = read_stack_config("sandbox-template").values
        config["fabml:fabric"] = '{"principalObjectId": "%s", "principalClientId": "%s"}' % (
            os.environ["FABML_PRINCIPAL_OBJECT_ID"],
            os.environ["FABML_PRINCIPAL_CLIENT_ID"],
        )
        stack.set_all_config({k: auto.ConfigValue(value=v) for k, v in config.items()}, path=False)
        result = stack.preview()
        assert sum(result.change_summary.values()) > 20
    finally:
        stack.workspace.remove_stack(stack_name)
