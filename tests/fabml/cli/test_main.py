"""`fabml` itself: --version, defaults in every --help, and one line per failure, by exit code."""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

from fabml.cli import main as cli
from infra.errors import ServiceError, UserError
from tests.conftest import REPO


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _subparsers(child)
    return found


def _fabml(*argv: str) -> subprocess.CompletedProcess[str]:
    """`fabml` in a process of its own, as a user runs it."""
    command = [sys.executable, "-m", "fabml.cli.main", *argv]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_version_comes_from_the_package_metadata() -> None:
    result = _fabml("--version")
    assert (result.returncode, result.stdout) == (0, f"fabml {version('fabml')}\n")


def test_every_option_of_every_subcommand_shows_its_default() -> None:
    parsers = _subparsers(cli.parser())
    names = {p.prog for p in parsers}
    assert {"fabml score-local", "fabml sandbox create", "fabml policy check"} <= names
    for parser in parsers:
        text = " ".join(parser.format_help().split())
        for action in parser._actions:
            takes_value = action.option_strings and action.nargs != 0 and not action.required
            if not takes_value or action.help == argparse.SUPPRESS:
                continue
            # A fixed default is printed by the formatter; otherwise the help itself says where
            # the value comes from (the stack's setting, an environment variable, stdout).
            shown = action.default is not None and f"(default: {action.default})" in text
            assert shown or "(default: " in (action.help or ""), (parser.prog, action.dest)


def test_score_local_help_names_the_stack_setting_each_flag_defaults_to() -> None:
    helps = {a.dest: a.help for p in _subparsers(cli.parser()) for a in p._actions if a.help}
    assert "deployment.maxRetries" in helps["max_retries"]
    assert "deployment.maxConcurrencyPerInstance" in helps["workers"]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["score-local", "in", "--out", "o", "--max-retries", "-1"],
            "--max-retries: -1: allowed 0-10",
        ),
        (["score-local", "in", "--out", "o", "--workers", "0"], "--workers: 0: allowed 1-64"),
        (["score-local", "in", "--out", "o", "--mini-batch-size", "1001"], "allowed 1-1000"),
        (["score-local", "in", "--out", "o", "--error-threshold", "-2"], "allowed -1 or more"),
        (["smoke", "--timeout", "nan"], "--timeout: nan: allowed 1-86400 seconds"),
        (
            [
                "score-endpoint",
                "x.csv",
                "--workspace-id",
                "w",
                "--model-id",
                "m",
                "--batch-size",
                "0",
            ],
            "--batch-size: 0: allowed 1-10000",
        ),
        (["score-local", "in"], "the following arguments are required: --out"),
        (["no-such-command"], "invalid choice"),
    ],
)
def test_usage_errors_are_one_line_naming_flag_and_range(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert says in err
    assert err.count("\n") == 1, err
    assert "usage:" not in err


def _raising(error: BaseException):
    def run(args: argparse.Namespace) -> int:
        raise error

    return run


@pytest.mark.parametrize(
    ("error", "status", "says"),
    [
        (UserError("stacks/Pulumi.x.yaml: no such stack file"), 2, "no such stack file"),
        (ServiceError("POST /score: HTTP 503 after 5 attempts"), 3, "HTTP 503 after 5 attempts"),
        (ServiceRequestError("cannot connect\nmore detail"), 3, "cannot connect"),
        (ConnectionResetError(104, "Connection reset by peer"), 3, "Connection reset by peer"),
        (
            ClientAuthenticationError("DefaultAzureCredential failed\nEnvironmentCredential: ..."),
            2,
            "sign in with `az login` or set AZURE_CLIENT_ID",
        ),
        (PermissionError(13, "Permission denied", "/root/out"), 2, "/root/out: Permission denied"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ],
)
def test_each_failure_is_one_line_with_its_exit_status(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: BaseException,
    status: int,
    says: str,
) -> None:
    # Whatever the subcommand, its run raises `error`.
    monkeypatch.setattr(
        argparse.ArgumentParser,
        "parse_args",
        lambda self, argv=None, namespace=None: argparse.Namespace(run=_raising(error)),
    )
    assert cli.main(["plan", "--stack", "dev"]) == status
    captured = capsys.readouterr()
    assert says in captured.err
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err


def test_an_output_path_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = _fabml("plan", "--stack", "dev", "--json", "--out", str(blocker / "plan.json"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert f"{blocker}: File exists" in result.stderr


def test_the_folders_fabml_writes_by_default_are_ignored_by_git() -> None:
    defaults = {(p.prog, a.dest): a.default for p in _subparsers(cli.parser()) for a in p._actions}
    kit = defaults[("fabml fabric", "out")]
    for path in (f"{kit}/connection-sheet.md", "outputs.json", "plans/dev.json"):
        ignored = subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", path], cwd=REPO, check=False
        )
        assert ignored.returncode == 0, f"{path} is not in .gitignore"
