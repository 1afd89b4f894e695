"""`fabml fabric --stack dev`: everything the Fabric side needs, ready to paste or import."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from fabml.kit.kit import KitOptions, write_kit
    from fabml.kit.outputs import from_file, from_plan
    from fabml.plan.stack_file import read_stack_config
    from infra import placeholder
    from infra.settings import load_offline_settings

    outputs = from_file(args.outputs) if args.outputs else from_plan(args.stack)
    settings = load_offline_settings(args.stack, read_stack_config(args.stack).values)[0]
    fabric = settings.fabric
    defaults = KitOptions()
    model_id = outputs.values.get("fabricMlModelId") or fabric.ml_model_id
    options = KitOptions(
        ml_connection_id=args.ml_connection_id or fabric.ml_connection_id,
        ml_execution_type=args.ml_execution_type or fabric.ml_execution_type,
        shortcut_name=fabric.shortcut_name,
        connection_name=f"fabml-{args.stack}-data-lake",
        batch_size=fabric.score_batch_size,
        fabric_workspace_id=(
            defaults.fabric_workspace_id
            if fabric.workspace_id is None or placeholder.is_unset(fabric.workspace_id)
            else fabric.workspace_id
        ),
        ml_model_id=model_id or defaults.ml_model_id,
        dataflow_name=fabric.dataflow_name,
        model_folder=settings.model.folder,
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
    parser.add_argument("--ml-connection-id", help="Fabric connection ID of the AML workspace")
    parser.add_argument("--ml-execution-type", help="the activity's mlExecutionType literal")
    parser.set_defaults(run=run)
