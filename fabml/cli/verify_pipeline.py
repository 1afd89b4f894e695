"""`fabml verify-pipeline`: settle the activity's unpublished literals against Fabric's own."""

from __future__ import annotations

import argparse
from pathlib import Path

DIFFERENT = 1


def run(args: argparse.Namespace) -> int:
    from fabml.cli._arguments import require_guid
    from fabml.kit.options import kit_inputs
    from fabml.kit.verify import differences, fetched_activity
    from infra.clients.fabric import FabricClient
    from infra.fabric.pipeline import pipeline_content

    require_guid("--workspace", args.workspace, "Fabric workspace ID")
    require_guid("--pipeline", args.pipeline, "Data pipeline ID")
    outputs, options = kit_inputs(args.stack, args.outputs)
    [ours] = pipeline_content(outputs, options.ml_connection_id, options.ml_execution_type)[
        "properties"
    ]["activities"]
    theirs = fetched_activity(FabricClient(), args.workspace, args.pipeline)
    found = differences(ours, theirs)
    for line in found:
        print(line)
    print(
        f"verify-pipeline: {len(found)} propert{'y differs' if len(found) == 1 else 'ies differ'} "
        f"from pipeline {args.pipeline}"
        + ("" if not found else "; settings to change are in the README, `verify-pipeline`")
    )
    return DIFFERENT if found else 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "verify-pipeline",
        help="compare our Azure ML activity with one made in the Fabric UI",
        description="Fetch a Data pipeline made in the Fabric UI (getDefinition), decode it and "
        "print every property of the generated Azure ML activity that differs from its Azure "
        "ML activity. Signs in with DefaultAzureCredential. Exit status: 0 the same, 1 "
        "differences, 2 bad input.",
    )
    parser.add_argument("--workspace", required=True, help="Fabric workspace ID")
    parser.add_argument("--pipeline", required=True, help="Data pipeline (item) ID")
    parser.add_argument("--stack", default="dev", help="stack whose settings (and plan) to use")
    parser.add_argument(
        "--outputs",
        type=Path,
        help="`pulumi stack output --json` file (default: the offline plan of --stack)",
    )
    parser.set_defaults(run=run)
