"""The install: uv.lock matches pyproject.toml; bin/bootstrap refuses what it cannot use."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from tests.conftest import REPO

# name, extras, version range, marker: a requirement as both files can spell it.
Key = tuple[str, frozenset[str], SpecifierSet, str]


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads((REPO / name).read_text())


def _declared() -> set[Key]:
    project = _toml("pyproject.toml")["project"]
    keys = {_key(r, None) for r in project["dependencies"]}
    for extra, requirements in project["optional-dependencies"].items():
        keys |= {_key(r, f"extra == '{extra}'") for r in requirements}
    return keys


def _key(text: str, marker: str | None) -> Key:
    requirement = Requirement(text)
    return (
        canonicalize_name(requirement.name),
        frozenset(requirement.extras),
        requirement.specifier,
        str(Marker(marker)) if marker else "",
    )


def _locked(entry: dict[str, Any]) -> Key:
    extras = ",".join(entry.get("extras", ()))
    return _key(f"{entry['name']}[{extras}]{entry.get('specifier', '')}", entry.get("marker"))


def test_the_lock_was_made_from_pyproject_as_it_is() -> None:
    # bin/bootstrap syncs with --frozen, which trusts uv.lock: an edit to pyproject.toml without
    # `uv lock` would quietly install the old set, so it fails here instead.
    lock = _toml("uv.lock")
    (fabml,) = (p for p in lock["package"] if p["name"] == "fabml")
    metadata = fabml["metadata"]
    assert {_locked(r) for r in metadata["requires-dist"]} == _declared(), (
        "uv.lock is stale: run `uv lock` and commit it"
    )
    project = _toml("pyproject.toml")["project"]
    assert lock["requires-python"] == project["requires-python"]
    assert set(metadata["provides-extras"]) == set(project["optional-dependencies"])


def test_the_lock_pins_the_pulumi_sdks_inside_their_declared_minor() -> None:
    # The offline plan's mock engine leans on SDK internals: pyproject allows one minor each.
    versions = {p["name"]: p["version"] for p in _toml("uv.lock")["package"]}
    for text in _toml("pyproject.toml")["project"]["dependencies"]:
        requirement = Requirement(text)
        if requirement.name.startswith("pulumi"):
            bounds = {s.operator: s.version for s in requirement.specifier}
            assert set(bounds) == {">=", "<"}, text
            major, minor = bounds[">="].split(".")[:2]
            assert bounds["<"] == f"{major}.{int(minor) + 1}", text
            assert versions[requirement.name] in requirement.specifier, text


def test_bootstrap_refuses_a_python_older_than_3_11_in_one_line(tmp_path: Path) -> None:
    old = tmp_path / "python3"
    old.write_text(
        '#!/bin/sh\ncase "$1" in --version) echo "Python 3.10.12" ;; *) echo "" ;; esac\n'
    )
    old.chmod(0o755)
    result = subprocess.run(
        [str(REPO / "bin" / "bootstrap")],
        env={**os.environ, "PYTHON": str(old)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "bootstrap: needs Python 3.11 or newer on PATH or in PYTHON=/path/to/python3"
        f" ({old} is Python 3.10.12)"
    ]
