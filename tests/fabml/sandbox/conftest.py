"""A stand-in `pulumi` on PATH and a local ARM stand-in for the ownership checks and purges."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from fabml.sandbox.automation import Pulumi
from fabml.sandbox.lifecycle import Sandboxes
from infra.clients.arm import ArmClient
from infra.settings import StackSettings
from tests.conftest import REPO
from tests.local_server import JsonHandler, serving

TODAY = dt.date(2026, 11, 23)
SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"


@dataclass
class FakePulumi:
    state: Path
    log: Path

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def commands(self) -> list[list[str]]:
        """Each call's words without flags and the leading --non-interactive."""
        return [[a for a in c["args"] if not a.startswith("--")] for c in self.calls()]

    def seed(
        self,
        stack: str,
        tags: dict[str, str],
        outputs: dict[str, Any] | None = None,
        resources: list[str] | None = None,
    ) -> None:
        data = json.loads(self.state.read_text()) if self.state.exists() else {"stacks": {}}
        data["stacks"][stack] = {
            "tags": tags,
            "outputs": outputs or {},
            "secrets": [],
            "resources": resources or [],
            "apiVersions": {},
            "history": [],
        }
        self.state.write_text(json.dumps(data))

    def stacks(self) -> dict[str, Any]:
        return json.loads(self.state.read_text())["stacks"] if self.state.exists() else {}


@pytest.fixture
def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakePulumi:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    source = Path(__file__).with_name("fake_pulumi.py").read_text()
    # This interpreter: the stand-in imports the SDK's own types.
    (bin_dir / "pulumi").write_text(f"#!{sys.executable}\n{source}")
    (bin_dir / "pulumi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    fake = FakePulumi(tmp_path / "pulumi-state.json", tmp_path / "pulumi-calls.jsonl")
    monkeypatch.setenv("FAKE_PULUMI_STATE", str(fake.state))
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(fake.log))
    monkeypatch.setenv("FAKE_PULUMI_SDK", json.dumps(_sdk_constants()))
    return fake


def _sdk_constants() -> dict[str, str]:
    """What the stand-in answers with, from the SDK itself (see fake_pulumi.py)."""
    from pulumi._version import version
    from pulumi.automation._config import _SECRET_SENTINEL
    from pulumi.automation._stack import _DATETIME_FORMAT, ExecKind
    from pulumi.automation.events import OpType

    return {
        "version": str(version),
        "secret": _SECRET_SENTINEL,
        "datetime": _DATETIME_FORMAT,
        "execKind": ExecKind.LOCAL.value,
        "create": OpType.CREATE.value,
        "delete": OpType.DELETE.value,
    }


API_VERSIONS = {
    "Microsoft.Resources": "2024-03-01",
    "Microsoft.MachineLearningServices": "2025-12-01",
    "Microsoft.KeyVault": "2024-11-01",
}


@dataclass
class FakeArm:
    """Resource groups, ML workspaces and key vaults as ARM keeps them, soft deletes included.

    Names are case-insensitive (kept lower-case). Deleting a workspace without `forceToPurge`
    or deleting a vault (or their group) soft-deletes them: the name stays taken and a PUT of the
    same name answers 409, as ARM does, until the workspace is purged or the vault's
    `deletedVaults/{name}/purge` is called. A deleted vault keeps its id, location and tags.
    """

    requests: list[tuple[str, str]] = field(default_factory=list)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted_workspaces: set[str] = field(default_factory=set)
    deleted_vaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    polls: int = 0

    def put(self, path: str, tags: dict[str, str], location: str = "swedencentral") -> None:
        self.resources[path.lower()] = {"id": path, "location": location, "tags": tags}

    def soft_delete(self, path: str) -> None:
        resource = self.resources.pop(path.lower(), None)
        if resource is None:
            return
        name = path.lower().rstrip("/").split("/")[-1]
        if "/microsoft.machinelearningservices/workspaces/" in path.lower():
            self.deleted_workspaces.add(name)
        elif "/microsoft.keyvault/vaults/" in path.lower():
            self.deleted_vaults[name] = {
                "vaultId": resource["id"],
                "location": resource["location"],
                "tags": resource["tags"],
                "deletionDate": "2026-11-23T10:00:00Z",
                "scheduledPurgeDate": "2027-02-21T10:00:00Z",
                "purgeProtectionEnabled": False,
            }

    def mutating(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.requests if m != "GET"]


def _provider(path: str) -> str | None:
    if "/providers/" not in path:
        return "Microsoft.Resources" if "/resourcegroups/" in path.lower() else None
    return next((p for p in API_VERSIONS if f"/providers/{p}/".lower() in path.lower()), None)


