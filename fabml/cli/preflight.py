"""`fabml preflight --stack S`: are the stack's global names free in its subscription?"""

from __future__ import annotations

import argparse
import json
import sys

FAILED = 1


def run(args: argparse.Namespace) -> int:
    from fabml.plan.stack_file import read_stack_config
    from fabml.preflight import Preflight
    from infra.clients.arm import ArmClient
    from infra.errors import UserError
    from infra.settings import SUBSCRIPTION_KEY, configured_subscription, load_offline_settings

    config = read_stack_config(args.stack)
    subscription = args.subscription or configured_subscription(config.values)
    if not subscription:
        raise UserError(
            f"no subscription for {args.stack}: pass --subscription <id> or set "
            f"{SUBSCRIPTION_KEY} in stacks/Pulumi.{args.stack}.yaml (global names depend on it)"
        )
    # Identities the file leaves out do not matter to names: the offline settings suffice.
    settings, _ = load_offline_settings(args.stack, config.values)
    report = Preflight(ArmClient(), subscription, settings).run()
    if args.json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        print(f"{report.stack} in subscription {report.subscription_id}:")
        for check in report.checks:
            verdict = "ok" if check.ok else "CONFLICT"
            print(f"  {verdict:8} {check.kind} {check.name}: {check.detail}")
    for check in report.conflicts:
        print(f"fabml: {check.kind} {check.name}: {check.detail}; {check.fix}", file=sys.stderr)
    return FAILED if report.conflicts else 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "preflight",
        help="check that a stack's global names are free before its first `pulumi up`",
        description="Checks, in the stack's subscription, each name that must be unique beyond "
        "its resource group: storage accounts and the key vault (checkNameAvailability), a "
        "soft-deleted key vault of the same name, and the Azure ML workspace in the stack's "
        "group. A name this stack already holds (its creation tags) counts as free. Needs an "
        "Azure sign-in with read access. Exit status: 0 all free, 1 a conflict (each named with "
        "what to do), 2 bad input or no sign-in.",
    )
    parser.add_argument("--stack", required=True, help="the stack to check, e.g. dev")
    parser.add_argument(
        "--subscription",
        help="subscription id to check in (default: azure-native:subscriptionId of the stack)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)
