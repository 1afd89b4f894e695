"""`fabml sandbox create|list|destroy|reap`: short-lived stacks that expire and go cleanly."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from infra.errors import UserError

if TYPE_CHECKING:
    from fabml.sandbox.lifecycle import Sandboxes


# Pulumi's secrets providers: a passphrase, or a key in a cloud key service (by URL).
SECRETS_PROVIDERS = (
    "default",
    "passphrase",
    "azurekeyvault://",
    "awskms://",
    "gcpkms://",
    "hashivault://",
)


def _sandboxes(secrets_provider: str | None = None) -> Sandboxes:
    from fabml.cli._teardown import progress
    from fabml.sandbox.automation import Pulumi
    from fabml.sandbox.lifecycle import Sandboxes
    from infra.clients import arm  # looked up now, so tests can stand one in

    pulumi = Pulumi(secrets_provider=secrets_provider)
    return Sandboxes(pulumi, arm=arm.ArmClient, progress=progress("sandbox"))


def _secrets_provider(args: argparse.Namespace) -> str | None:
    value = (args.secrets_provider or os.environ.get("FABML_SECRETS_PROVIDER") or "").strip()
    if not value:
        return None
    if not any(
        value == p or (p.endswith("://") and value.startswith(p)) for p in SECRETS_PROVIDERS
    ):
        raise UserError(
            f"--secrets-provider {value!r}: allowed are default, passphrase or a key URL "
            "(azurekeyvault://<vault>.vault.azure.net/keys/<key>, awskms://, gcpkms://, "
            "hashivault://)"
        )
    return value


def _principal(args: argparse.Namespace, flag: str, variable: str) -> str:
    value = getattr(args, flag.replace("-", "_")) or os.environ.get(variable)
    if not value:
        raise UserError(f"--{flag} is required (or set {variable}): the Fabric service principal")
    return value


def _create(args: argparse.Namespace) -> int:
    from fabml.sandbox.lifecycle import parse_ttl
    from fabml.sandbox.teardown import as_json

    sandbox = _sandboxes(_secrets_provider(args)).create(
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
    from fabml.sandbox.teardown import as_json

    sandboxes = _sandboxes().list()
    if args.json:
        sys.stdout.write(as_json(sandboxes))
        return 0
    if not sandboxes:
        print("no sandboxes")
    for s in sandboxes:
        age = "?" if s.age_days is None else f"{s.age_days}d"
        state = f"PROBLEM: {s.problem}" if s.problem else "EXPIRED" if s.expired else "active"
        print(f"{s.stack:<32} owner {s.owner:<20} age {age:>4}  expires {s.expires_on}  {state}")
    return 0


def _destroy(args: argparse.Namespace) -> int:
    from fabml.cli._teardown import print_reports, refused
    from fabml.sandbox.purge import Refused

    try:
        report = _sandboxes().destroy(args.name)
    except Refused as error:
        return refused(error)
    return print_reports([report], args.json)


def _reap(args: argparse.Namespace) -> int:
    from fabml.cli._teardown import print_reports

    reports = _sandboxes().reap()
    if not reports and not args.json:
        print("no expired sandboxes")
        return 0
    return print_reports(reports, args.json)


def register(commands: argparse._SubParsersAction) -> None:
    sandbox = commands.add_parser(
        "sandbox",
        help="create, list, destroy and reap short-lived sandbox stacks",
        description="Sandbox stacks (sandbox-NAME) are made from stacks/Pulumi.sandbox-template"
        ".yaml with an expiry date. Needs the pulumi CLI, a backend login and an Azure sign-in. "
        "Destroy and reap refuse any stack that is not a sandbox, and purge the soft-deleted "
        "Azure ML workspace and Key Vault so the name can be used again at once, after checking "
        "in Azure that they carry the sandbox's tags and names. Exit status: 0 done, 1 a purge "
        "was refused or a sandbox could not be read or destroyed (the others still are), 2 bad "
        "input.",
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
        "--secrets-provider",
        help="secrets provider of a new sandbox stack, e.g. azurekeyvault://<vault>.vault.azure."
        "net/keys/<key> (default: $FABML_SECRETS_PROVIDER, else the backend's default: a "
        "passphrase from PULUMI_CONFIG_PASSPHRASE on a self-managed backend)",
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
