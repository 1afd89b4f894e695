"""A small Azure Resource Manager client: what the engine's providers do not cover.

Tokens come from `azure-identity` (DefaultAzureCredential: CLI sign-in, OIDC in CI, managed
identity) and never leave the process. Long-running operations are followed through the
`Azure-AsyncOperation` or `Location` header, honouring `Retry-After`.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.errors import UserError

DEFAULT_ENDPOINT = "https://management.azure.com"


class ArmError(UserError):
    """An ARM call failed; the message names the call and ARM's own error code and text."""


def default_token(scope: str) -> str:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential().get_token(scope).token


@dataclass
class ArmClient:
    endpoint: str = DEFAULT_ENDPOINT
    token: Callable[[str], str] = default_token
    timeout_seconds: float = 1800.0
    sleep: Callable[[float], None] = time.sleep
    _cached_token: str | None = field(default=None, init=False, repr=False)

    def _bearer(self) -> str:
        if self._cached_token is None:
            self._cached_token = self.token(f"{self.endpoint.rstrip('/')}/.default")
        return self._cached_token

    def _url(self, path_or_url: str, api_version: str | None) -> str:
        url = path_or_url if "://" in path_or_url else self.endpoint.rstrip("/") + path_or_url
        if api_version is None:
            return url
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}api-version={urllib.parse.quote(api_version)}"

    def call(
        self, method: str, path_or_url: str, api_version: str | None, body: Any = None
    ) -> tuple[int, dict[str, str], Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self._url(path_or_url, api_version), data=data, method=method
        )
        request.add_header("Authorization", f"Bearer {self._bearer()}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
                headers = {k.lower(): v for k, v in response.headers.items()}
                return response.status, headers, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            headers = {k.lower(): v for k, v in exc.headers.items()}
            if exc.code == 404 and method == "GET":
                return 404, headers, None
            raise ArmError(
                f"{method} {path_or_url}: HTTP {exc.code}: {_arm_message(raw)}"
            ) from None
        except urllib.error.URLError as exc:
            raise ArmError(
                f"{method} {path_or_url}: cannot reach {self.endpoint}: {exc.reason}"
            ) from None

    def call_and_wait(
        self, method: str, path: str, api_version: str, body: Any = None
    ) -> tuple[int, Any]:
        """Make a call; if ARM accepts it as a long-running operation, wait for its end."""
        status, headers, payload = self.call(method, path, api_version, body)
        monitor = headers.get("azure-asyncoperation") or headers.get("location")
        if status not in (201, 202) or not monitor:
            return status, payload
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            self.sleep(_retry_after(headers))
            status, headers, payload = self.call("GET", monitor, None)
            state = (payload or {}).get("status") if isinstance(payload, dict) else None
            if state in ("Failed", "Canceled"):
                raise ArmError(f"{method} {path}: operation {state}: {_arm_message(payload)}")
            # Azure-AsyncOperation answers 200 with a status; Location answers 202 until done,
            # then 200 or 204.
            if status in (200, 201, 204) and state in (None, "Succeeded"):
                return status, payload
            if time.monotonic() > deadline:
                raise ArmError(f"{method} {path}: not finished after {self.timeout_seconds:.0f} s")


def _retry_after(headers: dict[str, str]) -> float:
    try:
        return min(max(float(headers.get("retry-after", "5")), 0.0), 60.0)
    except ValueError:
        return 5.0


def _arm_message(raw: Any) -> str:
    try:
        payload = json.loads(raw) if isinstance(raw, (bytes, str)) else raw
        error = payload.get("error") or payload
        return f"{error.get('code', 'Error')}: {error.get('message', '')}".strip()
    except (ValueError, AttributeError, TypeError):
        return (raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw))[:500]
