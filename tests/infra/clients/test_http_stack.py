"""The one HTTP stack against local stand-ins: where tokens go, retries, timeouts, sign-in."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from infra.clients import http
from infra.clients.arm import ArmClient, ArmError
from infra.clients.fabric import FABRIC_SCOPE, FabricClient, FabricError
from tests.conftest import DATA, REPO
from tests.local_server import JsonHandler, blackhole, serving


class Seen:
    """What a stand-in received: (method, path, Authorization header) per request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        self.answers: list[tuple[int, Any, dict[str, str]]] = []  # queued, then 200 {}
        self.delay = 0.0  # seconds before the first answer

    def handler(self) -> type[JsonHandler]:
        seen = self

        class Handler(JsonHandler):
            def _answer(self) -> None:
                seen.requests.append((self.command, self.path, self.headers.get("Authorization")))
                if self.headers.get("Content-Length"):
                    self.rfile.read(int(self.headers["Content-Length"]))
                if seen.delay:
                    delay, seen.delay = seen.delay, 0.0
                    time.sleep(delay)
                status, body, headers = seen.answers.pop(0) if seen.answers else (200, {}, {})
                self.send_json(status, body, headers)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        return Handler


@pytest.fixture
def two_hosts() -> Iterator[tuple[Seen, str, Seen, str]]:
    ours, foreign = Seen(), Seen()
    with serving(ours.handler()) as base, serving(foreign.handler()) as other:
        yield ours, base, foreign, other


def _fabric(base: str, tokens: list[str] | None = None, **kwargs: Any) -> FabricClient:
    def token(scope: str) -> str:
        (tokens if tokens is not None else []).append(scope)
        return "secret-token"

    return FabricClient(base_url=f"{base}/v1", token=token, sleep=lambda s: None, **kwargs)


def test_a_continuation_on_another_host_gets_no_token(
    two_hosts: tuple[Seen, str, Seen, str],
) -> None:
    ours, base, foreign, other = two_hosts
    ours.answers.append((200, {"value": [{"id": 1}], "continuationUri": f"{other}/v1/x"}, {}))
    foreign.answers.append((200, {"value": [{"id": 2}]}, {}))
    assert [item["id"] for item in _fabric(base).pages("/items")] == [1, 2]
    assert ours.requests[0][2] == "Bearer secret-token"
    assert foreign.requests == [("GET", "/v1/x", None)]


def test_a_redirect_to_another_host_gets_no_token(two_hosts: tuple[Seen, str, Seen, str]) -> None:
    ours, base, foreign, other = two_hosts
    ours.answers.append((307, None, {"Location": f"{other}/elsewhere"}))
    assert _fabric(base).call("GET", "/items").status == 200
    assert ours.requests[0][2] == "Bearer secret-token"
    assert foreign.requests == [("GET", "/elsewhere", None)]


def test_an_operation_location_on_another_host_gets_no_token(
    two_hosts: tuple[Seen, str, Seen, str],
) -> None:
    ours, base, foreign, other = two_hosts
    ours.answers.append((202, None, {"Location": f"{other}/v1/operations/1", "Retry-After": "0"}))
    foreign.answers.append((200, {"status": "Succeeded"}, {}))
    _fabric(base).call("POST", "/items", {"displayName": "x"})
    assert foreign.requests[0] == ("GET", "/v1/operations/1", None)
    assert all(auth is None for _, _, auth in foreign.requests)


def test_arm_polling_on_another_host_gets_no_token(two_hosts: tuple[Seen, str, Seen, str]) -> None:
    ours, base, foreign, other = two_hosts
    ours.answers.append((202, None, {"Location": f"{other}/operations/1", "Retry-After": "0"}))
    foreign.answers.append((200, {}, {}))
    arm = ArmClient(endpoint=base, token=lambda scope: "arm-token", sleep=lambda s: None)
    assert arm.call_and_wait("DELETE", "/subscriptions/s/x", "2025-12-01")[0] == 200
    assert ours.requests[0][2] == "Bearer arm-token"
    assert foreign.requests == [("GET", "/operations/1", None)]


