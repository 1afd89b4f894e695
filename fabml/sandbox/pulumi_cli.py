"""The Pulumi CLI, called directly: every command sandboxes need, with clear failures.

The Automation API would call the same binary; calling it directly keeps each command
explicit (and testable with a stand-in `pulumi` on PATH). Stack config is passed as a file:
`--config-file`, since a sandbox's config is made from the template, not kept in stacks/.
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


class PulumiError(UserError):
    """The Pulumi CLI is missing or a command failed."""


@dataclass
class PulumiCli:
    cwd: Path = REPO_ROOT
    binary: str = "pulumi"

    def _run(self, args: list[str], *, stream: bool = False) -> str:
        executable = shutil.which(self.binary)
        if executable is None:
            raise PulumiError(
                "the pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/)"
            )
        command = [executable, *args, "--non-interactive"]
        result = subprocess.run(
            command,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=None if stream else subprocess.PIPE,
            text=True,
            check=False,
        )
        if stream and result.stdout:
            sys.stderr.write(result.stdout)  # progress of long steps, kept off stdout
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

    def stacks(self) -> list[dict[str, Any]]:
        return list(self._json(["stack", "ls"]) or [])

    def init(self, stack: str) -> None:
        self._run(["stack", "init", stack])

    def set_tags(self, stack: str, tags: dict[str, str]) -> None:
        for key, value in tags.items():
            self._run(["stack", "tag", "set", key, value, "--stack", stack])

    def tags(self, stack: str) -> dict[str, str]:
        return dict(self._json(["stack", "tag", "ls", "--stack", stack]) or {})

    def outputs(self, stack: str) -> dict[str, Any]:
        return dict(self._json(["stack", "output", "--stack", stack]) or {})

    def up(self, stack: str, config_file: Path) -> None:
        self._run(
            ["up", "--stack", stack, "--config-file", str(config_file), "--yes", "--skip-preview"],
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
        self._run(["stack", "rm", stack, "--yes"])
