"""A Fabric REST client: tokens from azure-identity, throttling and long-running operations.

Fabric answers 429 with Retry-After, and long operations with 202 + Location +
x-ms-operation-id + Retry-After; the operation's state is polled until Succeeded or Failed,
then its result is read from `<operation>/result`. Errors become FabricError with Fabric's own
errorCode and message. Tokens stay in the process.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from infra.errors import UserError

FABRIC_API = "https://api.fabric.microsoft.com/v1"
FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default"
RETRIED = (429, 503)  # throttled or briefly unavailable: wait Retry-After and send again


class FabricError(UserError):
    """A Fabric REST call failed; carries the HTTP status and Fabric's errorCode."""

    def __init__(self, message: str, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def default_token(scope: str) -> str:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential().get_token(scope).token


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class FabricClient:
    base_url: str = FABRIC_API
    token: Callable[[str], str] = default_token
    sleep: Callable[[float], None] = time.sleep
    max_throttle_retries: int = 5
    timeout_seconds: float = 1800.0
    _token: str | None = field(default=None, init=False, repr=False)

    def _url(self, path: str) -> str:
        return path if "://" in path else self.base_url.rstrip("/") + path

    def _send(self, method: str, path: str, body: Any = None) -> Response:
        if self._token is None:
            self._token = self.token(FABRIC_SCOPE)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self._url(path), data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                raw = reply.read()
                headers = {k.lower(): v for k, v in reply.headers.items()}
                return Response(reply.status, headers, json.loads(raw) if raw else None)
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            headers = {k.lower(): v for k, v in exc.headers.items()}
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                payload = raw.decode(errors="replace")[:300]
            return Response(exc.code, headers, payload)
        except urllib.error.URLError as exc:
            raise FabricError(f"{method} {path}: cannot reach Fabric: {exc.reason}") from None

    def call(
        self, method: str, path: str, body: Any = None, *, ok_404: bool = False, follow: bool = True
    ) -> Response:
        """One call: throttling (429, 503) retried, long-running operations followed.

        `follow=False`: a 202 is returned as is (a job's 202 points at its job instance, which
        the caller polls; it is not an operation).
        """
        response = self._send(method, path, body)
        for _ in range(self.max_throttle_retries):
            if response.status not in RETRIED:
                break
            self.sleep(_retry_after(response.headers, 10))
            response = self._send(method, path, body)
        if response.status == 404 and ok_404:
            return response
        if response.status >= 400:
            raise _error(method, path, response)
        if follow and response.status == 202 and "location" in response.headers:
            return self._wait(method, path, response)
        return response

    def _wait(self, method: str, path: str, accepted: Response) -> Response:
        location = accepted.headers["location"]
        deadline = time.monotonic() + self.timeout_seconds
        headers = accepted.headers
        while True:
            self.sleep(_retry_after(headers, 5))
            state = self.call("GET", location)
            headers = state.headers
            status = (state.body or {}).get("status")
            if status == "Succeeded":
                result = self._send("GET", location.rstrip("/") + "/result")
                return result if result.status < 400 else Response(200, {}, None)
            if status in ("Failed", "Cancelled"):
                error = (state.body or {}).get("error") or {}
                raise FabricError(
                    f"{method} {path}: operation {status}: {error.get('errorCode', '')} "
                    f"{error.get('message', '')}".strip(),
                    code=str(error.get("errorCode", "")),
                )
            if time.monotonic() > deadline:
                raise FabricError(f"{method} {path}: not done after {self.timeout_seconds:.0f} s")

    def wait(self, seconds: float) -> None:
        self.sleep(seconds)

    def pages(self, path: str, key: str = "value") -> Iterator[dict[str, Any]]:
        """Every item of a paged list (continuationUri / continuationToken)."""
        next_path: str | None = path
        while next_path:
            body = self.call("GET", next_path).body or {}
            yield from body.get(key, [])
            next_path = body.get("continuationUri")


def _retry_after(headers: dict[str, str], default: float) -> float:
    try:
        return min(max(float(headers.get("retry-after", default)), 0.0), 120.0)
    except ValueError:
        return default


def _error(method: str, path: str, response: Response) -> FabricError:
    body = response.body if isinstance(response.body, dict) else {}
    code = str(body.get("errorCode", ""))
    message = body.get("message") or (response.body if isinstance(response.body, str) else "")
    return FabricError(
        f"{method} {path}: HTTP {response.status} {code}: {message}".strip(),
        status=response.status,
        code=code,
    )
