"""`fabml fabric --stack dev`: everything the Fabric side needs, ready to paste or import."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from fabml.cli._arguments import require_guid
    from fabml.kit.kit import write_kit
    from fabml.kit.options import kit_inputs

    require_guid("--ml-connection-id", args.ml_connection_id, "Fabric connection ID")
    outputs, options = kit_inputs(
        args.stack,
        args.outputs,
        ml_connection_id=args.ml_connection_id,
        ml_execution_type=args.ml_execution_type,
    )
    for path in write_kit(outputs, args.out, options):
        print(path)
    if outputs.unknown:
        print(
            "fabml fabric: values known only after deploy are marked; rerun with --outputs "
            "after `pulumi up`",
            file=sys.stderr,
        )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "fabric",
        help="write the Fabric kit: connection sheet, pipeline, Dataflow M, REST bodies",
        description="Read a stack's outputs (--outputs, what `pulumi stack output --json` "
        "writes; or, without it, the offline plan of --stack) and write the "
        "Fabric kit to --out.",
    )
    parser.add_argument("--stack", default="dev", help="stack whose settings (and plan) to use")
    parser.add_argument(
        "--outputs",
        type=Path,
        help="`pulumi stack output --json` file (default: the offline plan of --stack)",
    )
    parser.add_argument("--out", type=Path, default=Path("fabric-kit"), help="output folder")
    parser.add_argument(
        "--ml-connection-id",
        help="Fabric connection ID (a GUID) of the Azure ML connection (default: the stack's "
        "fabric.mlConnectionId)",
    )
    parser.add_argument(
        "--ml-execution-type",
        help="the activity's mlExecutionType literal (default: the stack's fabric.mlExecutionType)",
    )
    parser.set_defaults(run=run)
