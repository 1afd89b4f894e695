"""The code's shape, from its imports: infra is the program, fabml the tool, policies plain rules.

Every import counts, wherever it sits (module level, inside a function, under TYPE_CHECKING):
a circle drawn through a function-level import is still a circle of knowledge.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("infra", "fabml", "policies")
SDK = ("pulumi", "pulumi_azure_native", "pulumi_policy")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {
    _module_name(path): path
    for package in PACKAGES
    for path in sorted((REPO / package).rglob("*.py"))
    if "__pycache__" not in path.parts
}


def _imported(name: str, path: Path, *, module_level: bool = False) -> Iterator[str]:
    """Every module `name` imports: ours resolved to a module we have, others by their name.

    With `module_level`, only the imports that run when `name` is imported (none inside a def).
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    deferred = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if module_level and id(node) in deferred:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from a import b` imports the module a.b when there is one, else a name of a.
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def _packages_run(importer: str, imported: str) -> set[str]:
    """Importing a.b.c first runs a/__init__.py and a/b/__init__.py, and what they import.

    Not the importer's own packages: they are already running when it is imported.
    """
    parts = imported.split(".")
    prefixes = {".".join(parts[:i]) for i in range(1, len(parts))}
    return {p for p in prefixes if p in MODULES and not f"{importer}.".startswith(f"{p}.")}


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        edges = set(_imported(name, path))
        for imported in _imported(name, path, module_level=True):
            edges |= _packages_run(name, imported)
        graph[name] = {m for m in edges if m in MODULES and m != name}
    return graph


def _all_imports(name: str) -> set[str]:
    return set(_imported(name, MODULES[name]))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_every_kind_of_import() -> None:
    # Module level, relative-free `from`, function level, TYPE_CHECKING: if the walk missed one
    # of these, the tests below could pass on a tree that breaks the rules.
    graph = _graph()
    assert "infra.stack" in graph["infra.__main__"]  # module level
    assert "fabml.plan.runner" in graph["fabml.cli.plan"]  # inside a function
    assert "fabml.sandbox.teardown" in graph["fabml.cli._teardown"]  # under TYPE_CHECKING
    assert "infra.catalog" in graph["policies.model"]
    # The package a module-level import runs first; not one the importer already sits in.
    assert "policies" in graph["fabml.plan.policy_check"]
    assert "policies.rules" not in graph["policies.rules.wiring"]


def test_no_import_cycles_inside_or_between_the_packages() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", [m for m in MODULES if m.split(".")[0] == "infra"])
def test_infra_never_imports_fabml(name: str) -> None:
    assert not {m for m in _all_imports(name) if m.split(".")[0] == "fabml"}


POLICY_LEAVES = {
    "infra.catalog",
    "infra.placeholder",
    "infra.invoke_actions",
    "infra.limits",
    "infra.builtin_roles",
}


def _leaf_without_pulumi(name: str) -> bool:
    imports = _all_imports(name)
    return not any(m.split(".")[0] in SDK for m in imports) and not any(
        m in MODULES for m in imports
    )


@pytest.mark.parametrize("name", [m for m in MODULES if m.split(".")[0] == "policies"])
def test_policies_import_nothing_of_fabml_and_of_infra_only_leaf_data(name: str) -> None:
    imports = _all_imports(name)
    assert not {m for m in imports if m.split(".")[0] == "fabml"}
    of_infra = {m for m in imports if m.split(".")[0] == "infra"}
    # `infra` alone is the package, for `from infra import catalog`. Besides the catalog, two
    # leaves of plain data: how a placeholder looks, and Microsoft's invoke-action list.
    assert of_infra <= {"infra", *POLICY_LEAVES}, of_infra
    for leaf in of_infra - {"infra"}:
        assert _leaf_without_pulumi(leaf), f"{leaf} must stay plain data: no Pulumi, no project"


@pytest.mark.parametrize("leaf", sorted(POLICY_LEAVES))
def test_what_policies_read_of_infra_is_plain_data(leaf: str) -> None:
    assert _leaf_without_pulumi(leaf)
