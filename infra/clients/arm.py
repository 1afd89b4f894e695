"""An Azure Resource Manager client for what the engine's providers do not cover.

Built on the one HTTP stack (`infra.clients.http`): azure-mgmt-core's `ARMPipelineClient`,
the process's credential, retries honouring Retry-After, timeouts. Long-running operations are
followed by azure-mgmt-core's `ARMPolling` (Azure-AsyncOperation, then Location, then the
resource's provisioningState), honouring Retry-After between polls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from azure.core.exceptions import AzureError, HttpResponseError
from azure.core.polling import LROPoller

from infra.clients import http
from infra.errors import UserError

DEFAULT_ENDPOINT = "https://management.azure.com"
POLL_SECONDS = 5.0  # between polls when ARM names no Retry-After


class ArmError(UserError):
    """An ARM call failed; the message names the call and ARM's own error code and text."""


@dataclass
class ArmClient(http.ServiceClient):
    endpoint: str = DEFAULT_ENDPOINT
    # A `scope -> token` function (tests, callers that hold a token); by default the
    # process's one credential.
    token: Callable[[str], str] | None = None
    timeout_seconds: float = 1800.0  # for a long-running operation to end
    sleep: Callable[[float], None] | None = None

    def _build(self) -> Any:
        return http.pipeline(
            self.endpoint,
            f"{self.endpoint.rstrip('/')}/.default",
            http.credential_of(self.credential, self.token),
            arm=True,
            sleep=self.sleep,
            read_timeout=self.read_timeout,
        )

    def _url(self, path_or_url: str, api_version: str | None) -> str:
        url = self.join(self.endpoint, path_or_url)
        if api_version is None:
            return url
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}{urlencode({'api-version': api_version})}"

    def _send(
        self,
        method: str,
        path_or_url: str,
        api_version: str | None,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> Any:
        url = self._url(path_or_url, api_version)
        return http.send(self.pipeline, method, url, body, error=ArmError, headers=headers)

    def call(
        self, method: str, path_or_url: str, api_version: str | None, body: Any = None
    ) -> tuple[int, dict[str, str], Any]:
        """One call: (status, lower-case headers, JSON body). A GET's 404 is an answer."""
        response = http.response_of(self._send(method, path_or_url, api_version, body))
        if response.status == 404 and method == "GET":
            return 404, response.headers, None
        if response.status >= 400:
            raise ArmError(
                f"{method} {path_or_url}: HTTP {response.status}: {_arm_message(response.body)}"
            )
        return response.status, response.headers, _object(method, path_or_url, response.body)

    def call_and_wait(
        self,
        method: str,
        path: str,
        api_version: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Make a call; if ARM accepts it as a long-running operation, wait for its end."""
        first = self._send(method, path, api_version, body, headers)
        response = http.response_of(first)
        if response.status >= 400:
            raise ArmError(
                f"{method} {path}: HTTP {response.status}: {_arm_message(response.body)}"
            )
        if "azure-asyncoperation" not in response.headers and "location" not in response.headers:
            return response.status, _object(method, path, response.body)
        outcome: Any = self._wait(method, path, first)
        if outcome is None:  # succeeded with no final resource to read (a DELETE's may)
            return 200, None
        status, body = outcome
        return status, _object(method, path, body)

    def _wait(self, method: str, path: str, first: Any) -> tuple[int, Any]:
        from azure.mgmt.core.polling.arm_polling import ARMPolling

        def final(pipeline_response: Any) -> tuple[int, Any]:
            answer = http.response_of(pipeline_response)
            return answer.status, answer.body

        # azure-core polls once at once; ARM asks for a pause first (Retry-After).
        http.wait(self.pipeline, http.retry_after(http.response_of(first).headers, POLL_SECONDS))
        poller = LROPoller(self.pipeline, first, final, ARMPolling(timeout=POLL_SECONDS))
        try:
            with http.sign_in_errors():
                outcome = poller.result(timeout=self.timeout_seconds)
        except HttpResponseError as failure:
            detail = _arm_message(_json_of(failure))
            raise ArmError(f"{method} {path}: operation {poller.status()}: {detail}") from None
        except AzureError as failure:
            raise ArmError(f"{method} {path}: {failure.message}") from None
        except (AttributeError, TypeError, ValueError) as failure:
            # azure-core reads the status answer as a JSON object without checking (a `null`
            # body is an AttributeError there): an answer ARM does not give, said in one line.
            raise ArmError(f"{method} {path}: unreadable operation status ({failure})") from None
        if not poller.done():
            raise ArmError(f"{method} {path}: not finished after {self.timeout_seconds:.0f} s")
        return outcome


def _object(method: str, path: str, body: Any) -> Any:
    """ARM answers a JSON object or nothing; anything else is one line, not a crash later."""
    if body is None or isinstance(body, dict):
        return body
    raise ArmError(f"{method} {path}: expected a JSON object, got {str(body)[:200]}")


def _json_of(failure: HttpResponseError) -> Any:
    response = failure.response
    if response is None:
        return failure.message
    try:
        return response.json()  # type: ignore[union-attr]
    except (ValueError, AttributeError):
        return failure.message


def _arm_message(payload: Any) -> str:
    try:
        error = payload.get("error") or payload
        return f"{error.get('code', 'Error')}: {error.get('message', '')}".strip()
    except AttributeError:
        return str(payload)[:500]
