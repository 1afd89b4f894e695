"""`fabml`: the project's command line. Thin: parse, call, print."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import fabml.cli
from infra.errors import UserError

USER_ERROR = 2


def _command_modules() -> list[str]:
    # Each subcommand is a module fabml/cli/<name>.py with register(commands); this module
    # (the entry point) and _private helpers are not subcommands.
    return sorted(
        m.name
        for m in pkgutil.iter_modules(fabml.cli.__path__)
        if not m.name.startswith("_") and m.name != "main"
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="fabml",
        description="Azure ML batch scoring for Microsoft Fabric: plan, check and operate stacks.",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _command_modules():
        importlib.import_module(f"fabml.cli.{name}").register(commands)
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
