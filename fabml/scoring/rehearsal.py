"""A local rehearsal of the MLflow batch deployment: same files, mini-batches and rules.

Semantics copied from Azure ML batch deployments: the input folder's files are split into
mini-batches of `mini_batch_size` files; `workers` processes score mini-batches in parallel
(max concurrency per instance, on one instance); a mini-batch that raises is retried up to
`max_retries` times, then all its files count as failed; the job fails once more files failed
than `error_threshold` (-1 tolerates any number). With output action AppendRow every
prediction is appended to `output_file_name` as `row,prediction,file` (no header), the layout
Azure ML's MLflow scoring writes. A file that does not match the model's signature fails its
mini-batch at once: a retry could not change the outcome.

Memory stays flat in the input's size: files are read `chunk_rows` rows at a time, each worker
writes its mini-batch's predictions to a part file, and the parent appends the parts in input
order to a temporary file beside the output, renamed over it only once the job succeeded. An
interrupted or failed run leaves any earlier output as it was and no half-written file.
"""

from __future__ import annotations

import csv
import functools
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from fabml.scoring.signature import (
    Column,
    ModelFolderError,
    Problem,
    check_frame,
    check_header,
    read_signature,
)
from infra.errors import UserError

# A long column must be read as integers; a double one may be (MLflow widens int to double).
_KINDS = {"long": "i", "integer": "i", "double": "if", "float": "if"}
_DTYPES = {
    "long": "int64",
    "integer": "int32",
    "double": "float64",
    "float": "float32",
    "string": "object",
    "boolean": "bool",
}


class InputError(UserError):
    """The input path holds no CSV files to score, or the output would land in it."""


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
    chunk_rows: int = 50_000  # rows read, predicted and written at a time


@dataclass
class Summary:
    files: int = 0
    files_failed: int = 0
    rows_scored: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    failed_files: list[str] = field(default_factory=list)
    output: str | None = None
    failed: bool = False
    verdict: str | None = None  # why the job failed, in one line

    @property
    def rows_per_second(self) -> float:
        return self.rows_scored / self.seconds if self.seconds else 0.0


@dataclass
class _BatchResult:
    names: list[str]
    rows: int = 0
    error: str | None = None


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


def check_output(input_path: Path, out_dir: Path, file_name: str) -> None:
    """Refuse an output that would be read back as input or would overwrite an input file."""
    source, target = input_path.resolve(), out_dir.resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir}: exists and is not a folder")
    if source.is_dir() and (target == source or source in target.parents):
        raise InputError(
            f"--out {out_dir}: inside the input folder {input_path}, so its predictions would "
            "be scored as input next time; choose a folder outside it"
        )
    if target / file_name == source:
        raise InputError(f"--out {out_dir}: {file_name} there is the input file itself")


# The model lives in a module global so forked workers inherit it instead of reloading it.
_MODEL: Any = None
_COLUMNS: list[Column] = []
_NUMERIC_KINDS: dict[str, str] = {}  # numeric column -> numpy kinds it may be read as


def load_model(model_dir: Path) -> None:
    global _MODEL, _COLUMNS  # noqa: PLW0603 - per process, inherited by forked workers
    try:
        import mlflow.pyfunc
    except ImportError:
        raise MissingExtra(
            "scoring needs mlflow, scikit-learn and pandas (the model extra): run "
            "`bin/bootstrap model`"
        ) from None
    _COLUMNS = read_signature(model_dir)
    _NUMERIC_KINDS.clear()
    _NUMERIC_KINDS.update({c.name: _KINDS[c.type] for c in _COLUMNS if c.type in _KINDS})
    try:
        _MODEL = mlflow.pyfunc.load_model(str(model_dir))
    except Exception as exc:  # a broken pickle, a flavor not installed: the folder is at fault
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFolderError(f"{model_dir}: the MLflow model does not load: {first}") from None


def _read_header(path: Path, name: str) -> None:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _Invalid([Problem(name, None, None, f"not a readable CSV: {exc}")]) from None
    if not header:
        raise _Invalid([Problem(name, None, None, "not a readable CSV: no header line")])
    problems = check_header(name, header)
    problems += [
        Problem(name, 1, c.name, "missing column") for c in _COLUMNS if c.name not in header
    ]
    if problems:
        raise _Invalid(problems)