def test_a_failed_arm_operation_is_one_clear_error(
    two_hosts: tuple[Seen, str, Seen, str],
) -> None:
    ours, base, _, _ = two_hosts
    ours.answers += [
        (201, {}, {"Azure-AsyncOperation": f"{base}/operations/1", "Retry-After": "0"}),
        (200, {"status": "InProgress"}, {}),
        (200, {"status": "Failed", "error": {"code": "QuotaExceeded", "message": "no"}}, {}),
    ]
    arm = ArmClient(endpoint=base, token=lambda scope: "t", sleep=lambda s: None)
    with pytest.raises(ArmError, match="PUT /x: operation Failed: QuotaExceeded: no"):
        arm.call_and_wait("PUT", "/x", "2025-12-01", {"properties": {}})


def test_a_refused_sign_in_says_why_in_one_line() -> None:
    class Refusing:
        def get_token(self, *scopes: str, **_: Any) -> AccessToken:
            raise ClientAuthenticationError(
                "ClientSecretCredential.get_token failed: Authentication failed: "
                "AADSTS7000215: Invalid client secret provided.\nTrace ID: 1\nTimestamp: now"
            )

    with pytest.raises(http.SignInError) as refused:
        http.check_sign_in(Refusing(), FABRIC_SCOPE)
    assert str(refused.value).splitlines() == [
        "Azure sign-in refused: ClientSecretCredential.get_token failed: Authentication "
        "failed: AADSTS7000215: Invalid client secret provided."
    ]


def test_a_token_goes_to_its_origin_whatever_the_spelling_of_the_port() -> None:
    assert http.origin("https://API.fabric.microsoft.com/v1") == http.origin(
        "https://api.fabric.microsoft.com:443/v1/operations/1"
    )
    assert http.origin("https://api.fabric.microsoft.com") != http.origin(
        "https://api.fabric.microsoft.com:8443"
    )
    assert http.origin("https://api.fabric.microsoft.com") != http.origin(
        "https://api.fabric.microsoft.com.example.com"
    )


def test_plain_http_to_any_other_host_is_refused_before_sending() -> None:
    tokens: list[str] = []
    started = time.monotonic()
    client = _fabric("http://fabric.example.com", tokens)
    with pytest.raises(FabricError, match="refusing to send a bearer token over plain http"):
        client.call("GET", "/workspaces")
    assert tokens == []  # not even asked for
    assert time.monotonic() - started < 2  # refused, not retried


def test_the_token_is_asked_for_once_and_again_when_it_is_about_to_expire(
    two_hosts: tuple[Seen, str, Seen, str],
) -> None:
    _, base, _, _ = two_hosts
    asked: list[str] = []

    class Expiring:
        def __init__(self, lifetime: int) -> None:
            self.lifetime = lifetime

        def get_token(self, *scopes: str, **_: Any) -> AccessToken:
            asked.extend(scopes)
            return AccessToken(f"t{len(asked)}", int(time.time()) + self.lifetime)

    lasting = FabricClient(base_url=f"{base}/v1", credential=Expiring(3600))
    for _ in range(3):
        lasting.call("GET", "/items")
    assert asked == [FABRIC_SCOPE]
    asked.clear()
    # Tokens that expire within azure-core's refresh window are renewed before each call.
    expiring = FabricClient(base_url=f"{base}/v1", credential=Expiring(60))
    for _ in range(3):
        expiring.call("GET", "/items")
    assert asked == [FABRIC_SCOPE] * 3


def test_server_errors_are_retried_honouring_retry_after_and_bounded(
    two_hosts: tuple[Seen, str, Seen, str],
) -> None:
    ours, base, _, _ = two_hosts
    slept: list[float] = []
    arm = ArmClient(endpoint=base, token=lambda scope: "t", sleep=slept.append)
    ours.answers += [(503, {}, {"Retry-After": "7"}), (500, {}, {})]
    assert arm.call("GET", "/subscriptions/s", "2025-12-01")[0] == 200
    assert len(ours.requests) == 3
    assert slept[0] == 7.0  # what the service asked for
    ours.requests.clear()
    ours.answers += [(503, {"error": {"code": "Busy", "message": "later"}}, {})] * 20
    with pytest.raises(ArmError, match="HTTP 503: Busy: later"):
        arm.call("GET", "/subscriptions/s", "2025-12-01")
    assert len(ours.requests) == http.RETRIES + 1


