"""A stand-in `pulumi` on PATH and a local ARM stand-in for the purge calls."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from fabml.sandbox.lifecycle import Sandboxes
from fabml.sandbox.pulumi_cli import PulumiCli
from infra.clients.arm import ArmClient
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

    def commands(self) -> list[str]:
        return [" ".join(a for a in c["args"] if not a.startswith("--"))[:40] for c in self.calls()]

    def seed(self, stack: str, tags: dict[str, str], outputs: dict[str, Any] | None = None) -> None:
        data = json.loads(self.state.read_text()) if self.state.exists() else {"stacks": {}}
        data["stacks"][stack] = {"tags": tags, "outputs": outputs or {}, "resources": 30}
        self.state.write_text(json.dumps(data))

    def stacks(self) -> dict[str, Any]:
        return json.loads(self.state.read_text())["stacks"] if self.state.exists() else {}


@pytest.fixture
def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakePulumi:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy(Path(__file__).with_name("fake_pulumi.py"), bin_dir / "pulumi")
    (bin_dir / "pulumi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    fake = FakePulumi(tmp_path / "pulumi-state.json", tmp_path / "pulumi-calls.jsonl")
    monkeypatch.setenv("FAKE_PULUMI_STATE", str(fake.state))
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(fake.log))
    return fake


@dataclass
class FakeArm:
    requests: list[tuple[str, str]] = field(default_factory=list)
    deleted_vaults: set[str] = field(default_factory=set)
    workspaces: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    polls: int = 0


API_VERSIONS = {
    "Microsoft.MachineLearningServices": "2025-12-01",
    "Microsoft.KeyVault": "2024-11-01",
}


def _handler(arm: FakeArm) -> type[JsonHandler]:
    class Handler(JsonHandler):
        def _route(self, method: str) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            arm.requests.append((method, self.path))
            if url.path.startswith("/operations/"):
                # Location polling: 202 while running, then 204 with no body.
                arm.polls += 1
                self.send_json(202 if arm.polls % 2 else 204, None, {"Retry-After": "0"})
                return
            provider = next((p for p in API_VERSIONS if f"/providers/{p}/" in url.path), None)
            if provider is None or query.get("api-version") != [API_VERSIONS[provider]]:
                arm.problems.append(f"{method} {self.path}")
                self.send_json(400, {"error": {"code": "InvalidApiVersion", "message": self.path}})
                return
            if self.headers.get("Authorization") != "Bearer t":
                arm.problems.append("no token")
            name = url.path.rstrip("/").split("/")[-1]
            accepted = {"Location": f"{self.base_url}/operations/1", "Retry-After": "0"}
            if provider == "Microsoft.MachineLearningServices":
                if method == "GET":
                    self.send_json(200 if name in arm.workspaces else 404, {"name": name})
                elif method == "DELETE" and query.get("forceToPurge") == ["true"]:
                    arm.workspaces.discard(name)
                    self.send_json(202, None, accepted)
                else:
                    arm.problems.append(f"workspace {method} without forceToPurge")
                    self.send_json(400, {"error": {"code": "BadRequest", "message": "soft delete"}})
            elif method == "GET" and "/deletedVaults/" in url.path:
                self.send_json(200 if name in arm.deleted_vaults else 404, {"name": name})
            elif method == "POST" and url.path.endswith("/purge"):
                arm.deleted_vaults.discard(url.path.split("/")[-2])
                self.send_json(202, None, accepted)
            else:
                arm.problems.append(f"unexpected {method} {self.path}")
                self.send_json(404, {"error": {"code": "NotFound", "message": self.path}})

        def do_GET(self) -> None:
            self._route("GET")

        def do_DELETE(self) -> None:
            self._route("DELETE")

        def do_POST(self) -> None:
            self._route("POST")

    return Handler


@pytest.fixture
def fake_arm() -> Iterator[tuple[FakeArm, ArmClient]]:
    arm = FakeArm()
    with serving(_handler(arm)) as base:
        client = ArmClient(
            endpoint=base, token=lambda scope: "t", sleep=lambda seconds: None, timeout_seconds=10
        )
        yield arm, client


@pytest.fixture
def sandboxes(fake_pulumi: FakePulumi, fake_arm: tuple[FakeArm, ArmClient]) -> Sandboxes:
    messages: list[str] = []
    return Sandboxes(
        PulumiCli(),
        arm=lambda: fake_arm[1],
        today=lambda: TODAY,
        progress=messages.append,
    )
