"""`fabml sandbox create|list|destroy|reap`: short-lived stacks that expire and go cleanly."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from infra.errors import UserError

if TYPE_CHECKING:
    from fabml.sandbox.lifecycle import DestroyReport, Sandboxes


def _sandboxes() -> Sandboxes:
    from fabml.sandbox.lifecycle import Sandboxes
    from fabml.sandbox.pulumi_cli import PulumiCli

    def progress(message: str) -> None:
        print(f"fabml sandbox: {message}", file=sys.stderr, flush=True)

    return Sandboxes(PulumiCli(), progress=progress)


def _principal(args: argparse.Namespace, flag: str, variable: str) -> str:
    value = getattr(args, flag.replace("-", "_")) or os.environ.get(variable)
    if not value:
        raise UserError(f"--{flag} is required (or set {variable}): the Fabric service principal")
    return value


def _create(args: argparse.Namespace) -> int:
    from fabml.sandbox.lifecycle import as_json, parse_ttl

    sandbox = _sandboxes().create(
        args.name,
        parse_ttl(args.ttl),
        owner=args.owner,
        principal_object_id=_principal(args, "principal-object-id", "FABML_PRINCIPAL_OBJECT_ID"),
        principal_client_id=_principal(args, "principal-client-id", "FABML_PRINCIPAL_CLIENT_ID"),
        update=args.update,
    )
    if args.json:
        sys.stdout.write(as_json(sandbox))
    else:
        print(f"{sandbox.stack} created; expires {sandbox.expires_on}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from fabml.sandbox.lifecycle import as_json

    sandboxes = _sandboxes().list()
    if args.json:
        sys.stdout.write(as_json(sandboxes))
        return 0
    if not sandboxes:
        print("no sandboxes")
    for s in sandboxes:
        age = "?" if s.age_days is None else f"{s.age_days}d"
        state = "EXPIRED" if s.expired else "active"
        print(f"{s.stack:<32} owner {s.owner:<20} age {age:>4}  expires {s.expires_on}  {state}")
    return 0


def _print_reports(reports: list[DestroyReport], as_json_output: bool) -> None:
    from fabml.sandbox.lifecycle import as_json

    if as_json_output:
        sys.stdout.write(as_json(reports))
        return
    for report in reports:
        purged = ", ".join(report.purged) or "nothing"
        print(f"{report.stack} destroyed; purged: {purged}")
        for note in report.notes:
            print(f"  note: {note}")


def _destroy(args: argparse.Namespace) -> int:
    report = _sandboxes().destroy(args.name)
    _print_reports([report], args.json)
    return 0


def _reap(args: argparse.Namespace) -> int:
    reports = _sandboxes().reap()
    if not reports and not args.json:
        print("no expired sandboxes")
    else:
        _print_reports(reports, args.json)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    sandbox = commands.add_parser(
        "sandbox",
        help="create, list, destroy and reap short-lived sandbox stacks",
        description="Sandbox stacks (sandbox-NAME) are made from stacks/Pulumi.sandbox-template"
        ".yaml with an expiry date. Needs the pulumi CLI, a backend login and an Azure sign-in. "
        "Destroy and reap refuse any stack that is not a sandbox, and purge the soft-deleted "
        "Azure ML workspace and Key Vault so the name can be used again at once.",
    )
    actions = sandbox.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="make sandbox-NAME and deploy it")
    create.add_argument("name", help="NAME or sandbox-NAME")
    create.add_argument("--ttl", default="3d", help="time to live: 12h, 3d, 1w")
    create.add_argument("--owner", help="owner tag (default: the template's)")
    create.add_argument(
        "--principal-object-id",
        help="Fabric service principal object ID (default: $FABML_PRINCIPAL_OBJECT_ID)",
    )
    create.add_argument(
        "--principal-client-id",
        help="Fabric service principal client ID (default: $FABML_PRINCIPAL_CLIENT_ID)",
    )
    create.add_argument(
        "--update",
        action="store_true",
        help="if sandbox-NAME exists, redeploy it and move its expiry instead of refusing",
    )
    create.set_defaults(run=_create)

    listing = actions.add_parser("list", help="sandboxes with owner, age and expiry")
    listing.set_defaults(run=_list)

    destroy = actions.add_parser("destroy", help="destroy one sandbox and purge its names")
    destroy.add_argument("name", help="NAME or sandbox-NAME")
    destroy.set_defaults(run=_destroy)

    reap = actions.add_parser("reap", help="destroy every expired sandbox")
    reap.set_defaults(run=_reap)

    for parser in (create, listing, destroy, reap):
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")
