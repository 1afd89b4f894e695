"""`fabml preflight --stack S`: are the stack's global names free in its subscription?"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

FAILED = 1
# What the azure-native provider reads when a stack pins no subscription (besides the Azure
# CLI's default), and the listing that shows the sign-in's own subscriptions.
PROVIDER_SUBSCRIPTION_ENV = "ARM_SUBSCRIPTION_ID"
SUBSCRIPTIONS_API_VERSION = "2022-12-01"


def signed_in_subscription(arm: Any, stack: str) -> str:
    """The subscription `pulumi up` would deploy to when the stack pins none: the provider's
    environment variable, else the only enabled subscription the sign-in sees."""
    from infra.errors import UserError
    from infra.settings import SUBSCRIPTION_KEY

    if os.environ.get(PROVIDER_SUBSCRIPTION_ENV, "").strip():
        return os.environ[PROVIDER_SUBSCRIPTION_ENV].strip()
    _, _, body = arm.call("GET", "/subscriptions", SUBSCRIPTIONS_API_VERSION)
    listed = (body or {}).get("value")
    enabled = [
        s["subscriptionId"]
        for s in (listed if isinstance(listed, list) else [])
        if isinstance(s, dict) and s.get("state") == "Enabled" and s.get("subscriptionId")
    ]
    if len(enabled) != 1:
        raise UserError(
            f"no subscription for {stack}: the sign-in sees {len(enabled)} enabled "
            f"subscriptions; pass --subscription <id>, set {PROVIDER_SUBSCRIPTION_ENV}, or set "
            f"{SUBSCRIPTION_KEY} in stacks/Pulumi.{stack}.yaml (global names depend on it)"
        )
    return str(enabled[0])


def run(args: argparse.Namespace) -> int:
    from fabml.plan.stack_file import read_stack_config
    from fabml.preflight import Preflight
    from infra.clients.arm import ArmClient
    from infra.settings import configured_subscription, load_offline_settings

    config = read_stack_config(args.stack)
    # Identities the file leaves out do not matter to names: the offline settings suffice.
    settings, _ = load_offline_settings(args.stack, config.values)
    arm = ArmClient()
    subscription = (
        args.subscription
        or configured_subscription(config.values)
        or signed_in_subscription(arm, args.stack)
    )
    report = Preflight(arm, subscription, settings).run()
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
        help="subscription id to check in (default: azure-native:subscriptionId of the stack, "
        "else ARM_SUBSCRIPTION_ID, else the sign-in's only enabled subscription, as `pulumi up`)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)
