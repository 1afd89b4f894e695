"""`fabml`: the project's command line. Thin: parse, call, print."""

from __future__ import annotations

import argparse
import sys

from infra.commands import plan
from infra.errors import UserError

USER_ERROR = 2

# Each subcommand lives in infra/commands/<name>.py and registers itself here.
COMMANDS = (plan,)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="fabml",
        description="Azure ML batch scoring for Microsoft Fabric: plan, check and operate stacks.",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UserError as error:
        print(f"fabml: {error}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("fabml: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
