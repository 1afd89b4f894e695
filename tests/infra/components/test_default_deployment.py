"""The default-deployment resource against a local ARM stand-in on 127.0.0.1.

The stand-in checks what ARM checks first: method, path, api-version, a bearer token and the
body's shape, and answers like ARM: a GET returns the whole BatchEndpoint with its read-only
fields and an ETag; a PUT replaces the endpoint (If-Match checked, read-only fields refused)
and may run long (201 + Azure-AsyncOperation + Retry-After); a PATCH applies only what its
body type, PartialMinimalTrackedResourceWithIdentity, holds: tags and identity.
"""

from __future__ import annotations

import base64
import copy
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
READ_ONLY = {"id", "name", "type", "systemData", "etag"}
READ_ONLY_PROPERTIES = {"provisioningState", "scoringUri", "swaggerUri"}


def _endpoint() -> dict[str, Any]:
    """A batch endpoint as ARM returns it (2025-12-01), before any default is set."""
    return {
        "id": ENDPOINT_ID,
        "name": "heart",
        "type": "Microsoft.MachineLearningServices/workspaces/batchEndpoints",
        "systemData": {"createdBy": "someone", "createdAt": "2026-11-23T00:00:00Z"},
        "location": "westeurope",
        "tags": {"fabml:stack": "dev"},
        "identity": {"type": "SystemAssigned", "principalId": "p-1", "tenantId": "t-1"},
        "properties": {
            "authMode": "AADToken",
            "description": "Heart-classifier batch scoring",
            "properties": {"azureml.onlineendpointid": "x"},
            "provisioningState": "Succeeded",
            "scoringUri": "https://heart.westeurope.inference.ml.azure.com/jobs",
            "swaggerUri": "https://heart.westeurope.inference.ml.azure.com/swagger.json",
        },
    }


class FakeArm:
    def __init__(self) -> None:
        self.endpoint = _endpoint()
        self.etag: str | None = '"etag-1"'
        self.requests: list[tuple[str, str, dict[str, Any] | None, str | None]] = []
        self.long_running = False
        self.fail_with: tuple[int, str] | None = None
        self.polls = 0

    @property
    def defaults(self) -> str | None:
        return (self.endpoint["properties"].get("defaults") or {}).get("deploymentName")

    def azure_native_update(self) -> None:
        """What an azure-native update of the endpoint does: a PUT of its inputs, no defaults."""
        self.endpoint["properties"].pop("defaults", None)
        self.etag = '"etag-native"'


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

        def _bad(self, problem: str, status: int = 400, code: str = "BadRequest") -> None:
            self.send_json(status, {"error": {"code": code, "message": problem}})

        def do_GET(self) -> None:
            problem = self._check()
            arm.requests.append(("GET", self.path, None, None))
            if problem:
                self._bad(problem)
            elif self.path.startswith("/operations/"):
                arm.polls += 1
                status = "Succeeded" if arm.polls >= 2 else "InProgress"
                self.send_json(200, {"status": status}, {"Retry-After": "1"})
            else:
                self.send_json(200, arm.endpoint, {"ETag": arm.etag} if arm.etag else {})

        def do_PUT(self) -> None:
            body = self.read_json()
            if_match = self.headers.get("If-Match")
            arm.requests.append(("PUT", self.path, body, if_match))
            problem = self._check()
            if problem is None and self.headers.get("Content-Type") != "application/json":
                problem = "content type"
            if problem is None and READ_ONLY & set(body):
                problem = f"read-only fields {sorted(READ_ONLY & set(body))}"
            properties = body.get("properties") or {}
            if problem is None and READ_ONLY_PROPERTIES & set(properties):
                problem = f"read-only properties {sorted(READ_ONLY_PROPERTIES & set(properties))}"
            if problem is None and "authMode" not in properties:
                problem = "properties.authMode is required"
            if problem:
                self._bad(problem)
                return
            if if_match is not None and if_match != arm.etag:
                self._bad("the endpoint changed since it was read", 412, "PreconditionFailed")
                return
            if arm.fail_with:
                code, message = arm.fail_with
                self._bad(message, code, "UserError")
                return
            # A PUT replaces the resource: what the body leaves out is gone.
            kept = {k: arm.endpoint[k] for k in ("id", "name", "type", "systemData")}
            derived = {k: arm.endpoint["properties"][k] for k in ("scoringUri", "swaggerUri")}
            arm.endpoint = {**kept, **copy.deepcopy(body)}
            arm.endpoint["properties"].update(derived, provisioningState="Succeeded")
            arm.etag = f'"etag-{len(arm.requests)}"'
            if arm.long_running:
                headers = {
                    "Azure-AsyncOperation": f"{self.base_url}/operations/op-1",
                    "Retry-After": "3",
                }
                self.send_json(201, arm.endpoint, headers)
            else:
                self.send_json(200, arm.endpoint)

        def do_PATCH(self) -> None:
            body = self.read_json()
            arm.requests.append(("PATCH", self.path, body, self.headers.get("If-Match")))
            problem = self._check()
            if problem:
                self._bad(problem)
                return
            # BatchEndpoints_Update takes PartialMinimalTrackedResourceWithIdentity
            # (machinelearningservices 2025-12-01, mfe.json): `tags` and `identity` only.
            # Like ARM, anything else in the body (here `properties.defaults`) is not applied.
            for key in ("tags", "identity"):
                if key in body:
                    arm.endpoint[key] = body[key]
            self.send_json(200, arm.endpoint)

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


