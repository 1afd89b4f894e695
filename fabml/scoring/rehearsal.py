"""A local rehearsal of the MLflow batch deployment: same files, mini-batches and rules.

Semantics copied from Azure ML batch deployments: the input folder's files are split into
mini-batches of `mini_batch_size` files; `workers` processes score mini-batches in parallel
(max concurrency per instance, on one instance); a mini-batch that raises is retried up to
`max_retries` times, then all its files count as failed; the job fails once more files failed
than `error_threshold` (-1 tolerates any number). With output action AppendRow every
prediction is appended to `output_file_name` as `row,prediction,file` (no header), the layout
Azure ML's MLflow scoring writes. A file that does not match the model's signature fails its
mini-batch at once: a retry could not change the outcome.
"""

from __future__ import annotations

import csv
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fabml.scoring.signature import Column, Problem, check_frame, read_signature
from infra.errors import UserError

_DTYPES = {
    "long": "int64",
    "integer": "int32",
    "double": "float64",
    "float": "float32",
    "string": "object",
    "boolean": "bool",
}


class InputError(UserError):
    """The input path holds no CSV files to score."""


class MissingExtra(UserError):
    """The scoring libraries are not installed."""


@dataclass(frozen=True)
class Options:
    mini_batch_size: int = 2
    workers: int = 2
    error_threshold: int = -1
    max_retries: int = 3
    output_action: str = "AppendRow"
    output_file_name: str = "predictions.csv"


@dataclass
class Summary:
    files: int = 0
    files_failed: int = 0
    rows_scored: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    output: str | None = None
    failed: bool = False

    @property
    def rows_per_second(self) -> float:
        return self.rows_scored / self.seconds if self.seconds else 0.0


@dataclass
class _BatchResult:
    rows: list[tuple[int, Any, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    files: int = 0


class _Invalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def input_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    files = sorted(p for p in path.rglob("*.csv") if p.is_file())
    if not files:
        raise InputError(f"{path}: no .csv files in this folder")
    return files


# The model lives in a module global so forked workers inherit it instead of reloading it.
_MODEL: Any = None
_COLUMNS: list[Column] = []


def load_model(model_dir: Path) -> None:
    global _MODEL, _COLUMNS  # noqa: PLW0603 - per process, inherited by forked workers
    try:
        import mlflow.pyfunc
    except ImportError:
        raise MissingExtra(
            "scoring needs mlflow, scikit-learn and pandas: run `bin/bootstrap dev`"
        ) from None
    _COLUMNS = read_signature(model_dir)
    _MODEL = mlflow.pyfunc.load_model(str(model_dir))


def _read_file(path: Path) -> Any:
    """One input file as the model's typed frame, or _Invalid naming line and column.

    The typed read is pandas' C parser; only a file it rejects is read again as text to find
    the line and column at fault, so valid data pays nothing for the detailed messages.
    """
    import pandas as pd

    dtypes: dict[Any, Any] = {c.name: _DTYPES.get(c.type, "object") for c in _COLUMNS}
    try:
        frame = pd.read_csv(path, dtype=dtypes, usecols=list(dtypes))
        if not frame.isna().to_numpy().any():
            return frame[list(dtypes)]
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        pass
    try:
        text = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise _Invalid([Problem(path.name, None, None, f"not a readable CSV: {exc}")]) from None
    problems = check_frame(path.name, text, _COLUMNS)
    raise _Invalid(problems or [Problem(path.name, None, None, "values do not fit the model")])


def _score_files(files: list[Path]) -> list[tuple[int, Any, str]]:
    import pandas as pd

    frames = [_read_file(path) for path in files]
    # One predict per mini-batch, as the deployment's scoring does: far cheaper than per file.
    predictions = _MODEL.predict(pd.concat(frames, ignore_index=True))
    values = predictions.tolist() if hasattr(predictions, "tolist") else list(predictions)
    rows: list[tuple[int, Any, str]] = []
    offset = 0
    for path, frame in zip(files, frames, strict=True):
        rows += [(i, values[offset + i], path.name) for i in range(len(frame))]
        offset += len(frame)
    return rows


def _score_batch(files: list[Path], max_retries: int) -> _BatchResult:
    result = _BatchResult(files=len(files))
    for attempt in range(max_retries + 1):
        try:
            result.rows = _score_files(files)
            result.error = None
            return result
        except _Invalid as invalid:
            result.problems = invalid.problems
            result.error = str(invalid)
            return result
        except Exception as exc:
            result.error = f"attempt {attempt + 1}: {type(exc).__name__}: {exc}"
    return result


def _batches(files: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(files), size):
        yield files[start : start + size]


def rehearse(
    model_dir: Path,
    input_path: Path,
    out_dir: Path,
    options: Options,
    progress: Callable[[int, int, int], None] = lambda done, total, rows: None,
) -> Summary:
    files = input_files(input_path)
    load_model(model_dir)
    started = time.perf_counter()
    summary = Summary(files=len(files))
    batches = list(_batches(files, options.mini_batch_size))
    results: list[_BatchResult] = []
    if options.workers <= 1 or len(batches) == 1:
        for batch in batches:
            results.append(_score_batch(batch, options.max_retries))
            progress(sum(r.files for r in results), len(files), sum(len(r.rows) for r in results))
    else:
        context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
        with ProcessPoolExecutor(max_workers=options.workers, mp_context=context) as pool:
            futures = [pool.submit(_score_batch, b, options.max_retries) for b in batches]
            for future in futures:  # in submission order: the output order stays stable
                results.append(future.result())
                progress(
                    sum(r.files for r in results), len(files), sum(len(r.rows) for r in results)
                )
    rows: list[tuple[int, Any, str]] = []
    for result in results:
        if result.error is None:
            rows.extend(result.rows)
        else:
            summary.files_failed += result.files
            summary.failures.append(result.error)
    summary.rows_scored = len(rows)
    summary.seconds = time.perf_counter() - started
    threshold = options.error_threshold
    summary.failed = threshold != -1 and summary.files_failed > threshold
    if options.output_action == "AppendRow":
        out_dir.mkdir(parents=True, exist_ok=True)
        output = out_dir / options.output_file_name
        with output.open("w", newline="") as handle:
            csv.writer(handle).writerows(rows)
        summary.output = str(output)
    return summary
