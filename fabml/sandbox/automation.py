"""Stacks driven through Pulumi's Automation API (`pulumi.automation`), with clear failures.

Two kinds of workspace, because `LocalWorkspace` keeps a stack's config in
`<work dir>/Pulumi.<stack>.yaml` and ignores `stackConfigDir` (pulumi/pulumi#10305):

- a stack with a file in `stacks/` (dev, prod) is read and destroyed from the checkout itself,
  where the CLI reads that file (and its secrets provider settings) through `stackConfigDir`;
  nothing is written;
- whenever the tool sets a stack's config (sandboxes, made from the template), it works from a
  scratch folder holding a copy of `Pulumi.yaml` whose `main` is a link to the program, so the
  config `set_all_config` writes lands there and the checkout stays clean, even if a file of that
  stack's name sits in `stacks/`. Secrets providers that keep state in the stack
  file (a passphrase's salt) are recovered by the CLI from the stack's state.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.errors import UserError
from infra.settings import REPO_ROOT

PROGRAM_LINK = "program"


class PulumiError(UserError):
    """The Pulumi CLI is missing or one of its commands failed."""


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")


@dataclass
class Pulumi:
    """What the tool asks of Pulumi: list, tag, configure, deploy, destroy, remove, read outputs."""

    root: Path = REPO_ROOT
    # Pulumi's own progress lines: to stderr, so stdout stays for results and --json.
    on_output: Callable[[str], None] = _stderr
    # The secrets provider of a stack this object creates (`pulumi stack init
    # --secrets-provider`); None: the backend's default (a passphrase on a self-managed backend).
    secrets_provider: str | None = None
    # One PulumiCommand (it runs `pulumi version` when made) for all of this object's workspaces.
    _command: Any = field(default=None, init=False, repr=False)

    @contextlib.contextmanager
    def workspace(
        self, command: str, stack: str | None = None, *, sets_config: bool = False
    ) -> Iterator[Any]:
        """A LocalWorkspace for `stack`; failures of `command` come out as one PulumiError."""
        from pulumi import automation as auto

        stack_file = self.root / _stack_config_dir(self.root) / f"Pulumi.{stack}.yaml"
        with _errors(command), contextlib.ExitStack() as scope:
            if self._command is None:
                self._command = auto.PulumiCommand()
            if stack is not None and stack_file.exists() and not sets_config:
                yield auto.LocalWorkspace(work_dir=str(self.root), pulumi_command=self._command)
                return
            folder = Path(scope.enter_context(tempfile.TemporaryDirectory(prefix="fabml-")))
            (folder / PROGRAM_LINK).symlink_to(self.root / _project(self.root)["main"])
            yield auto.LocalWorkspace(
                work_dir=str(folder),
                project_settings=_scratch_project(self.root),
                pulumi_command=self._command,
                secrets_provider=self.secrets_provider,
            )

    def stacks(self) -> list[str]:
        with self.workspace("stack ls") as ws:
            return [summary.name.split("/")[-1] for summary in ws.list_stacks()]

    def tags(self, stack: str) -> dict[str, str]:
        with self.workspace(f"stack tag ls --stack {stack}", stack) as ws:
            return dict(ws.list_tags(stack))

    def outputs(self, stack: str) -> dict[str, Any]:
        from pulumi import automation as auto

        with self.workspace(f"stack output --stack {stack}", stack) as ws:
            selected = auto.Stack.select(stack, ws)
            return {key: output.value for key, output in selected.outputs().items()}

    def up(self, stack: str, config: Mapping[str, str], tags: Mapping[str, str]) -> None:
        """Create the stack if need be, tag it, set its whole config, deploy it.

        Tags go on before `up`, so a deployment that fails half-way still leaves a stack that
        `sandbox list` shows and `reap` removes.
        """
        from pulumi import automation as auto

        with self.workspace(f"up --stack {stack}", stack, sets_config=True) as ws:
            selected = auto.Stack.create_or_select(stack, ws)
            for key, value in tags.items():
                ws.set_tag(stack, key, value)
            selected.set_all_config(_config(config))
            selected.up(on_output=self.on_output)

    def destroy(self, stack: str, config: Mapping[str, str] | None = None) -> None:
        """`pulumi destroy`; `config` for a stack whose config is not in stacks/."""
        from pulumi import automation as auto

        with self.workspace(
            f"destroy --stack {stack}", stack, sets_config=config is not None
        ) as ws:
            selected = auto.Stack.select(stack, ws)
            if config is not None:
                selected.set_all_config(_config(config))
            selected.destroy(on_output=self.on_output)

    def remove(self, stack: str) -> None:
        with self.workspace(f"stack rm {stack}", stack) as ws:
            ws.remove_stack(stack)


def _config(values: Mapping[str, str]) -> dict[str, Any]:
    from pulumi import automation as auto

    return {key: auto.ConfigValue(value) for key, value in values.items()}


def _project(root: Path) -> dict[str, Any]:
    return yaml.safe_load((root / "Pulumi.yaml").read_text())


def _stack_config_dir(root: Path) -> str:
    return str(_project(root).get("stackConfigDir") or ".")


def _scratch_project(root: Path) -> Any:
    """The checkout's Pulumi.yaml for a scratch folder: same project, program reached by link."""
    from pulumi import automation as auto

    project = _project(root)
    project.pop("stackConfigDir", None)
    project["main"] = PROGRAM_LINK
    runtime = project.get("runtime")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    if isinstance(options, dict) and options.get("virtualenv"):
        # The same virtualenv as the checkout (a relative path would resolve in the scratch dir).
        options["virtualenv"] = str((root / str(options["virtualenv"])).resolve())
    return auto.ProjectSettings.from_dict(project)


@contextlib.contextmanager
def _errors(command: str) -> Iterator[None]:
    """Automation API failures as one clear line each, naming the command."""
    from pulumi.automation import errors

    try:
        yield
    except FileNotFoundError as error:
        # PulumiCommand() runs `pulumi version` first: a missing CLI ends up here.
        if "pulumi" not in str(error.filename):
            raise
        raise PulumiError(
            "the pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/)"
        ) from None
    except errors.InvalidVersionError as error:
        raise PulumiError(f"pulumi CLI: {error}") from None
    except errors.CommandError as error:
        # The SDK keeps only the text "code: N / stdout: ... / stderr: ...": the last lines of
        # stderr (or stdout) say what went wrong.
        text = str(error)
        stderr = text.split("\n stderr: ", 1)[1] if "\n stderr: " in text else text
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        raise PulumiError(f"`pulumi {command}` failed: " + " | ".join(lines[-3:])) from None