def test_a_call_that_gets_no_answer_times_out_and_is_retried(
    two_hosts: tuple[Seen, str, Seen, str],
) -> None:
    ours, base, _, _ = two_hosts
    client = _fabric(base, read_timeout=0.5)
    ours.delay = 2.0
    # A scoring POST may be sent twice: after the timeout it is sent again and answered.
    assert client.call("POST", "/score", {"inputs": []}, retry_post=True).status == 200
    assert [r[0] for r in ours.requests] == ["POST", "POST"]


def test_a_hung_service_is_a_clear_error_not_a_hang() -> None:
    with blackhole() as base:
        client = FabricClient(
            base_url=base,
            token=lambda scope: "t",
            sleep=lambda s: None,
            max_throttle_retries=0,
            read_timeout=0.3,
        )
        with pytest.raises(FabricError, match=r"no answer from 127\.0\.0\.1:\d+ in time"):
            client.call("POST", "/items", {})


def test_a_credential_that_never_answers_is_a_missing_sign_in() -> None:
    release = threading.Event()

    class Hanging:
        def get_token(self, *scopes: str, **_: Any) -> AccessToken:
            release.wait(30)
            raise AssertionError("released")

    started = time.monotonic()
    with pytest.raises(http.SignInError, match="no Azure sign-in answered within 0 s: sign in"):
        http.check_sign_in(http.BoundedCredential(Hanging(), 0.3), FABRIC_SCOPE)
    assert time.monotonic() - started < 2
    release.set()


def _without_sign_in(tmp_path: Path, imds: str) -> dict[str, str]:
    """No Azure CLI sign-in, no identity variables; managed identity points at a hung host."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.defpath,
        "HOME": str(home),
        "PYTHONPATH": str(REPO),
        "AZURE_POD_IDENTITY_AUTHORITY_HOST": imds,
        "AZURE_CONFIG_DIR": str(home / ".azure"),
    }


def test_commands_without_a_sign_in_end_with_one_line_and_status_2_quickly(
    tmp_path: Path,
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        '{"subscriptionId": "s", "resourceGroupName": "rg", "workspaceName": "w", '
        '"scoringUri": "https://e.westeurope.inference.ml.azure.com/jobs", '
        '"storageAccountName": "acct", "dataContainerName": "data", "datastoreName": "ds"}'
    )
    commands = {
        "score-endpoint": [
            "score-endpoint",
            str(DATA / "heart-unlabeled-0.csv"),
            "--workspace-id",
            "w",
            "--model-id",
            "m",
        ],
        "smoke": ["smoke", "--outputs", str(outputs)],
    }
    with blackhole() as imds:
        started = time.monotonic()
        running = {
            name: subprocess.Popen(
                [sys.executable, "-m", "fabml.cli.main", *argv],
                cwd=tmp_path,
                env=_without_sign_in(tmp_path, imds),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, argv in commands.items()
        }
        finished = {name: (*p.communicate(timeout=60), p.returncode) for name, p in running.items()}
        elapsed = time.monotonic() - started
    for name, (stdout, stderr, status) in finished.items():
        assert status == 2, (name, stderr)
        assert stdout == ""
        [line] = stderr.splitlines()
        assert line.startswith("fabml: no Azure sign-in answered within 5 s: "), name
        assert line.endswith(http.SIGN_IN_HOW), name
    # Both ran side by side; each would otherwise wait minutes on the hung identity endpoint.
    assert elapsed < 10, elapsed


def test_product_code_has_one_http_stack_and_one_credential() -> None:
    banned = ("urllib" + ".request", "http" + ".client", "DefaultAzureCredential" + "(")
    found = [
        f"{path.relative_to(REPO)}: {needle}"
        for folder in ("infra", "fabml", "policies")
        for path in sorted((REPO / folder).rglob("*.py"))
        for needle in banned
        if needle in path.read_text() and path != REPO / "infra" / "clients" / "http.py"
    ]
    assert found == []
