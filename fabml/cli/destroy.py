"""`fabml destroy --stack S`: tear a non-prod stack down so it can come up again at once."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from fabml.cli._teardown import print_reports, progress, refused
    from fabml.plan.stack_file import read_stack_config
    from fabml.sandbox.automation import Pulumi
    from fabml.sandbox.lifecycle import PREFIX, Sandboxes
    from fabml.sandbox.purge import Refused
    from fabml.sandbox.teardown import teardown
    from infra.clients.arm import ArmClient
    from infra.settings import load_offline_settings

    say = progress("destroy")
    pulumi = Pulumi()
    try:
        if args.stack.startswith(PREFIX):
            # A sandbox's config is made from the template: the sandbox commands know how.
            report = Sandboxes(pulumi, arm=ArmClient, progress=say).destroy(args.stack)
        else:
            # Names, location and environment from the stack's own file, as `pulumi up` read
            # it; identities the file leaves out do not matter to a teardown.
            values = read_stack_config(args.stack).values
            settings, _ = load_offline_settings(args.stack, values)
            # The CLI reads the stack's config from stacks/ itself: none is passed.
            report = teardown(pulumi, ArmClient, settings, config=None, progress=say)
    except Refused as error:
        return refused(error)
    return print_reports([report], args.json)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "destroy",
        help="destroy a non-prod stack and purge its soft-deleted workspace and key vault",
        description="`pulumi destroy` of a dev or sandbox stack, then a purge of its "
        "soft-deleted Azure ML workspace and Key Vault, so the stack can be brought up again at "
        "once under the same names. Refuses prod and any stack that protects its stateful "
        "resources. Before any purge it checks in Azure (ARM) that the resource group and the "
        "resource carry the stack's creation tags and its own names, and refuses otherwise. "
        "Needs the pulumi CLI, a backend login and an Azure sign-in. Exit status: 0 done, "
        "1 a purge was refused (named), 2 bad input or a protected stack.",
    )
    parser.add_argument("--stack", required=True, help="the stack to tear down, e.g. dev")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)
