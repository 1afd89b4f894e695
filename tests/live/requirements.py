"""What the live tests need, as pytest marks that skip with the missing pieces named."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest


def live(*variables: str) -> list[Any]:
    missing = [name for name in variables if not os.environ.get(name)]
    if shutil.which("pulumi") is None:
        missing.insert(0, "the pulumi CLI")
    return [
        pytest.mark.live,
        pytest.mark.skipif(
            bool(missing),
            reason="live: needs an Azure sign-in, the pulumi CLI and "
            + ", ".join(variables)
            + (f" (missing: {', '.join(missing)})" if missing else ""),
        ),
    ]
