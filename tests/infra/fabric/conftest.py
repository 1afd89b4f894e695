"""A local Fabric REST stand-in that checks every request against the published OpenAPI."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from infra.clients.fabric import FabricClient
from tests.fabric_spec import FabricSpec
from tests.local_server import JsonHandler, serving

SPEC = FabricSpec()
WORKSPACE = "11111111-aaaa-4aaa-8aaa-111111111111"
LAKEHOUSE = "22222222-bbbb-4bbb-8bbb-222222222222"


@dataclass
class FakeFabric:
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    shortcuts: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    pipelines: dict[str, dict[str, Any]] = field(default_factory=dict)
    operations: dict[str, int] = field(default_factory=dict)  # polls seen per operation
    results: dict[str, str] = field(default_factory=dict)  # operation -> created pipeline
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    throttle: set[str] = field(default_factory=set)  # "METHOD /path" answered 429 once
    fail: dict[str, tuple[int, str]] = field(default_factory=dict)
    page_size: int = 100
    ids: Iterator[int] = field(default_factory=itertools.count)

    def new_id(self) -> str:
        return str(uuid.UUID(int=next(self.ids) + 1))

    def page(self, items: list[dict[str, Any]], path: str, query: str) -> dict[str, Any]:
        start = int(query.removeprefix("continuationToken=") or 0) if query else 0
        body: dict[str, Any] = {"value": items[start : start + self.page_size]}
        if start + self.page_size < len(items):
            body["continuationToken"] = str(start + self.page_size)
            body["continuationUri"] = f"{path}?continuationToken={start + self.page_size}"
        return body


def _error(code: str, message: str) -> dict[str, Any]:
    return {"errorCode": code, "message": message, "requestId": str(uuid.uuid4())}


def _handler(fake: FakeFabric) -> type[JsonHandler]:
    class Handler(JsonHandler):
        def _route(self, method: str) -> None:
            url = urlparse(self.path)
            body = (
                self.read_json() if self.headers.get("Content-Length") not in (None, "0") else None
            )
            fake.requests.append((method, self.path, body))
            if self.headers.get("Authorization") != "Bearer fabric-token":
                fake.problems.append(f"{method} {self.path}: no Fabric token")
            fake.problems.extend(
                SPEC.check(method, f"https://api.fabric.microsoft.com{self.path}", body)
            )
            key = f"{method} {url.path}"
            if key in fake.throttle:
                fake.throttle.discard(key)
                self.send_json(429, _error("RequestBlocked", "throttled"), {"Retry-After": "2"})
                return
            if key in fake.fail:
                status, code = fake.fail.pop(key)
                self.send_json(status, _error(code, f"{code} for {url.path}"))
                return
            parts = [unquote(p) for p in url.path.split("/")[2:]]  # after /v1
            self._dispatch(method, parts, body, url)

        def _dispatch(self, method: str, parts: list[str], body: Any, url: Any) -> None:  # noqa: PLR0912 - the route table
            match (method, parts):
                case ("GET", ["connections"]):
                    self.send_json(
                        200,
                        fake.page(
                            list(fake.connections.values()), self.base_url + url.path, url.query
                        ),
                    )
                case ("POST", ["connections"]):
                    cid = fake.new_id()
                    fake.connections[cid] = {
                        "id": cid,
                        "displayName": body["displayName"],
                        "connectivityType": body["connectivityType"],
                        "connectionDetails": {
                            "type": body["connectionDetails"]["type"],
                            "path": body["connectionDetails"]["parameters"][1]["value"],
                        },
                        "privacyLevel": "Organizational",
                        "credentialDetails": {
                            "credentialType": body["credentialDetails"]["credentials"][
                                "credentialType"
                            ],
                            "singleSignOnType": "None",
                            "connectionEncryption": "NotEncrypted",
                            "skipTestConnection": False,
                        },
                    }
                    self.send_json(201, fake.connections[cid])
                case ("GET" | "PATCH" | "DELETE", ["connections", cid]):
                    self._item(method, fake.connections, cid, body)
                case ("POST", ["workspaces", _, "items", _, "shortcuts"]):
                    existed = body["name"] in fake.shortcuts
                    fake.shortcuts[body["name"]] = body
                    self.send_json(200 if existed else 201, body)
                case ("GET" | "DELETE", ["workspaces", _, "items", _, "shortcuts", _, name]):
                    self._item(method, fake.shortcuts, name, body)
                case ("GET", ["workspaces", _, "roleAssignments"]):
                    self.send_json(
                        200,
                        fake.page(list(fake.roles.values()), self.base_url + url.path, url.query),
                    )
                case ("POST", ["workspaces", _, "roleAssignments"]):
                    rid = fake.new_id()
                    fake.roles[rid] = {
                        "id": rid,
                        "principal": body["principal"],
                        "role": body["role"],
                    }
                    self.send_json(201, fake.roles[rid])
                case ("GET" | "PATCH" | "DELETE", ["workspaces", _, "roleAssignments", rid]):
                    self._item(method, fake.roles, rid, body)
                case ("GET", ["workspaces", ws, "dataPipelines"]):
                    self.send_json(
                        200,
                        fake.page(
                            list(fake.pipelines.values()), self.base_url + url.path, url.query
                        ),
                    )
                case ("POST", ["workspaces", ws, "dataPipelines"]):
                    pid, op = fake.new_id(), fake.new_id()
                    fake.pipelines[pid] = {
                        "id": pid,
                        "displayName": body["displayName"],
                        "type": "DataPipeline",
                        "workspaceId": ws,
                        "definition": body["definition"],
                    }
                    fake.operations[op] = 0
                    self.send_json(
                        202,
                        None,
                        {
                            "Location": f"{self.base_url}/v1/operations/{op}",
                            "x-ms-operation-id": op,
                            "Retry-After": "0",
                        },
                    )
                    fake.results[op] = pid
                case ("POST", ["workspaces", _, "dataPipelines", pid, "updateDefinition"]):
                    fake.pipelines[pid]["definition"] = body["definition"]
                    self.send_json(200, None)
                case ("GET" | "PATCH" | "DELETE", ["workspaces", _, "dataPipelines", pid]):
                    self._item(method, fake.pipelines, pid, body)
                case ("GET", ["operations", op]):
                    fake.operations[op] += 1
                    status = "Running" if fake.operations[op] < 2 else "Succeeded"
                    self.send_json(
                        200,
                        {
                            "status": status,
                            "createdTimeUtc": "2026-11-23T00:00:00Z",
                            "lastUpdatedTimeUtc": "2026-11-23T00:00:00Z",
                            "percentComplete": 100 if status == "Succeeded" else 50,
                        },
                        {"Retry-After": "0", "x-ms-operation-id": op},
                    )
                case ("GET", ["operations", op, "result"]):
                    pid = fake.results[op]
                    item = {k: v for k, v in fake.pipelines[pid].items() if k != "definition"}
                    self.send_json(200, item)
                case _:
                    fake.problems.append(f"no route for {method} {url.path}")
                    self.send_json(404, _error("EntityNotFound", url.path))

        def _item(self, method: str, items: dict[str, Any], key: str, body: Any) -> None:
            if key not in items:
                self.send_json(404, _error("EntityNotFound", f"{key} not found"))
            elif method == "DELETE":
                del items[key]
                self.send_json(200, None)
            elif method == "PATCH":
                items[key].update(body)
                self.send_json(200, items[key])
            else:
                self.send_json(200, {k: v for k, v in items[key].items() if k != "definition"})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PATCH(self) -> None:
            self._route("PATCH")

        def do_DELETE(self) -> None:
            self._route("DELETE")

    return Handler


@pytest.fixture
def fabric() -> Iterator[tuple[FakeFabric, FabricClient, list[float]]]:
    fake = FakeFabric()
    slept: list[float] = []
    with serving(_handler(fake)) as base:
        client = FabricClient(
            base_url=f"{base}/v1",
            token=lambda scope: "fabric-token",
            sleep=slept.append,
            timeout_seconds=10,
        )
        yield fake, client, slept