def _handler(arm: FakeArm) -> type[JsonHandler]:
    class Handler(JsonHandler):
        def _route(self, method: str) -> None:  # noqa: PLR0912, PLR0915
            url = urlparse(self.path)
            query = parse_qs(url.query)
            path = url.path.rstrip("/")
            key = path.lower()
            arm.requests.append((method, self.path))
            if url.path.startswith("/operations/"):
                # Location polling: 202 while running, then 204 with no body.
                arm.polls += 1
                self.send_json(202 if arm.polls % 2 else 204, None, {"Retry-After": "0"})
                return
            provider = _provider(path)
            if provider is None or query.get("api-version") != [API_VERSIONS[provider]]:
                arm.problems.append(f"{method} {self.path}")
                self.send_json(400, {"error": {"code": "InvalidApiVersion", "message": self.path}})
                return
            if self.headers.get("Authorization") != "Bearer t":
                arm.problems.append("no token")
            name = key.split("/")[-1]
            accepted = {"Location": f"{self.base_url}/operations/1", "Retry-After": "0"}
            if "/deletedvaults/" in key:
                if method == "GET" and name in arm.deleted_vaults:
                    body = {"id": path, "name": name, "properties": arm.deleted_vaults[name]}
                    self.send_json(200, body)
                elif method == "POST" and key.endswith("/purge"):
                    vault = key.split("/")[-2]
                    if vault not in arm.deleted_vaults:
                        self.send_json(404, {"error": {"code": "ResourceNotFound"}})
                        return
                    arm.deleted_vaults.pop(vault)
                    self.send_json(202, None, accepted)
                else:
                    self.send_json(404, {"error": {"code": "ResourceNotFound", "message": path}})
                return
            if method == "GET":
                found = arm.resources.get(key)
                if found is None:
                    self.send_json(404, {"error": {"code": "ResourceNotFound", "message": path}})
                else:
                    self.send_json(200, {**found, "name": name})
            elif method == "PUT":
                body = self.read_json()
                taken = (
                    name in arm.deleted_workspaces
                    if provider == "Microsoft.MachineLearningServices"
                    else name in arm.deleted_vaults
                    if provider == "Microsoft.KeyVault"
                    else False
                )
                if taken:
                    self.send_json(
                        409,
                        {"error": {"code": "Conflict", "message": f"{name} is soft-deleted"}},
                    )
                    return
                arm.put(path, body.get("tags") or {}, body.get("location", "swedencentral"))
                self.send_json(200, {**arm.resources[key], "name": name})
            elif method == "DELETE":
                if key not in arm.resources:
                    self.send_json(204)
                    return
                if provider == "Microsoft.Resources":
                    for inner in [p for p in arm.resources if p.startswith(key + "/")]:
                        arm.soft_delete(inner)
                    arm.resources.pop(key)
                elif query.get("forceToPurge") == ["true"]:
                    arm.resources.pop(key)
                else:
                    arm.soft_delete(path)
                self.send_json(202, None, accepted)
            else:
                arm.problems.append(f"unexpected {method} {self.path}")
                self.send_json(405, {"error": {"code": "MethodNotAllowed", "message": path}})

        def do_GET(self) -> None:
            self._route("GET")

        def do_PUT(self) -> None:
            self._route("PUT")

        def do_DELETE(self) -> None:
            self._route("DELETE")

        def do_POST(self) -> None:
            self._route("POST")

    return Handler


@pytest.fixture
def fake_arm(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeArm, ArmClient]]:
    arm = FakeArm()
    with serving(_handler(arm)) as base:
        client = ArmClient(
            endpoint=base, token=lambda scope: "t", sleep=lambda seconds: None, timeout_seconds=10
        )
        monkeypatch.setenv("FAKE_PULUMI_ARM", base)
        yield arm, client


@pytest.fixture
def sandboxes(fake_pulumi: FakePulumi, fake_arm: tuple[FakeArm, ArmClient]) -> Sandboxes:
    messages: list[str] = []
    return Sandboxes(
        Pulumi(on_output=messages.append),
        arm=lambda: fake_arm[1],
        today=lambda: TODAY,
        progress=messages.append,
    )


def azure_resources(settings: StackSettings, subscription: str = SUBSCRIPTION) -> list[str]:
    """ARM paths of the stack's group, workspace and vault, as the program names them."""
    names = settings.names_in(subscription)
    group = f"/subscriptions/{subscription}/resourceGroups/{names.resource_group}"
    return [
        group,
        f"{group}/providers/Microsoft.MachineLearningServices/workspaces/{names.ml_workspace}",
        f"{group}/providers/Microsoft.KeyVault/vaults/{names.key_vault}",
    ]


def deploy_with(
    monkeypatch: pytest.MonkeyPatch, settings: StackSettings, subscription: str = SUBSCRIPTION
) -> None:
    """What the stand-in `pulumi up` creates in ARM for this stack, with its creation tags."""
    names = settings.names_in(subscription)
    paths = azure_resources(settings, subscription)
    body = {"location": settings.location, "tags": settings.tags}
    monkeypatch.setenv(
        "FAKE_PULUMI_RESOURCES",
        json.dumps([[p, v, body] for p, v in zip(paths, API_VERSIONS.values(), strict=True)]),
    )
    monkeypatch.setenv(
        "FAKE_PULUMI_OUTPUTS",
        json.dumps(
            {
                "subscriptionId": subscription,
                "resourceGroupName": names.resource_group,
                "workspaceName": names.ml_workspace,
            }
        ),
    )


def git_status() -> str:
    """The checkout's changes and untracked files: what a command must leave as it found it."""
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
