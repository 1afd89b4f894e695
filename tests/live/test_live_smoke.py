"""Live smoke test of a deployed stack (`fabml smoke`), as Fabric's pipeline calls it.

Skipped unless the pulumi CLI, an Azure sign-in and FABML_LIVE_STACK (a deployed stack) exist.
"""

from __future__ import annotations

import os
import shutil

import pytest

from infra.cli import main

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("FABML_LIVE_STACK") or shutil.which("pulumi") is None,
        reason="live: needs the pulumi CLI, an Azure sign-in and FABML_LIVE_STACK "
        "(a deployed stack)",
    ),
]


def test_the_deployed_endpoint_scores_the_sample() -> None:
    assert main(["smoke", "--stack", os.environ["FABML_LIVE_STACK"], "--timeout", "3600"]) == 0
