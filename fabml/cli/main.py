"""`fabml`: the project's command line. Thin: parse, call, print.

Exit status, for every subcommand: 0 success, 1 a verdict or job failed (the subcommand returns
it), 2 bad input or usage, 3 a service still failed after its retries. Failures end in one
line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from importlib.metadata import PackageNotFoundError, version

import fabml.cli
from infra.errors import ServiceError, UserError

FAILED = 1
USER_ERROR = 2
SERVICE_FAILED = 3
INTERRUPTED = 130


class _DefaultsFormatter(argparse.HelpFormatter):
    """Adds `(default: …)` to each option whose help does not already say its default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            default is None
            or default is False
            or default == argparse.SUPPRESS
            or "default" in text
            or not action.option_strings
        ):
            return action.help
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """Every (sub)command's parser: defaults in --help, usage errors in one line (exit 2)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(USER_ERROR, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _version() -> str:
    try:
        return version("fabml")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _command_modules() -> list[str]:
    # Each subcommand is a module fabml/cli/<name>.py with register(commands); this module
    # (the entry point) and _private helpers are not subcommands.
    return sorted(
        m.name
        for m in pkgutil.iter_modules(fabml.cli.__path__)
        if not m.name.startswith("_") and m.name != "main"
    )


def parser() -> argparse.ArgumentParser:
    root = _Parser(
        prog="fabml",
        description="Azure ML batch scoring for Microsoft Fabric: plan, check and operate stacks. "
        "Exit status: 0 success, 1 a verdict or job failed, 2 bad input or usage, 3 a service "
        "still failed after retries.",
    )
    root.add_argument("--version", action="version", version=f"fabml {_version()}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _command_modules():
        importlib.import_module(f"fabml.cli.{name}").register(commands)
    return root


def _one_line(error: BaseException) -> str:
    # Foreign exceptions (azure-core, the OS) may span lines; the first one says what failed.
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _service_errors() -> tuple[type[BaseException], ...]:
    # Imported only once something failed: `fabml --help` stays fast.
    from azure.core.exceptions import AzureError

    return (ServiceError, AzureError, ConnectionError, TimeoutError)


def _fail(status: int, message: str) -> int:
    print(f"fabml: {message}", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UserError as error:
        return _fail(USER_ERROR, str(error))
    except BrokenPipeError:
        # The reader went away (`fabml plan | head`): not an error worth a line.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FAILED
    except _service_errors() as error:
        from azure.core.exceptions import ClientAuthenticationError

        if isinstance(error, ClientAuthenticationError):
            return _fail(
                USER_ERROR,
                "not signed in to Azure: sign in with `az login` or set AZURE_CLIENT_ID, "
                f"AZURE_TENANT_ID and AZURE_CLIENT_SECRET ({_one_line(error)})",
            )
        return _fail(SERVICE_FAILED, f"{type(error).__name__}: {_one_line(error)}")
    except OSError as error:
        # A file the user named (or its folder) cannot be read or written.
        where = f"{error.filename}: " if error.filename else ""
        return _fail(USER_ERROR, f"{where}{error.strerror or _one_line(error)}")
    except KeyboardInterrupt:
        return _fail(INTERRUPTED, "interrupted")


if __name__ == "__main__":
    sys.exit(main())
