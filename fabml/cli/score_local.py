"""`fabml score-local INPUT --out DIR`: rehearse the batch deployment on this machine."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from fabml.cli._arguments import setting_range

JOB_FAILED = 1


def _progress_bar() -> Callable[[int, int, int], None]:
    interactive = sys.stderr.isatty()

    def show(done: int, total: int, rows: int) -> None:
        if not interactive and done < total:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "." * (width - filled)
        end = "\n" if done >= total else ""
        print(f"\r[{bar}] {done}/{total} files, {rows} rows", end=end, file=sys.stderr, flush=True)

    return show


def run(args: argparse.Namespace) -> int:
    from fabml.plan.stack_file import read_stack_config
    from fabml.scoring.rehearsal import Options, rehearse
    from infra.settings import load_offline_settings

    settings, _ = load_offline_settings(args.stack, read_stack_config(args.stack).values)
    deployment = settings.deployment
    options = Options(
        mini_batch_size=args.mini_batch_size or deployment.mini_batch_size,
        workers=args.workers or deployment.max_concurrency_per_instance,
        error_threshold=(
            deployment.error_threshold if args.error_threshold is None else args.error_threshold
        ),
        max_retries=deployment.max_retries if args.max_retries is None else args.max_retries,
        output_action=deployment.output_action,
        output_file_name=deployment.output_file_name,
    )
    model_dir = args.model or settings.model.folder
    summary = rehearse(model_dir, args.input, args.out, options, _progress_bar())
    if args.json:
        sys.stdout.write(
            json.dumps(
                {
                    **asdict(summary),
                    "rows_per_second": summary.rows_per_second,
                    "options": asdict(options),
                },
                indent=2,
            )
            + "\n"
        )
    else:
        print(
            f"{summary.rows_scored} rows scored from {summary.files - summary.files_failed} of "
            f"{summary.files} files in {summary.seconds:.2f} s "
            f"({summary.rows_per_second:,.0f} rows/s); {summary.files_failed} files failed"
        )
        for failure in summary.failures:
            print(f"  {failure}")
        if summary.output:
            print(f"predictions: {summary.output}")
    if summary.failed:
        kept = f"; {args.out / options.output_file_name} left as it was" * (
            options.output_action == "AppendRow"
        )
        print(f"fabml score-local: job FAILED: {summary.verdict}{kept}", file=sys.stderr)
    return JOB_FAILED if summary.failed else 0


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


def register(commands: argparse._SubParsersAction) -> None:
    from infra.components.scoring.config import DeploymentConfig

    parser = commands.add_parser(
        "score-local",
        help="score CSVs locally with the batch deployment's semantics",
        description="Run the model over a CSV file or a folder of CSVs the way the MLflow batch "
        "deployment does (mini-batches of files, parallel workers, retries, error threshold) "
        "and write DIR/predictions.csv (whole: a failed or interrupted run leaves an earlier "
        "one as it was). DIR may not be inside INPUT. Settings default to the stack's. Exit "
        "status: 0 done, 1 the job failed (more failed files than the error threshold, or no file "
        "could be scored), 2 bad input.",
    )
    parser.add_argument("input", type=Path, metavar="INPUT", help="a CSV file or a folder of CSVs")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument("--stack", default="dev", help="take the settings from this stack")
    parser.add_argument("--model", type=Path, help="MLflow model folder (default: the stack's)")
    # The same ranges as the stack's deployment settings: one rule, wherever the value comes from.
    for flag, field, text in (
        ("--mini-batch-size", "mini_batch_size", "files per mini-batch"),
        ("--workers", "max_concurrency_per_instance", "parallel scoring processes"),
        ("--error-threshold", "error_threshold", "failed files tolerated, -1 all"),
        ("--max-retries", "max_retries", "retries of a failing mini-batch"),
    ):
        parser.add_argument(
            flag,
            type=setting_range(DeploymentConfig, field),
            help=f"{text} (default: the stack's deployment.{_camel(field)})",
        )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(run=run)
