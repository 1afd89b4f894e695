"""Install time of the README's two commands: uv with uv.lock against pip install -e.

    python3 benchmarks/install_benchmark.py

Works on a fresh clone of HEAD in a temporary directory, so this checkout's .venv is never
touched. For each command and installer, one run of each case:

- cold: no .venv, empty download caches and, for uv, no uv installed yet (bin/bootstrap installs
  it with pip, as on a fresh machine);
- warm: no .venv, the caches (and uv) the cold run left;
- no-op: everything in place, the same command again.

Command 1 is `bin/fabml plan --stack dev`, end to end. Against it, the pip way of the previous
bin/bootstrap: `python -m venv .venv`, `pip install --upgrade pip`, `pip install -e .`, then the
plan. Command 2 is bin/test's install: `bin/bootstrap dev` against `pip install -e .[dev]`
(tools/node is installed once beforehand, untimed: npm ci is the same either way). pip's no-op
is `pip install -e .` again; the previous bootstrap skipped pip altogether while pyproject.toml
was unchanged, so its no-op was the plan alone (printed too). Each figure is wall time, with the
CPU time of everything it ran beside it (downloads and a busy machine stretch the first, not the
second). Goal: cold command 1 with uv at most half of pip's wall time.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
PLAN = ["plan", "--stack", "dev"]
CASES = ("cold", "warm", "no-op")
TIMEOUT_S = 1800  # a cold install downloads a few hundred MB; a stuck download must not hang


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    try:
        result = subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        sys.exit(f"install_benchmark: {' '.join(argv)} took over {TIMEOUT_S} s")
    if result.returncode != 0:
        sys.exit(f"install_benchmark: {' '.join(argv)} failed:\n{result.stderr[-3000:]}")


class Figure(NamedTuple):
    wall: float
    cpu: float  # user + system of every process it ran: what a busy machine cannot inflate

    def __str__(self) -> str:
        return f"{self.wall:.1f} s ({self.cpu:.1f} s CPU)"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(steps: Callable[[], None]) -> Figure:
    start, cpu = time.perf_counter(), _cpu()
    steps()
    return Figure(time.perf_counter() - start, _cpu() - cpu)


class Clone:
    """A fresh clone of HEAD with its own caches, so cold really is cold."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "fabml"
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        _run(
            ["git", "clone", "--quiet", "--no-checkout", str(REPO), str(self.dir)],
            root,
            {**os.environ},
        )
        _run(["git", "checkout", "--quiet", "--detach", head], self.dir, {**os.environ})
        self.head = head
        self.generation = 0

    def fresh_caches(self) -> None:
        self.generation += 1

    def env(self) -> dict[str, str]:
        caches = self.root / f"caches-{self.generation}"
        env = {
            **os.environ,
            "PYTHON": sys.executable,
            "UV_CACHE_DIR": str(caches / "uv"),
            "PIP_CACHE_DIR": str(caches / "pip"),
            # bin/bootstrap installs uv under $XDG_DATA_HOME/fabml when none is on PATH.
            "XDG_DATA_HOME": str(caches / "data"),
            # pip as on a fresh machine: PyPI, no site configuration.
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        # Nor bytecode switched off: the first plan after uv's install compiles what it imports
        # (pip compiles everything at install), and later runs reuse it, as on a user's machine.
        for name in (
            "PIP_FIND_LINKS",
            "PIP_INDEX_URL",
            "PIP_EXTRA_INDEX_URL",
            "UV_PROJECT_ENVIRONMENT",
            "PYTHONDONTWRITEBYTECODE",
        ):
            env.pop(name, None)
        return env

    def drop_venv(self) -> None:
        shutil.rmtree(self.dir / ".venv", ignore_errors=True)

    def run(self, *argv: str) -> None:
        _run(list(argv), self.dir, self.env())


def _uv(clone: Clone, extra: str | None) -> Callable[[], None]:
    if extra is None:
        return lambda: clone.run("bin/fabml", *PLAN)
    return lambda: clone.run("bin/bootstrap", extra)


def _pip(clone: Clone, extra: str | None, *, rerun: bool) -> Callable[[], None]:
    python = str(clone.dir / ".venv" / "bin" / "python")
    target = "." if extra is None else f".[{extra}]"

    def steps() -> None:
        if not rerun:
            clone.run(sys.executable, "-m", "venv", ".venv")
            clone.run(python, "-m", "pip", "install", "--upgrade", "pip")
        clone.run(python, "-m", "pip", "install", "-e", target)
        if extra is None:
            clone.run(str(clone.dir / ".venv" / "bin" / "fabml"), *PLAN)

    return steps


def measure(clone: Clone, installer: str, extra: str | None) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    for case in CASES:
        if case == "cold":
            clone.fresh_caches()
        if case != "no-op":
            clone.drop_venv()
        if installer == "uv":
            steps = _uv(clone, extra)
        else:
            steps = _pip(clone, extra, rerun=case == "no-op")
        figures[case] = _timed(steps)
        print(f"  {installer:3} {case:6} {figures[case]}", flush=True)
    return figures


def main() -> None:
    on_path = shutil.which("uv")
    with tempfile.TemporaryDirectory(prefix="fabml-install-bench-") as tmp:
        clone = Clone(Path(tmp))
        print(f"fresh clone of {clone.head[:12]} in {clone.dir}; Python {sys.version.split()[0]}")
        if on_path:
            print(f"uv on PATH ({on_path}) is used: cold uv figures exclude installing uv")
        # tools/node once, untimed (same npm ci for both installers), with this machine's caches.
        _run(["bin/bootstrap", "dev"], clone.dir, {**os.environ, "PYTHON": sys.executable})

        print("command 1: bin/fabml plan --stack dev (install + plan)")
        cmd1 = {name: measure(clone, name, None) for name in ("uv", "pip")}
        plan_only = _timed(lambda: clone.run(str(clone.dir / ".venv" / "bin" / "fabml"), *PLAN))
        print(f"  plan alone (.venv in place) {plan_only}")
        print("command 2: bin/test's install (dev extra)")
        cmd2 = {name: measure(clone, name, "dev") for name in ("uv", "pip")}

    print()
    print("| | cold | warm caches | no-op rerun |")
    print("|---|---|---|---|")
    for label, figures in (
        ("`bin/fabml plan --stack dev`, uv", cmd1["uv"]),
        ("`bin/fabml plan --stack dev`, pip", cmd1["pip"]),
        ("`bin/test`'s install, uv", cmd2["uv"]),
        ("`bin/test`'s install, pip", cmd2["pip"]),
    ):
        print(f"| {label} | " + " | ".join(str(figures[c]) for c in CASES) + " |")
    ratio = cmd1["uv"]["cold"].wall / cmd1["pip"]["cold"].wall
    verdict = "met" if ratio <= 0.5 else "not met"
    cpu_ratio = cmd1["uv"]["cold"].cpu / cmd1["pip"]["cold"].cpu
    print(f"\ncold command 1, uv / pip: {ratio:.2f} wall (goal at most 0.50: {verdict})", end="")
    print(f", {cpu_ratio:.2f} CPU")
    print(f"plan alone: {plan_only} (the previous bootstrap's no-op rerun)")


if __name__ == "__main__":
    main()
