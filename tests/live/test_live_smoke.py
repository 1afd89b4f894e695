"""Live smoke test of a deployed stack (`fabml smoke`), as Fabric's pipeline calls it.

Skipped unless the pulumi CLI, an Azure sign-in and FABML_LIVE_STACK (a deployed stack) exist.
"""

from __future__ import annotations

import os

from fabml.cli.main import main
from tests.live.requirements import live

pytestmark = live("FABML_LIVE_STACK")


def test_the_deployed_endpoint_scores_the_sample() -> None:
    assert main(["smoke", "--stack", os.environ["FABML_LIVE_STACK"], "--timeout", "3600"]) == 0
