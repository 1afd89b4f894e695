"""The Pulumi CLI, called directly: every command sandboxes need, with clear failures.

The Automation API would call the same binary; calling it directly keeps each command
explicit and testable with a stand-in `pulumi` on PATH. Every call runs in the project folder
(where Pulumi.yaml is) with `--non-interactive`; long commands stream pulumi's own output to
stderr, so standard output stays free for `--json`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.errors import UserError
from infra.settings import REPO_ROOT

HISTORY_PAGE = 100


class PulumiError(UserError):
    """The Pulumi CLI is missing or a command failed."""


@dataclass
class PulumiCli:
    project: Path = REPO_ROOT
    binary: str = "pulumi"

    def _run(self, args: list[str], *, stream: bool = False) -> str:
        executable = shutil.which(self.binary)
        if executable is None:
            raise PulumiError(
                "the pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/)"
            )
        result = subprocess.run(
            [executable, *args, "--non-interactive"],
            cwd=self.project,
            stdout=subprocess.PIPE,
            stderr=None if stream else subprocess.PIPE,
            text=True,
            check=False,
        )
        if stream and result.stdout:
            sys.stderr.write(result.stdout)
        if result.returncode != 0:
            if stream:
                raise PulumiError(f"`pulumi {' '.join(args)}` failed: see pulumi's output above")
            detail = (result.stderr or result.stdout or "").strip().splitlines()[-5:]
            raise PulumiError(f"`pulumi {' '.join(args)}` failed: " + " | ".join(detail))
        return result.stdout

    def _json(self, args: list[str]) -> Any:
        out = self._run([*args, "--json"])
        try:
            return json.loads(out or "null")
        except json.JSONDecodeError:
            raise PulumiError(f"`pulumi {' '.join(args)} --json` did not print JSON") from None

    def stacks(self) -> list[str]:
        """The project's stack names (`org/project/` prefixes of some backends dropped)."""
        return [str(s.get("name", "")).split("/")[-1] for s in self._json(["stack", "ls"]) or []]

    def history(self, stack: str) -> list[dict[str, Any]]:
        """Every update of the stack, newest first, each with the config it ran with."""
        updates: list[dict[str, Any]] = []
        page = 1
        while True:
            batch = self._json(
                [
                    "stack",
                    "history",
                    "--stack",
                    stack,
                    "--page-size",
                    str(HISTORY_PAGE),
                    "--page",
                    str(page),
                ]
            )
            updates.extend(batch or [])
            if len(batch or []) < HISTORY_PAGE:
                return updates
            page += 1

    def init(self, stack: str, secrets_provider: str | None) -> None:
        provider = ["--secrets-provider", secrets_provider] if secrets_provider else []
        self._run(["stack", "init", "--stack", stack, "--no-select", *provider])

    def refresh_config(self, stack: str, config_file: Path) -> None:
        """Write the config (and secrets provider) of the stack's latest deployment to a file."""
        self._run(
            ["config", "refresh", "--stack", stack, "--config-file", str(config_file), "--force"]
        )

    def export(self, stack: str) -> dict[str, Any]:
        """The stack's state: the resources Pulumi manages, with their IDs and protection."""
        out = self._run(["stack", "export", "--stack", stack])
        try:
            return dict(json.loads(out or "{}"))
        except (json.JSONDecodeError, TypeError, ValueError):
            raise PulumiError(f"`pulumi stack export --stack {stack}` did not print JSON") from None

    def up(self, stack: str, config_file: Path, policy: tuple[Path, Path] | None) -> None:
        policy_args = (
            ["--policy-pack", str(policy[0]), "--policy-pack-config", str(policy[1])]
            if policy
            else []
        )
        self._run(
            [
                "up",
                "--stack",
                stack,
                "--config-file",
                str(config_file),
                *policy_args,
                "--yes",
                "--skip-preview",
            ],
            stream=True,
        )

    def destroy(self, stack: str, config_file: Path) -> None:
        self._run(
            [
                "destroy",
                "--stack",
                stack,
                "--config-file",
                str(config_file),
                "--yes",
                "--skip-preview",
            ],
            stream=True,
        )

    def remove(self, stack: str) -> None:
        # --preserve-config: a stack file someone keeps in stacks/ is theirs, not ours to delete.
        self._run(["stack", "rm", "--stack", stack, "--yes", "--preserve-config"])