def test_create_puts_the_endpoint_back_with_only_the_default_changed(
    arm: tuple[FakeArm, ArmClient, list[float]],
) -> None:
    fake, client, _ = arm
    before = _endpoint()
    result = DefaultDeploymentProvider(client).create(dict(PROPS))
    assert fake.defaults == "blue"
    assert [(m, p.split("?")[0]) for m, p, _, _ in fake.requests] == [
        ("GET", ENDPOINT_ID),
        ("PUT", ENDPOINT_ID),
    ]
    _, _, body, if_match = fake.requests[-1]
    assert if_match == '"etag-1"'
    assert body is not None
    assert body["properties"] == {
        "authMode": "AADToken",
        "description": before["properties"]["description"],
        "properties": before["properties"]["properties"],
        "defaults": {"deploymentName": "blue"},
    }
    assert body["location"] == "westeurope"
    assert body["tags"] == before["tags"]
    assert body["identity"] == {"type": "SystemAssigned"}
    assert fake.endpoint["properties"]["description"] == before["properties"]["description"]
    assert result.id == f"{ENDPOINT_ID}/defaults"
    assert result.outs == PROPS


def test_a_patch_with_properties_does_not_set_the_default(
    arm: tuple[FakeArm, ArmClient, list[float]],
) -> None:
    # What the provider used to send: ARM's PATCH body has no `properties`, so nothing changes.
    fake, client, _ = arm
    body = {"properties": {"defaults": {"deploymentName": "blue"}}}
    client.call_and_wait("PATCH", ENDPOINT_ID, API_VERSION, body)
    assert fake.defaults is None


def test_without_an_etag_the_put_is_unconditional(
    arm: tuple[FakeArm, ArmClient, list[float]],
) -> None:
    fake, client, _ = arm
    fake.etag = None
    DefaultDeploymentProvider(client).create(dict(PROPS))
    assert fake.requests[-1][3] is None
    assert fake.defaults == "blue"


def test_long_running_put_is_followed_honouring_retry_after(
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
    # After the operation, ARM's final GET of the endpoint.
    assert fake.requests[-1][:2] == ("GET", f"{ENDPOINT_ID}?api-version={API_VERSION}")


def test_read_reports_drift(arm: tuple[FakeArm, ArmClient, list[float]]) -> None:
    fake, client, _ = arm
    fake.endpoint["properties"]["defaults"] = {"deploymentName": "someone-elses"}
    result = DefaultDeploymentProvider(client).read("id", dict(PROPS))
    assert result.outs is not None
    assert result.outs["deployment_name"] == "someone-elses"


def test_refresh_then_up_sets_a_lost_default_again(
    arm: tuple[FakeArm, ArmClient, list[float]],
) -> None:
    """The engine's steps for `up`, an endpoint update, `refresh`, `up` again."""
    fake, client, _ = arm
    provider = DefaultDeploymentProvider(client)
    state = provider.create(dict(PROPS)).outs
    assert fake.defaults == "blue"
    fake.azure_native_update()  # the endpoint re-PUT from its inputs: no defaults
    refreshed = provider.read("id", dict(state or {})).outs or {}
    assert refreshed["deployment_name"] is None
    diff = provider.diff("id", refreshed, dict(PROPS))
    assert diff.changes is True
    assert diff.replaces == []
    provider.update("id", refreshed, dict(PROPS))
    assert fake.defaults == "blue"
    # The PUT was conditional on the endpoint as azure-native left it.
    assert fake.requests[-1][3] == '"etag-native"'
    # And once in step, a refresh finds nothing to do.
    again = provider.read("id", dict(PROPS)).outs or {}
    assert provider.diff("id", again, dict(PROPS)).changes is False


def test_a_concurrent_change_is_not_overwritten(
    arm: tuple[FakeArm, ArmClient, list[float]],
) -> None:
    fake, client, _ = arm
    original_get = fake.endpoint

    class Racing(ArmClient):
        def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
            answer = super().call(method, *args, **kwargs)
            if method == "GET":
                fake.etag = '"someone-else"'  # changed between our GET and our PUT
            return answer

    racing = Racing(endpoint=client.endpoint, token=lambda scope: "test-token")
    with pytest.raises(ArmError, match="HTTP 412: PreconditionFailed"):
        DefaultDeploymentProvider(racing).create(dict(PROPS))
    assert fake.endpoint is original_get


def test_arm_errors_become_clear_messages(arm: tuple[FakeArm, ArmClient, list[float]]) -> None:
    fake, client, _ = arm
    fake.fail_with = (409, "Deployment blue does not exist")
    with pytest.raises(
        ArmError,
        match=r"PUT .*batchEndpoints/heart: HTTP 409: UserError: "
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