def _read_chunks(path: Path, name: str, chunk_rows: int) -> Iterator[Any]:
    """One input file as typed frames of `chunk_rows` rows, or _Invalid naming line and column.

    Numeric columns are read as pandas infers them, as the deployment reads a CSV, then held
    to MLflow's rule: a long column must hold whole numbers written as such (pandas' typed
    read would take 1.0, 1e3 and even inf as a long), a double column finite numbers. Only a
    chunk that fails is read again as text to find the line and column at fault, so valid
    data pays nothing for the detailed messages.
    """
    import pandas as pd

    _read_header(path, name)
    dtypes: dict[Any, Any] = {c.name: _DTYPES.get(c.type, "object") for c in _COLUMNS}
    given = {n: t for n, t in dtypes.items() if n not in _NUMERIC_KINDS}
    try:
        # Only an empty field is missing: "NA" or "null" in a string column is a value.
        with pd.read_csv(
            path,
            dtype=given,
            usecols=list(dtypes),
            chunksize=chunk_rows,
            keep_default_na=False,
            na_values=[""],
        ) as reader:
            for chunk in reader:
                if not _fits(chunk):
                    break
                # Cast only what differs (ints in a double column): astype costs even a no-op.
                cast = {n: t for n, t in dtypes.items() if chunk[n].dtype != t}
                yield chunk[list(dtypes)].astype(cast) if cast else chunk[list(dtypes)]
            else:
                return
    except (ValueError, OverflowError, pd.errors.ParserError, pd.errors.EmptyDataError):
        pass  # UnicodeDecodeError is a ValueError
    raise _Invalid(_locate(path, name, chunk_rows))


def _fits(chunk: Any) -> bool:
    """Every value present, longs read as 64-bit integers, doubles as finite numbers."""
    import numpy as np

    if chunk.isna().to_numpy().any():
        return False
    for column in _COLUMNS:
        kinds = _NUMERIC_KINDS.get(column.name)
        if kinds is None:
            continue
        values = chunk[column.name]
        if values.dtype.kind not in kinds or values.dtype.itemsize != 8:  # uint64: too big
            return False
        if values.dtype.kind == "f" and not np.isfinite(values.to_numpy()).all():
            return False
    return True


def _locate(path: Path, name: str, chunk_rows: int, limit: int = 5) -> list[Problem]:
    """What is wrong with a file the typed read rejected, by line and column, read as text."""
    import pandas as pd

    problems: list[Problem] = []
    line = 2
    try:
        with pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=chunk_rows) as reader:
            for chunk in reader:
                problems += check_frame(name, chunk, _COLUMNS, limit, first_line=line)
                if len(problems) >= limit:
                    break
                line += len(chunk)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [Problem(name, None, None, f"not a readable CSV: {first}")]
    return problems[:limit] or [Problem(name, None, None, "values do not fit the model")]


def _typed_chunks(files: list[tuple[Path, str]], chunk_rows: int) -> Iterator[tuple[Any, list]]:
    """Frames of about `chunk_rows` rows across a mini-batch's files, with whose rows they are.

    Small files are joined into one predict call per chunk (far cheaper than one per file, as
    the deployment's scoring does per mini-batch); large ones are cut into chunks.
    """
    import pandas as pd

    frames: list[Any] = []
    spans: list[tuple[str, int, int]] = []  # (file, first row in the file, rows)
    buffered = 0
    for path, name in files:
        row = 0
        for chunk in _read_chunks(path, name, chunk_rows):
            frames.append(chunk)
            # Output rows name the file as the deployment does (its base name); reports use
            # `name`, the path inside the input, which tells apart two folders' a.csv.
            spans.append((path.name, row, len(chunk)))
            row += len(chunk)
            buffered += len(chunk)
            if buffered >= chunk_rows:
                yield pd.concat(frames, ignore_index=True), spans
                frames, spans, buffered = [], [], 0
    if frames:
        yield pd.concat(frames, ignore_index=True), spans


def _write_predictions(files: list[tuple[Path, str]], part: Path, chunk_rows: int) -> int:
    rows = 0
    with part.open("w", newline="") as handle:
        writer = csv.writer(handle)
        for frame, spans in _typed_chunks(files, chunk_rows):
            predictions = _MODEL.predict(frame)
            values = predictions.tolist() if hasattr(predictions, "tolist") else list(predictions)
            offset = 0
            for file_name, first, count in spans:
                writer.writerows((first + i, values[offset + i], file_name) for i in range(count))
                offset += count
            rows += len(frame)
    return rows


