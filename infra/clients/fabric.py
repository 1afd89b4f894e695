"""A Fabric REST client on the one HTTP stack: throttling, long-running operations, pages.

Fabric answers 429 with Retry-After (retried by the pipeline), and long operations with
202 + Location + x-ms-operation-id + Retry-After: `FabricOperationPolling` (an azure-core
`PollingMethod`, the only place that follows them) polls the operation until Succeeded or
Failed, then reads its result from `<operation>/result`. Errors become FabricError with
Fabric's own errorCode and message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from azure.core.polling import PollingMethod

from infra.clients import http
from infra.clients.http import Response
from infra.errors import UserError

FABRIC_API = "https://api.fabric.microsoft.com/v1"
FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default"
POLL_SECONDS = 5.0  # between polls when Fabric names no Retry-After

__all__ = ["FABRIC_API", "FABRIC_SCOPE", "FabricClient", "FabricError", "Response"]


class FabricError(UserError):
    """A Fabric REST call failed; carries the HTTP status and Fabric's errorCode."""

    def __init__(self, message: str, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass
class FabricClient(http.ServiceClient):
    base_url: str = FABRIC_API
    # A `scope -> token` function (tests, callers that hold a token); by default the
    # process's one credential.
    token: Callable[[str], str] | None = None
    sleep: Callable[[float], None] | None = None
    max_throttle_retries: int = 5
    timeout_seconds: float = 1800.0  # for a long-running operation to end

    def _build(self) -> Any:
        return http.pipeline(
            self.base_url,
            FABRIC_SCOPE,
            http.credential_of(self.credential, self.token),
            sleep=self.sleep,
            retries=self.max_throttle_retries,
            read_timeout=self.read_timeout,
        )

    def _url(self, path: str) -> str:
        return self.join(self.base_url, path)

    def _send(self, method: str, path: str, body: Any = None, **options: Any) -> Response:
        pipeline_response = http.send(
            self.pipeline, method, self._url(path), body, error=FabricError, **options
        )
        return http.response_of(pipeline_response)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        ok_404: bool = False,
        retry_post: bool = False,
        follow: bool = True,
        expect: tuple[str, ...] = (),
    ) -> Response:
        """One call: throttling retried, long-running operations followed.

        `retry_post`: the POST may be sent twice without harm (scoring), so it is retried on
        timeouts and 5xx too. `follow=False`: a 202 is returned as is (a job's 202 points at its
        job instance, which the caller polls; it is not an operation). `expect`: keys the answer
        must hold. Every answer with a body is a JSON object (Fabric's APIs answer no other
        shape), so callers may read it as one; anything else is a FabricError, one line.
        """
        response = self._send(method, path, body, retry_post=retry_post)
        if response.status == 404 and ok_404:
            return response
        if response.status >= 400:
            raise _error(method, path, response)
        if follow and response.status == 202 and "location" in response.headers:
            polling = FabricOperationPolling(f"{method} {path}", self.timeout_seconds)
            polling.initialize(self, response, lambda answer: answer)
            polling.run()
            response = polling.resource()
        return _checked(method, path, response, expect)

    def pages(self, path: str, key: str = "value") -> Iterator[dict[str, Any]]:
        """Every item of a paged list (continuationUri / continuationToken)."""
        next_path: str | None = path
        while next_path:
            body = self.call("GET", next_path).body or {}
            items = body.get(key, [])
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise FabricError(f"GET {next_path}: '{key}' is not a list of objects")
            yield from items
            following = body.get("continuationUri")
            next_path = following if isinstance(following, str) else None

    def wait(self, seconds: float) -> None:
        http.wait(self.pipeline, seconds)


class FabricOperationPolling(PollingMethod[Response]):
    """Fabric's long-running operation: poll `Location` (honouring Retry-After) until the
    state is Succeeded, Failed or Cancelled; on success the answer is `<Location>/result`
    (or an empty 200 when the operation has no result)."""

    def __init__(self, what: str, timeout_seconds: float) -> None:
        self._what = what
        self._timeout = timeout_seconds

    def initialize(
        self, client: Any, initial_response: Any, deserialization_callback: Callable
    ) -> None:
        self._client: FabricClient = client
        self._last: Response = initial_response
        self._location = initial_response.headers["location"]
        self._deserialize = deserialization_callback
        self._status = "Running"
        self._resource: Response | None = None

    def run(self) -> None:
        deadline = time.monotonic() + self._timeout
        while not self.finished():
            self._client.wait(http.retry_after(self._last.headers, POLL_SECONDS))
            self._last = self._client.call("GET", self._location)
            body = self._last.body if isinstance(self._last.body, dict) else {}
            state = body.get("status")
            if state == "Succeeded":
                result = self._client._send("GET", self._location.rstrip("/") + "/result")
                self._resource = result if result.status < 400 else Response(200, {}, None)
                self._status = "Succeeded"
            elif state in ("Failed", "Cancelled"):
                self._status = state
                found = body.get("error")
                error: dict[str, Any] = found if isinstance(found, dict) else {}
                raise FabricError(
                    f"{self._what}: operation {state}: {error.get('errorCode', '')} "
                    f"{error.get('message', '')}".strip(),
                    code=str(error.get("errorCode", "")),
                )
            elif time.monotonic() > deadline:
                raise FabricError(f"{self._what}: not done after {self._timeout:.0f} s")

    def status(self) -> str:
        return self._status

    def finished(self) -> bool:
        return self._status in ("Succeeded", "Failed", "Cancelled")

    def resource(self) -> Response:
        assert self._resource is not None, "the operation has not succeeded"
        return self._deserialize(self._resource)


def _checked(method: str, path: str, response: Response, expect: tuple[str, ...]) -> Response:
    """The answer, if it is what Fabric answers: no body, or a JSON object with `expect`."""
    body = response.body
    if body is None and not expect:
        return response
    if not isinstance(body, dict):
        shown = str(body)[:200] if body is not None else "no body"
        raise FabricError(
            f"{method} {path}: HTTP {response.status}: expected a JSON object, got {shown}",
            status=response.status,
        )
    missing = [key for key in expect if body.get(key) in (None, "")]
    if missing:
        raise FabricError(
            f"{method} {path}: HTTP {response.status}: the answer lacks {', '.join(missing)}",
            status=response.status,
        )
    return response


def _error(method: str, path: str, response: Response) -> FabricError:
    body = response.body if isinstance(response.body, dict) else {}
    code = str(body.get("errorCode", ""))
    message = body.get("message") or (response.body if isinstance(response.body, str) else "")
    return FabricError(
        f"{method} {path}: HTTP {response.status} {code}: {message}".strip(),
        status=response.status,
        code=code,
    )
