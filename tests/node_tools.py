"""The npm-installed checkers in tools/node (bin/bootstrap dev installs them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

NODE_MODULES = Path(__file__).resolve().parents[1] / "tools" / "node" / "node_modules"


def node_module(name: str) -> Path:
    """The installed package's folder, or a skip that says how to get it."""
    folder = NODE_MODULES / name
    if shutil.which("node") is None or not folder.is_dir():
        pytest.skip(f"needs node and tools/node/node_modules/{name}: run bin/bootstrap dev")
    return folder
