"""`fabml policy check PLAN.json`: the policy pack over a saved `fabml plan --json`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infra.errors import UserError


class PlanFileError(UserError):
    """The plan file is missing or is not what `fabml plan --json` writes."""


def run(args: argparse.Namespace) -> int:
    from fabml.plan.plan import Plan
    from fabml.plan.policy_check import check_plan

    path: Path = args.plan
    try:
        data = json.loads(path.read_text())
        plan = Plan.from_dict(data)
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such file (write one with `fabml plan --json`)") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise PlanFileError(
            f"{path}: not a `fabml plan --json` file (missing or malformed {exc})"
        ) from None
    # The environment comes from the plan's stack name and settings (check_plan refuses a
    # mismatch or an unknown environment in one line); --environment may only be stricter.
    report = check_plan(plan, args.environment)
    sys.stdout.write(report.render())
    return report.exit_status


def register(commands: argparse._SubParsersAction) -> None:
    policy = commands.add_parser(
        "policy",
        help="check a saved plan against the policy pack",
        description="Policy pack commands. Exit status: 0 fine, 1 a mandatory violation, "
        "2 a missing or malformed plan file.",
    )
    actions = policy.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="run every rule over a `fabml plan --json` file",
        description="Run every rule of the policy pack over a plan saved by `fabml plan --json` "
        "(a CI artifact, a review), with the environment's enforcement levels.",
    )
    check.add_argument("plan", type=Path, metavar="PLAN.json", help="the saved plan")
    check.add_argument(
        "--environment",
        choices=("dev", "sandbox", "prod"),
        help="enforce this environment's levels (default: the stack's environment, from its "
        "name and settings; a prod stack is always judged as prod)",
    )
    check.set_defaults(run=run)
