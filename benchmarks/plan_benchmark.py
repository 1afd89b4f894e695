"""Offline plan: wall time and peak memory, beside the floor of importing what it uses.

    .venv/bin/python benchmarks/plan_benchmark.py [--runs 5] [--stack dev]

The floor is a bare Python process importing `pulumi` and the azure-native modules the program
uses: no plan can start faster. azure-native loads its modules lazily, so "the modules the
program uses" means the resource classes of every type the plan registers, read from the plan.
Targets: plan <= 1.5x the floor, peak memory <= 200 MB.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs the command as a grandchild so RUSAGE_CHILDREN reports that command's peak alone.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def floor_program(stack: str) -> str:
    """Python that imports pulumi and the azure-native classes the stack's plan registers."""
    from fabml.plan.runner import plan_stack

    lines = ["import pulumi", "import pulumi.dynamic"]
    for type_ in sorted({r.type for r in plan_stack(stack).resources}):
        package, module, name = type_.split(":")
        if package == "azure-native":
            lines.append(f"from pulumi_azure_native.{module} import {name}")
    return "\n".join(lines)


def measure(command: list[str]) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.split()
    return float(out[0]), float(out[1]) / 1024  # ru_maxrss is in KiB on Linux


def series(command: list[str], runs: int) -> tuple[float, float]:
    measure(command)  # warm the file cache and bytecode
    results = [measure(command) for _ in range(runs)]
    return statistics.median(w for w, _ in results), max(m for _, m in results)


def main() -> int:
    parser = argparse.ArgumentParser(description="Offline plan: wall time and peak memory.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stack", default="dev")
    args = parser.parse_args()

    started = time.perf_counter()
    floor_wall, floor_mem = series([sys.executable, "-c", floor_program(args.stack)], args.runs)
    plan_wall, plan_mem = series(
        [sys.executable, "-m", "fabml.cli.main", "plan", "--stack", args.stack], args.runs
    )
    ratio = plan_wall / floor_wall
    print(f"offline plan of '{args.stack}', median of {args.runs} runs, peak memory of any run")
    rows = [
        ("floor: import pulumi + azure-native classes", floor_wall, floor_mem),
        (f"fabml plan --stack {args.stack}", plan_wall, plan_mem),
    ]
    for label, wall, memory in rows:
        print(f"  {label:<45}: {wall:6.2f} s  {memory:6.1f} MB")
    print(f"  plan / floor: {ratio:.2f}x (target <= 1.50x); peak memory target <= 200 MB")
    verdict = ratio <= 1.5 and plan_mem <= 200
    elapsed = time.perf_counter() - started
    print(f"  {'meets' if verdict else 'MISSES'} the targets ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