def _score_batch(
    files: list[tuple[Path, str]], part: Path, max_retries: int, chunk_rows: int
) -> _BatchResult:
    result = _BatchResult(names=[name for _, name in files])
    for attempt in range(max_retries + 1):
        try:
            result.rows = _write_predictions(files, part, chunk_rows)
            result.error = None
            return result
        except _Invalid as invalid:
            result.error = str(invalid)
            break
        except Exception as exc:
            result.error = f"attempt {attempt + 1}: {type(exc).__name__}: {exc}"
    part.unlink(missing_ok=True)
    return result


def _worker_init(model_dir: Path) -> None:
    # Ctrl-C is the parent's to handle: it stops the pool, so workers print no tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _MODEL is None:  # spawned, not forked: nothing inherited
        load_model(model_dir)


def _run_batch(options: Options, job: tuple[list[tuple[Path, str]], Path]) -> _BatchResult:
    files, part = job
    return _score_batch(files, part, options.max_retries, options.chunk_rows)


def rehearse(
    model_dir: Path,
    input_path: Path,
    out_dir: Path,
    options: Options,
    progress: Callable[[int, int, int], None] = lambda done, total, rows: None,
) -> Summary:
    files = input_files(input_path)
    check_output(input_path, out_dir, options.output_file_name)
    load_model(model_dir)
    root = input_path if input_path.is_dir() else input_path.parent
    named = [(p, p.relative_to(root).as_posix()) for p in files]
    started = time.perf_counter()
    summary = Summary(files=len(files))
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / options.output_file_name
    # Everything goes to files beside the output, removed whatever happens: the output itself
    # is only ever replaced whole, by a rename, once the job has succeeded.
    handle, name = tempfile.mkstemp(dir=out_dir, prefix=f".{output.name}.")
    temporary = Path(name)
    try:
        with (
            tempfile.TemporaryDirectory(dir=out_dir, prefix=".score-local-") as scratch,
            os.fdopen(handle, "wb") as target,
        ):
            size = options.mini_batch_size
            jobs = [
                (named[start : start + size], Path(scratch) / f"{start:08d}.csv")
                for start in range(0, len(named), size)
            ]
            done = 0
            for (batch, part), result in zip(jobs, _results(jobs, options, model_dir), strict=True):
                done += len(batch)
                summary.rows_scored += result.rows
                if result.error is None:
                    _append(part, target)  # in input order, as each mini-batch is done
                else:
                    summary.files_failed += len(result.names)
                    summary.failed_files += result.names
                    summary.failures.append(
                        f"mini-batch of {', '.join(result.names)} failed: {result.error}"
                    )
                progress(done, len(files), summary.rows_scored)
            target.flush()
            os.fsync(target.fileno())
        summary.verdict = _verdict(summary, options.error_threshold, input_path)
        summary.failed = summary.verdict is not None
        if options.output_action == "AppendRow" and not summary.failed:
            temporary.chmod(0o666 & ~_umask())  # mkstemp made it 0600
            os.replace(temporary, output)
            summary.output = str(output)
    finally:
        temporary.unlink(missing_ok=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _append(part: Path, target: BinaryIO) -> None:
    with part.open("rb") as source:
        shutil.copyfileobj(source, target, 1 << 20)
    part.unlink()  # the disk holds each prediction once, not twice


def _verdict(summary: Summary, threshold: int, input_path: Path) -> str | None:
    if summary.files_failed == summary.files:
        return f"no file of {input_path} could be scored"
    if threshold != -1 and summary.files_failed > threshold:
        return f"{summary.files_failed} failed files exceed the error threshold {threshold}"
    return None


def _results(jobs: list, options: Options, model_dir: Path) -> Iterator[_BatchResult]:
    """Each mini-batch's result, in input order, from `options.workers` processes."""
    run = functools.partial(_run_batch, options)
    if options.workers <= 1 or len(jobs) == 1:
        for job in jobs:
            yield run(job)
        return
    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    pool = context.Pool(options.workers, initializer=_worker_init, initargs=(model_dir,))
    try:
        yield from pool.imap(run, jobs)
        pool.close()
    finally:
        pool.terminate()  # at once on Ctrl-C or an error; a no-op once closed and drained
        pool.join()


def _umask() -> int:
    # The predictions get the mode a plain open() would give them.
    current = os.umask(0)
    os.umask(current)
    return current
