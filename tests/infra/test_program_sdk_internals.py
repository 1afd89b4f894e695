"""The SDK details infra/sdk_internals.py lists are still where and what it says.

When one of these fails after a Pulumi upgrade, its message names what moved; nothing else in
the program reaches past the SDK's public API.
"""

from __future__ import annotations

import ast
import contextvars
import importlib
import importlib.metadata
from contextvars import ContextVar

import pulumi.runtime

from infra import sdk_internals
from infra.settings import runtime_config
from tests.conftest import REPO

PULUMI = importlib.metadata.version("pulumi")
FIX = "update infra/sdk_internals.py and runtime_config in infra/settings/loading.py"


def test_the_config_map_is_where_the_list_says() -> None:
    module_name, _, name = sdk_internals.RUNTIME_CONFIG.rpartition(".")
    module = importlib.import_module(module_name)
    assert hasattr(module, name), f"pulumi {PULUMI} moved {sdk_internals.RUNTIME_CONFIG}: {FIX}"
    assert isinstance(getattr(module, name), ContextVar), f"pulumi {PULUMI} changed it: {FIX}"


def test_the_program_reads_what_the_public_setter_wrote() -> None:
    # What the engine's config reaches the program by: set_all_config, then runtime_config.
    # In a copy of the context, so no other test sees this config.
    config = {"fabml:environment": "dev", "azure-native:location": "westeurope"}

    def read() -> dict[str, object]:
        pulumi.runtime.set_all_config(config)
        return runtime_config()

    read_back = contextvars.copy_context().run(read)
    assert config.items() <= read_back.items(), f"pulumi {PULUMI}: {FIX}"


def test_the_program_reads_nothing_else_of_the_runtime_config_module() -> None:
    # Every name infra reads off pulumi.runtime.config is public (exported by pulumi.runtime)
    # or listed.
    public = set(pulumi.runtime.__all__)
    read = set()
    for path in sorted((REPO / "infra").rglob("*.py")):
        tree = ast.parse(path.read_text())
        aliases = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "pulumi.runtime"
            for alias in node.names
            if alias.name == "config"
        }
        read |= {
            f"pulumi.runtime.config.{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr not in public
        }
    assert read == {sdk_internals.RUNTIME_CONFIG}
