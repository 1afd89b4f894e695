"""`fabml score-endpoint CSV`: score a CSV through a Fabric ML model endpoint."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path
from typing import Any

from fabml.cli._arguments import within
from infra.errors import UserError


class _CountingCredential:
    """Counts token requests (the summary line reports them); the stack caches the token."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.requests = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        self.requests += 1
        return self.inner.get_token(*scopes, **kwargs)


def _token_source(args: argparse.Namespace) -> Any:
    from infra.clients.http import default_credential

    if args.client_id:
        from azure.identity import ClientSecretCredential

        secret = os.environ.get("FABML_CLIENT_SECRET")
        if not (secret and args.tenant_id):
            raise UserError(
                "--client-id needs --tenant-id and the secret in FABML_CLIENT_SECRET "
                "(never on the command line)"
            )
        return ClientSecretCredential(args.tenant_id, args.client_id, secret)
    return default_credential()


def run(args: argparse.Namespace) -> int:
    from fabml.scoring.score_client import EndpointScorer, read_rows
    from infra.clients.fabric import FabricClient
    from infra.components.model.config import ModelConfig
    from infra.fabric.score_request import describe

    header, rows = read_rows(args.csv)
    credential = _CountingCredential(_token_source(args))
    scorer = EndpointScorer(
        FabricClient(base_url=args.api_url, credential=credential),
        args.workspace_id,
        args.model_id,
        describe(ModelConfig().folder, args.batch_size),
    )
    predictions = scorer.score(header, rows)
    out = args.out.open("w", newline="") if args.out else sys.stdout
    try:
        writer = csv.writer(out)
        writer.writerow([*header, "prediction"])
        writer.writerows(
            [*row, prediction] for row, prediction in zip(rows, predictions, strict=True)
        )
    finally:
        if args.out:
            out.close()
    print(
        f"fabml score-endpoint: {len(rows)} rows scored with {credential.requests} token "
        f"request(s) and "
        f"{scorer.requests} score request(s)",
        file=sys.stderr,
    )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    from infra.clients.fabric import FABRIC_API

    parser = commands.add_parser(
        "score-endpoint",
        help="score a CSV through a Fabric ML model endpoint (checks principal and endpoint)",
        description="Send a CSV's rows in batches to a Fabric ML model endpoint, as the Dataflow "
        "Gen2 M function does, and write the rows with their predictions. Signs in with "
        "--tenant-id/--client-id and FABML_CLIENT_SECRET, or DefaultAzureCredential.",
    )
    parser.add_argument("csv", type=Path, metavar="CSV", help="rows to score (with a header)")
    parser.add_argument("--workspace-id", required=True, help="Fabric workspace ID")
    parser.add_argument("--model-id", required=True, help="Fabric ML model ID")
    parser.add_argument(
        "--batch-size", type=within(1, 10_000), default=500, help="rows per request"
    )
    parser.add_argument(
        "--tenant-id",
        help="tenant of the service principal (default: none, sign in with DefaultAzureCredential)",
    )
    parser.add_argument(
        "--client-id",
        help="service principal client ID (default: none, sign in with DefaultAzureCredential)",
    )
    parser.add_argument("--out", type=Path, help="write the scored CSV here (default: stdout)")
    parser.add_argument("--api-url", default=FABRIC_API, help=argparse.SUPPRESS)
    parser.set_defaults(run=run)
