"""`fabml smoke --stack dev`: prove a deployed endpoint works end to end, as Fabric calls it."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from fabml.cli._arguments import seconds

FAILED = 1
SAMPLE = (
    Path(__file__).resolve().parents[2] / "data" / "heart-unlabeled-0.csv"
)  # vendored in the repository


def _outputs(args: argparse.Namespace) -> tuple[dict, str]:
    if args.outputs is not None:
        from fabml.kit.outputs import read

        return read(args.outputs), str(args.outputs)
    from fabml.sandbox.automation import Pulumi

    return Pulumi().outputs(args.stack), f"stack {args.stack}"


def run(args: argparse.Namespace) -> int:
    from azure.storage.blob import BlobServiceClient

    from fabml.scoring.smoke import Smoke, Target
    from infra.clients.http import CONNECT_TIMEOUT, READ_TIMEOUT, default_credential

    outputs, source = _outputs(args)
    target = Target.from_outputs(outputs, source)
    credential = default_credential()
    container = BlobServiceClient(
        f"https://{target.storage_account}.blob.core.windows.net",
        credential=credential,
        connection_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
    ).get_container_client(target.container)
    smoke = Smoke(
        target,
        container,
        credential=credential,
        timeout_seconds=args.timeout,
        progress=lambda message: print(f"fabml smoke: {message}", file=sys.stderr, flush=True),
    )
    result = smoke.run(args.sample, keep=args.keep)
    if args.json:
        sys.stdout.write(json.dumps(asdict(result), indent=2) + "\n")
    else:
        verdict = "PASS" if result.passed else "FAIL"
        print(
            f"{verdict}: job {result.job} {result.status}; {result.rows_out} predictions for "
            f"{result.rows_in} rows"
        )
        if result.studio_url:
            print(f"job: {result.studio_url}")
        for message in result.messages:
            print(f"  {message}")
    return 0 if result.passed else FAILED


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "smoke",
        help="score the sample through the deployed batch endpoint, end to end",
        description="Against a real deployment (DefaultAzureCredential): upload the sample CSV "
        "under a unique folder of the data container, invoke the batch endpoint with the same "
        "kind of URIs Fabric's pipeline uses, follow the job, download predictions.csv, check "
        "the row count, clean up. Exit status: 0 pass, 1 fail, 2 bad input.",
    )
    parser.add_argument("--stack", default="dev", help="read `pulumi stack output` of this stack")
    parser.add_argument(
        "--outputs",
        type=Path,
        help="or a `pulumi stack output --json` file (default: read --stack's outputs)",
    )
    parser.add_argument(
        "--sample",
        type=Path,
        default=SAMPLE,
        help="CSV to score (default: data/heart-unlabeled-0.csv in this repository)",
    )
    parser.add_argument(
        "--timeout", type=seconds(1, 86_400), default=3600, help="seconds to wait for the job"
    )
    parser.add_argument("--keep", action="store_true", help="keep the uploaded data and output")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)
