"""The default-deployment resource against a local ARM stand-in on 127.0.0.1.

The stand-in checks what ARM checks first: method, path, api-version, a bearer token and the
body's shape (the BatchEndpoints_Update PATCH body), and answers like ARM, including a
long-running 202 with Azure-AsyncOperation and Retry-After, and ARM's error envelope.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from infra.clients.arm import ArmClient, ArmError
from infra.components.default_deployment import API_VERSION, DefaultDeploymentProvider
from tests.local_server import JsonHandler, serving

ENDPOINT_ID = (
    "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/"
    "workspaces/ws/batchEndpoints/heart"
)


class FakeArm:
    def __init__(self) -> None:
        self.defaults: str | None = None
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self.long_running = False
        self.fail_with: tuple[int, str] | None = None
        self.polls = 0


def _handler(arm: FakeArm) -> type[JsonHandler]:
    class Handler(JsonHandler):
        def _check(self) -> str | None:
            url = urlparse(self.path)
            if self.headers.get("Authorization") != "Bearer test-token":
                return "missing bearer token"
            if url.path.startswith("/operations/"):
                return None
            if parse_qs(url.query).get("api-version") != [API_VERSION]:
                return f"api-version {parse_qs(url.query).get('api-version')}"
            if url.path != ENDPOINT_ID:
                return f"unexpected path {url.path}"
            return None

        def do_GET(self) -> None:
            problem = self._check()
            arm.requests.append(("GET", self.path, None))
            if problem:
                self.send_json(400, {"error": {"code": "BadRequest", "message": problem}})
            elif self.path.startswith("/operations/"):
                arm.polls += 1
                status = "Succeeded" if arm.polls >= 2 else "InProgress"
                self.send_json(200, {"status": status}, {"Retry-After": "1"})
            else:
                defaults = {"deploymentName": arm.defaults} if arm.defaults else {}
                self.send_json(200, {"id": ENDPOINT_ID, "properties": {"defaults": defaults}})

        def do_PATCH(self) -> None:
            body = self.read_json()
            arm.requests.append(("PATCH", self.path, body))
            problem = self._check()
            if problem is None and self.headers.get("Content-Type") != "application/json":
                problem = "content type"
            if problem is None and set(body) != {"properties"}:
                problem = f"unexpected body keys {sorted(body)}"
            if problem:
                self.send_json(400, {"error": {"code": "BadRequest", "message": problem}})
                return
            if arm.fail_with:
                code, message = arm.fail_with
                self.send_json(code, {"error": {"code": "UserError", "message": message}})
                return
            arm.defaults = body["properties"]["defaults"]["deploymentName"]
            if arm.long_running:
                self.send_json(
                    202,
                    None,
                    {
                        "Azure-AsyncOperation": f"{self.base_url}/operations/op-1",
                        "Retry-After": "3",
                    },
                )
            else:
                self.send_json(200, {"id": ENDPOINT_ID})

    return Handler


@pytest.fixture
def arm() -> Iterator[tuple[FakeArm, ArmClient, list[float]]]:
    fake = FakeArm()
    slept: list[float] = []
    with serving(_handler(fake)) as base:
        client = ArmClient(
            endpoint=base, token=lambda scope: "test-token", sleep=slept.append, timeout_seconds=30
        )
        yield fake, client, slept


PROPS = {"endpoint_id": ENDPOINT_ID, "deployment_name": "blue", "endpoint_spec": "{}"}


def test_create_patches_the_endpoint_defaults(arm: tuple[FakeArm, ArmClient, list[float]]) -> None:
    fake, client, _ = arm
    result = DefaultDeploymentProvider(client).create(dict(PROPS))
    assert fake.defaults == "blue"
    method, _, body = fake.requests[-1]
    assert method == "PATCH"
    assert body == {"properties": {"defaults": {"deploymentName": "blue"}}}
    assert result.id == f"{ENDPOINT_ID}/defaults"
    assert result.outs == PROPS


def test_long_running_update_is_followed_honouring_retry_after(
    arm: tuple[FakeArm, ArmClient, list[float]],
) -> None:
    fake, client, slept = arm
    fake.long_running = True
    DefaultDeploymentProvider(client).update(
        "id", dict(PROPS), {**PROPS, "deployment_name": "green"}
    )
    assert fake.defaults == "green"
    assert fake.polls == 2
    assert slept == [3.0, 1.0]


def test_read_reports_drift(arm: tuple[FakeArm, ArmClient, list[float]]) -> None:
    fake, client, _ = arm
    fake.defaults = "someone-elses"
    result = DefaultDeploymentProvider(client).read("id", dict(PROPS))
    assert result.outs is not None
    assert result.outs["deployment_name"] == "someone-elses"


def test_arm_errors_become_clear_messages(arm: tuple[FakeArm, ArmClient, list[float]]) -> None:
    fake, client, _ = arm
    fake.fail_with = (409, "Deployment blue does not exist")
    with pytest.raises(
        ArmError,
        match=r"PATCH .*batchEndpoints/heart: HTTP 409: UserError: "
        r"Deployment blue does not exist",
    ):
        DefaultDeploymentProvider(client).create(dict(PROPS))


def test_unreachable_arm_is_a_clear_error() -> None:
    client = ArmClient(endpoint="http://127.0.0.1:9", token=lambda scope: "t", sleep=lambda s: None)
    with pytest.raises(ArmError, match="cannot reach"):
        client.call("GET", ENDPOINT_ID, API_VERSION)


def test_diff_replaces_only_for_another_endpoint() -> None:
    provider = DefaultDeploymentProvider()
    same = provider.diff("id", dict(PROPS), dict(PROPS))
    assert same.changes is False
    renamed = provider.diff("id", dict(PROPS), {**PROPS, "deployment_name": "green"})
    assert renamed.changes is True
    assert renamed.replaces == []
    respec = provider.diff("id", dict(PROPS), {**PROPS, "endpoint_spec": '{"x": 1}'})
    assert respec.changes is True  # the endpoint was re-PUT: set the default again
    moved = provider.diff("id", dict(PROPS), {**PROPS, "endpoint_id": ENDPOINT_ID + "2"})
    assert moved.replaces == ["endpoint_id"]


def test_provider_survives_the_engines_serialization() -> None:
    # The engine stores the provider pickled in state and runs it in another process.
    serialized = serialize_provider(DefaultDeploymentProvider())
    restored = dill.loads(base64.b64decode(serialized))
    assert isinstance(restored, DefaultDeploymentProvider)
    assert restored.diff("id", dict(PROPS), dict(PROPS)).changes is False
