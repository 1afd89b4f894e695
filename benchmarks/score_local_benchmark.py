"""`fabml score-local` throughput beside the floor, and its peak memory by input size.

    .venv/bin/python benchmarks/score_local_benchmark.py [--rows 100000] [--files 100]
    .venv/bin/python benchmarks/score_local_benchmark.py --memory [--sizes 1,10,100]

Throughput: the sample (data/heart-unlabeled-0.csv) is replicated into FILES CSVs totalling
ROWS rows in a temporary folder. Target: rehearsal rows/s per worker >= 0.8x the floor.

Memory: one CSV of each size (MB) is scored by `fabml score-local` in a fresh process (one
worker, so the peak is that process's); the figure is its peak resident set size. Target:
flat in the input's size (the 100 MB input within 100 MB of the 1 MB one).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "heart-unlabeled-0.csv"
MODEL = ROOT / "model" / "heart-classifier"


def replicate(folder: Path, rows: int, files: int) -> int:
    header, *lines = SAMPLE.read_text().splitlines()
    per_file = rows // files
    body = [lines[i % len(lines)] for i in range(per_file)]
    for n in range(files):
        (folder / f"part-{n:04d}.csv").write_text("\n".join([header, *body]) + "\n")
    return per_file * files


def write_csv(path: Path, megabytes: float) -> int:
    """The sample's rows repeated until the file holds `megabytes` MB; returns the row count."""
    header, *lines = SAMPLE.read_text().splitlines()
    block = "\n".join(lines) + "\n"
    target = int(megabytes * 1_000_000)
    rows = 0
    with path.open("w") as handle:
        handle.write(header + "\n")
        written = len(header) + 1
        while written + len(block) <= target:
            handle.write(block)
            written += len(block)
            rows += len(lines)
    return rows


def peak_rss_mb(argv: list[str]) -> float:
    """Peak resident set size (MB) of a fresh process running `fabml` with `argv`."""
    probe = (
        "import resource, sys\n"
        "from fabml.cli.main import main\n"
        "status = main(sys.argv[1:])\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(peak, file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return int(result.stderr.strip().splitlines()[-1]) / 1024  # Linux reports KiB


def memory(sizes: list[float]) -> int:
    print("peak memory of `fabml score-local FILE --workers 1` by input size")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            source = Path(tmp) / f"in-{size:g}mb.csv"
            rows = write_csv(source, size)
            peak = peak_rss_mb(
                ["score-local", str(source), "--out", f"{tmp}/out", "--workers", "1"]
            )
            print(f"  {size:6g} MB ({rows:>10,} rows): peak RSS {peak:7,.0f} MB")
            source.unlink()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="score-local throughput beside the floor")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--memory", action="store_true", help="peak memory by input size")
    parser.add_argument("--sizes", default="1,10,100", help="input sizes in MB (with --memory)")
    args = parser.parse_args()
    if args.memory:
        return memory([float(size) for size in args.sizes.split(",")])

    import mlflow.pyfunc
    import pandas as pd

    from fabml.scoring.rehearsal import Options, rehearse

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        total = replicate(folder, args.rows, args.files)
        model = mlflow.pyfunc.load_model(str(MODEL))
        start = time.perf_counter()
        frame = pd.concat([pd.read_csv(p) for p in sorted(folder.glob("*.csv"))])
        read = time.perf_counter() - start
        start = time.perf_counter()
        model.predict(frame)
        predict = time.perf_counter() - start
        floor = total / predict
        print(f"{total:,} rows in {args.files} files")
        print(f"  floor: one model.predict over all rows : {floor:12,.0f} rows/s")
        both = total / (read + predict)
        print(f"  reading the files + that predict       : {both:12,.0f} rows/s")
        for workers in (1, 2):
            options = Options(mini_batch_size=10, workers=workers, output_action="AppendRow")
            summary = rehearse(MODEL, folder, Path(tmp) / f"out{workers}", options)
            per_worker = summary.rows_per_second / workers
            print(
                f"  score-local, {workers} worker(s)              : "
                f"{summary.rows_per_second:12,.0f} rows/s ({per_worker / floor:.2f}x floor "
                "per worker; target >= 0.80x)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
