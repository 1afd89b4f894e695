"""Offline plan: wall time and peak memory, beside the floor of importing what it uses.

    .venv/bin/python benchmarks/plan_benchmark.py [--runs 5] [--stack dev]

The floor is a bare Python process importing `pulumi` and the azure-native modules the program
uses: no plan can start faster. azure-native loads its modules lazily, so "the modules the
program uses" means the resource classes of every type the plan registers, read from the plan.
Targets: plan <= 1.5x the floor, peak memory <= 200 MB. Wall time is what a user waits; CPU
time (user + system) is printed beside it because it holds steady on a machine busy with other
work, where wall time swings by a factor of two.
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
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


QUIET_GC = "import atexit, gc\ngc.disable()\natexit.register(gc.freeze)\n"


def floor_program(stack: str) -> str:
    """Python that imports pulumi and the azure-native classes the stack's plan registers."""
    from fabml.plan.runner import plan_stack

    lines = ["import pulumi", "import pulumi.dynamic"]
    for type_ in sorted({r.type for r in plan_stack(stack).resources}):
        package, module, name = type_.split(":")
        if package == "azure-native":
            lines.append(f"from pulumi_azure_native.{module} import {name}")
    return "\n".join(lines)


def measure(command: list[str]) -> tuple[float, float, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]) / 1024  # ru_maxrss is in KiB on Linux


def series(command: list[str], runs: int) -> tuple[float, float, float]:
    """Median wall time, median CPU time, peak memory of any run."""
    measure(command)  # warm the file cache and bytecode
    results = [measure(command) for _ in range(runs)]
    return (
        statistics.median(w for w, _, _ in results),
        statistics.median(c for _, c, _ in results),
        max(m for _, _, m in results),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="Offline plan: wall time and peak memory.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stack", default="dev")
    args = parser.parse_args()

    started = time.perf_counter()
    floor = series([sys.executable, "-c", floor_program(args.stack)], args.runs)
    # The same imports with the collector as `fabml plan` runs it (off, nothing left at exit):
    # what is left between this and the plan is the program's own run.
    quiet_floor = series([sys.executable, "-c", QUIET_GC + floor_program(args.stack)], args.runs)
    plan = series(
        [sys.executable, "-m", "fabml.cli.main", "plan", "--stack", args.stack], args.runs
    )
    wall_ratio, cpu_ratio = plan[0] / floor[0], plan[1] / floor[1]
    print(f"offline plan of '{args.stack}', median of {args.runs} runs, peak memory of any run")
    rows = [
        ("floor: import pulumi + azure-native classes", floor),
        ("the floor, garbage collection as the plan runs it", quiet_floor),
        (f"fabml plan --stack {args.stack}", plan),
    ]
    for label, (wall, cpu, memory) in rows:
        print(f"  {label:<50}: {wall:6.2f} s wall  {cpu:6.2f} s CPU  {memory:6.1f} MB")
    print(
        f"  plan / floor: {wall_ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (target <= 1.50x); "
        "peak memory target <= 200 MB"
    )
    print(
        f"  plan / floor with the plan's garbage collection: {plan[0] / quiet_floor[0]:.2f}x "
        f"wall, {plan[1] / quiet_floor[1]:.2f}x CPU"
    )
    verdict = max(wall_ratio, cpu_ratio) <= 1.5 and plan[2] <= 200
    elapsed = time.perf_counter() - started
    print(f"  {'meets' if verdict else 'MISSES'} the targets ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
