"""`fabml score-local` throughput beside the floor: one plain `model.predict` over the same rows.

    .venv/bin/python benchmarks/score_local_benchmark.py [--rows 100000] [--files 100]

The sample (data/heart-unlabeled-0.csv) is replicated into FILES CSVs totalling ROWS
rows in a temporary folder. Target: rehearsal rows/s per worker >= 0.8x the floor.
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    parser = argparse.ArgumentParser(description="score-local throughput beside the floor")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=100)
    args = parser.parse_args()

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
