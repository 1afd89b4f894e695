"""A stand-in for the `pulumi` CLI: exactly the command lines `pulumi.automation` runs.

Each command line below is the one the SDK builds (pulumi/automation/_local_workspace.py,
_stack.py, _cmd.py: `--non-interactive` first, `--stack` last); anything else fails, as an
unknown command line would with the real CLI. Answers are the JSON the SDK parses, with its own
constants (secret sentinel, timestamp format, exec kind, operation types).

Like the CLI it needs a `Pulumi.yaml` in its working directory and keeps stack config in
`<stackConfigDir>/Pulumi.<stack>.yaml` (written on `stack init` and `config set-all`, removed by
`stack rm`). State lives in $FAKE_PULUMI_STATE; each call is appended to $FAKE_PULUMI_LOG.
`up` stores $FAKE_PULUMI_OUTPUTS as outputs and, with $FAKE_PULUMI_ARM, creates each resource of
$FAKE_PULUMI_RESOURCES ([path, api-version, body] in order) through that ARM endpoint, as
azure-native would; `destroy` deletes them in reverse order (a plain delete: ARM soft-deletes).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, NoReturn

import yaml

STATE = Path(os.environ["FAKE_PULUMI_STATE"])
LOG = Path(os.environ["FAKE_PULUMI_LOG"])
# The SDK's own constants, read from pulumi.automation by conftest.py (importing the SDK here
# would cost most of a second per call): its version, the secret sentinel, the timestamp
# format, the local exec kind (the tool runs the checkout's program, never an inline one) and
# the operation types.
SDK = json.loads(os.environ["FAKE_PULUMI_SDK"])
sdk_version = SDK["version"]
_SECRET_SENTINEL = SDK["secret"]
_DATETIME_FORMAT = SDK["datetime"]
EXEC_KIND = SDK["execKind"]
CREATE, DELETE = SDK["create"], SDK["delete"]


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(255)


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime(_DATETIME_FORMAT)


class Cli:
    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state
        self.stacks: dict[str, Any] = state["stacks"]
        cwd = Path.cwd()
        if not (cwd / "Pulumi.yaml").is_file():
            fail(f"no Pulumi.yaml project file found (searching upwards from {cwd})")
        self.project = yaml.safe_load((cwd / "Pulumi.yaml").read_text())
        self.config_dir = cwd / str(self.project.get("stackConfigDir") or ".")

    def stack(self, name: str) -> dict[str, Any]:
        if name not in self.stacks:
            fail(f"no stack named '{name}' found")
        return self.stacks[name]

    def config_file(self, name: str) -> Path:
        return self.config_dir / f"Pulumi.{name}.yaml"

    def read_config(self, name: str) -> dict[str, Any]:
        path = self.config_file(name)
        return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}

    def write_config(self, name: str, document: dict[str, Any]) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.config_file(name).write_text(yaml.safe_dump(document, sort_keys=True))

    def history(self, name: str, kind: str, result: str, changes: dict[str, int]) -> None:
        self.stack(name)["history"].insert(
            0,
            {
                "kind": kind,
                "startTime": now(),
                "endTime": now(),
                "message": "",
                "environment": {"exec.kind": EXEC_KIND},
                "config": {},
                "result": result,
                "version": len(self.stack(name)["history"]) + 1,
                "resourceChanges": changes,
            },
        )

    # -- the command lines ------------------------------------------------------------------

    def stack_ls(self) -> None:
        print(
            json.dumps(
                [
                    {
                        "name": name,
                        "current": False,
                        "updateInProgress": False,
                        "resourceCount": len(s["resources"]),
                    }
                    for name, s in sorted(self.stacks.items())
                ]
            )
        )

    def stack_init(self, name: str, secrets_provider: str | None = None) -> None:
        if name in self.stacks:
            fail(f"stack '{name}' already exists")
        self.stacks[name] = {
            "secretsProvider": secrets_provider or "default",
            "tags": {},
            "outputs": {},
            "secrets": [],
            "resources": [],
            "history": [],
        }
        # A passphrase secrets provider keeps its salt in the stack's config file.
        self.write_config(name, {"encryptionsalt": "v1:c2FsdA==:v1:fake"})

    def config_set_all(self, name: str, pairs: list[str]) -> None:
        self.stack(name)
        document = self.read_config(name)
        config = document.setdefault("config", {})
        for flag, pair in zip(pairs[::2], pairs[1::2], strict=True):
            if flag not in ("--plaintext", "--secret") or "=" not in pair:
                fail(f"config set-all: expected --plaintext|--secret key=value, got {flag} {pair}")
            key, value = pair.split("=", 1)
            config[key] = {"secure": "v1:fake"} if flag == "--secret" else value
        self.write_config(name, document)

    def up(self, name: str, entry: dict[str, Any]) -> None:
        stack = self.stack(name)
        main = Path.cwd() / str(self.project.get("main") or ".")
        if not (main / "__main__.py").is_file():
            fail(f"project 'main' could not be read: {main}")
        venv = (self.project.get("runtime") or {}).get("options", {}).get("virtualenv")
        if venv and not (Path.cwd() / venv / "bin" / "python").exists():
            fail(f"The 'virtualenv' option in Pulumi.yaml is {venv!r}, which does not exist")
        entry["config"] = self.read_config(name).get("config", {})
        entry["config_file"] = str(self.config_file(name))
        entry["project"] = self.project
        entry["main"] = str(main.resolve())
        print(f"Updating ({name})")
        resources = json.loads(os.environ.get("FAKE_PULUMI_RESOURCES", "[]"))
        for path, api_version, body in resources:
            if path not in stack["resources"]:
                arm("PUT", path, api_version, body, on_error=lambda e: self._failed(name, e))
                stack["resources"].append(path)
        stack["outputs"] = json.loads(os.environ.get("FAKE_PULUMI_OUTPUTS", "{}"))
        stack["secrets"] = json.loads(os.environ.get("FAKE_PULUMI_SECRETS", "[]"))
        stack["apiVersions"] = {p: v for p, v, _ in resources}
        self.history(name, "update", "succeeded", {CREATE: len(resources)})

    def _failed(self, name: str, message: str) -> NoReturn:
        self.history(name, "update", "failed", {})
        self.save()
        fail(message)

    def destroy(self, name: str) -> None:
        stack = self.stack(name)
        if os.environ.get("FAKE_PULUMI_PROTECTED") == name:
            fail("resource is protected; refusing to delete it")
        print(f"Destroying ({name})")
        count = len(stack["resources"])
        for path in reversed(stack["resources"]):
            arm("DELETE", path, stack["apiVersions"][path], None, on_error=fail)
        stack.update(resources=[], outputs={}, secrets=[])
        self.history(name, "destroy", "succeeded", {DELETE: count})

    def stack_output(self, name: str, show_secrets: bool) -> None:
        stack = self.stack(name)
        print(
            json.dumps(
                {
                    key: value if show_secrets or key not in stack["secrets"] else _SECRET_SENTINEL
                    for key, value in stack["outputs"].items()
                }
            )
        )

    def stack_history(self, name: str) -> None:
        print(json.dumps(self.stack(name)["history"][:1]))

    def stack_rm(self, name: str) -> None:
        if self.stack(name)["resources"]:
            fail(f"'{name}' still has resources; removal rejected. Use --force to override.")
        del self.stacks[name]
        self.config_file(name).unlink(missing_ok=True)

    def save(self) -> None:
        STATE.write_text(json.dumps(self.state))


def arm(method: str, path: str, api_version: str, body: Any, on_error: Any) -> None:
    base = os.environ.get("FAKE_PULUMI_ARM")
    if not base:
        return
    request = urllib.request.Request(
        f"{base}{path}?api-version={api_version}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
    )
    try:
        urllib.request.urlopen(request, timeout=10).read()
    except urllib.error.HTTPError as error:
        on_error(f"{method} {path}: {error.code} {error.read().decode()}")


def main(argv: list[str]) -> None:
    entry: dict[str, Any] = {"args": argv, "cwd": os.getcwd()}
    try:
        if argv == ["version"]:  # PulumiCommand() checks the version before anything else
            print(f"v{sdk_version}")
            return
        if argv[:1] != ["--non-interactive"] or os.environ.get("PULUMI_AUTOMATION_API") != "true":
            fail(f"not a command line pulumi.automation runs: {argv}")
        state = json.loads(STATE.read_text()) if STATE.exists() else {"stacks": {}}
        cli = Cli(state)
        run(cli, argv[1:], entry)
        cli.save()
    finally:
        with LOG.open("a") as log:
            log.write(json.dumps(entry) + "\n")


def run(cli: Cli, args: list[str], entry: dict[str, Any]) -> None:  # noqa: PLR0912
    last = args[-1] if args else ""
    stack_last = args[-2:-1] == ["--stack"]
    if args == ["stack", "ls", "--json"]:
        cli.stack_ls()
    elif args == ["stack", "select", "--stack", last]:
        cli.stack(last)
    elif args[:2] == ["stack", "init"] and len(args) in (3, 5):
        # `stack init NAME [--secrets-provider URL]`, as LocalWorkspace.create_stack sends it.
        if len(args) == 5 and args[3] != "--secrets-provider":
            fail(f"unknown command line: {args}")
        cli.stack_init(args[2], secrets_provider=args[4] if len(args) == 5 else None)
    elif args == ["stack", "rm", "--yes", last]:
        cli.stack_rm(last)
    elif stack_last and args[:-2] == ["stack", "tag", "ls", "--json"]:
        print(json.dumps(cli.stack(last)["tags"]))
    elif stack_last and args[:3] == ["stack", "tag", "set"] and len(args) == 7:
        cli.stack(last)["tags"][args[3]] = args[4]
    elif args[:4] == ["config", "set-all", "--stack", args[3] if len(args) > 3 else ""]:
        cli.config_set_all(args[3], args[4:])
    elif stack_last and args[:-2] == ["up", "--yes", "--skip-preview", "--exec-kind", EXEC_KIND]:
        cli.up(last, entry)
    elif stack_last and args[:-2] == [
        "destroy",
        "--skip-preview",
        "--yes",
        "--exec-kind",
        EXEC_KIND,
    ]:
        cli.destroy(last)
    elif stack_last and args[:-2] == ["stack", "output", "--json"]:
        cli.stack_output(last, show_secrets=False)
    elif stack_last and args[:-2] == ["stack", "output", "--json", "--show-secrets"]:
        cli.stack_output(last, show_secrets=True)
    elif stack_last and args[:-2] == [
        "stack",
        "history",
        "--json",
        "--show-secrets",
        "--page-size",
        "1",
        "--page",
        "1",
    ]:
        cli.stack_history(last)
    else:
        fail(f"the stand-in pulumi does not know this command line: {' '.join(args)}")


if __name__ == "__main__":
    main(sys.argv[1:])
