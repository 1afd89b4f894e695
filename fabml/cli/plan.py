"""`fabml plan`: what `pulumi up` would create, offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fabml.cli._one_shot import collection_deferred
from fabml.plan.stack_file import STACKS_DIR, stack_names


def run(args: argparse.Namespace) -> int:
    with collection_deferred():
        # Imported here so `fabml --help` stays fast: the runner loads the Pulumi SDK.
        from fabml.plan.runner import run_plan
        from fabml.plan.stack_file import read_stack_config

        plan = run_plan(read_stack_config(args.stack, args.config_file))
    from fabml.plan.policy_check import check_plan
    from fabml.plan.render import render_text

    report = check_plan(plan)
    if args.json:
        text = plan.to_json()
    elif args.access:
        from fabml.plan.access import render_access

        text = render_access(plan) + "\n" + report.render()
    else:
        text = render_text(plan) + "\n" + report.render()
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if args.json or args.out is not None:
        # The JSON stays the plan alone; the verdicts still reach the reader.
        sys.stderr.write(report.render())
    return report.exit_status


def register(commands: argparse._SubParsersAction) -> None:
    plan = commands.add_parser(
        "plan",
        help="show what `pulumi up` would create, offline (Pulumi mock runtime)",
        description="Run the Pulumi program under the mock runtime with a stack's config file, "
        "print its resources, dependency waves and outputs, and check them against the policy "
        "pack. Needs no cloud and no Pulumi CLI. Exit status: 0 fine, 1 a mandatory policy "
        "violation, 2 a configuration error.",
    )
    plan.add_argument(
        "--stack",
        required=True,
        help=f"stack name; its config is stacks/Pulumi.<stack>.yaml (here: "
        f"{', '.join(stack_names(STACKS_DIR)) or 'none'})",
    )
    plan.add_argument(
        "--config-file",
        type=Path,
        help="read the stack's config from this file (default: stacks/Pulumi.<stack>.yaml)",
    )
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.add_argument(
        "--access",
        action="store_true",
        help="print the access map instead: one row per identity, resource, role (name and "
        "GUID), scope and network path (the JSON always has it, under `access`)",
    )
    plan.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    plan.set_defaults(run=run)
