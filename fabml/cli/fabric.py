"""`fabml fabric --stack dev`: everything the Fabric side needs, ready to paste or import."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from fabml.kit.kit import KitOptions, write_kit
    from fabml.kit.outputs import from_file, from_plan
    from fabml.plan.stack_file import read_stack_config
    from infra.components.config import GUID
    from infra.errors import UserError
    from infra.fabric.requests import connection_names
    from infra.settings import load_offline_settings

    if args.ml_connection_id is not None and not GUID.match(args.ml_connection_id):
        raise UserError(
            f"--ml-connection-id {args.ml_connection_id!r} is not a Fabric connection ID: "
            "expected a GUID like 11111111-2222-3333-4444-555555555555"
        )
    outputs = from_file(args.outputs) if args.outputs else from_plan(args.stack)
    fabric = load_offline_settings(args.stack, read_stack_config(args.stack).values)[0].fabric
    lake_name, ml_name = connection_names(args.stack)
    options = KitOptions(
        ml_connection_id=args.ml_connection_id or fabric.ml_connection_id,
        ml_execution_type=args.ml_execution_type or fabric.ml_execution_type,
        shortcut_name=fabric.shortcut_name,
        predictions_shortcut_name=fabric.predictions_shortcut_name,
        connection_name=lake_name,
        ml_connection_name=ml_name,
        connection_credential=fabric.connection_credential,
        ml_connection_credential=fabric.ml_connection_credential,
        lake_connection_path=fabric.lake_connection_path,
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
        description="Read a stack's outputs (--outputs, what `pulumi stack output --json "
        "--show-secrets` writes; or, without it, the offline plan of --stack) and write the "
        "Fabric kit to --out.",
    )
    parser.add_argument("--stack", default="dev", help="stack whose settings (and plan) to use")
    parser.add_argument("--outputs", type=Path, help="`pulumi stack output --json` file")
    parser.add_argument("--out", type=Path, default=Path("fabric-kit"), help="output folder")
    parser.add_argument(
        "--ml-connection-id", help="Fabric connection ID (a GUID) of the Azure ML connection"
    )
    parser.add_argument("--ml-execution-type", help="the activity's mlExecutionType literal")
    parser.set_defaults(run=run)
