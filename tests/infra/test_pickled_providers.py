"""Deployed stacks keep working: Pulumi stores each dynamic provider pickled (by module path)
in state, and every later `up`, `refresh` or `destroy` unpickles it from there."""

from __future__ import annotations

import base64
import json

import dill
import pytest
from pulumi.dynamic import ResourceProvider

from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "pickled_providers.json"
PICKLED = json.loads(FIXTURE.read_text())["providers"]


@pytest.mark.parametrize("path", sorted(PICKLED))
def test_a_provider_pickled_before_the_move_still_loads(path: str) -> None:
    provider = dill.loads(base64.b64decode(PICKLED[path]))
    assert isinstance(provider, ResourceProvider)
    assert f"{type(provider).__module__}.{type(provider).__qualname__}" == path
    for method in ("create", "update", "delete", "diff"):
        assert callable(getattr(provider, method, None)), (path, method)
