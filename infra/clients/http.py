"""The one HTTP stack: azure-core pipelines for ARM, Fabric and the Azure ML data plane.

Every client in `infra/clients/` (and the tool's scoring commands) sends through a pipeline
built here, so they share one behaviour:

- one credential per process (azure-identity's DefaultAzureCredential, made once), behind
  azure-core's `BearerTokenCredentialPolicy`, which caches the token and asks for a new one
  shortly before it expires;
- a token only ever goes to the origin (scheme, host, port) it was issued for: a redirect, a
  `continuationUri` or an operation `Location` that points elsewhere is sent without it;
- TLS for every authenticated call; plain http only to a loopback address (local stand-ins);
- throttling and transient failures (408, 429, 5xx, dropped connections) retried a bounded
  number of times, honouring Retry-After;
- a connection and a read timeout on every call, so nothing hangs;
- sign-in failures become one line a person can act on (`SignInError`), never the credential
  chain's dump.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from azure.core import PipelineClient
from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import (
    BearerTokenCredentialPolicy,
    HeadersPolicy,
    RedirectPolicy,
    RequestIdPolicy,
    RetryPolicy,
    UserAgentPolicy,
)
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest

from infra.errors import UserError

SIGN_IN_HOW = (
    "sign in with `az login` or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET "
    "(or AZURE_FEDERATED_TOKEN_FILE for workload identity), then run again"
)
SIGN_IN_HELP = f"no Azure sign-in found: {SIGN_IN_HOW}"
# A token request may take this long before the sign-in counts as missing: the Azure CLI
# answers in 1-3 s; an IMDS address that accepts connections and never answers would
# otherwise hold the credential chain for minutes.
SIGN_IN_SECONDS = 5.0
CONNECT_TIMEOUT = 10.0  # seconds to open a connection
READ_TIMEOUT = 120.0  # seconds to wait for an answer between bytes
RETRIES = 5  # per call, on top of the first try
RETRY_BACKOFF_MAX = 60  # seconds between tries when the service names no Retry-After
RETRY_WINDOW = 600.0  # seconds a call may spend retrying in all
TOKEN_LIFETIME = 3600  # what a bare token function's tokens are taken to live
IDEMPOTENT = frozenset(["HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE"])


class SignInError(UserError):
    """No Azure sign-in could give a token: the one line says how to sign in."""


class SignInTimeout(ClientAuthenticationError):
    """No credential of the chain answered in time."""


class TokenRefused(ClientAuthenticationError):
    """The stack would not send a token: plain http to a host that is not loopback."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, the text when it is not JSON, None when empty


@dataclass
class ServiceClient:
    """What every service client shares: its pipeline, built on first use (dynamic providers
    are pickled into state without one), and how paths become URLs."""

    credential: TokenCredential | None = field(default=None, kw_only=True)
    read_timeout: float = field(default=READ_TIMEOUT, kw_only=True)  # then a retry
    _pipeline: Any = field(default=None, init=False, repr=False)

    def _build(self) -> PipelineClient:
        raise NotImplementedError

    @property
    def pipeline(self) -> Any:
        if self._pipeline is None:
            self._pipeline = self._build()
        return self._pipeline

    @staticmethod
    def join(base: str, path_or_url: str) -> str:
        return path_or_url if "://" in path_or_url else base.rstrip("/") + path_or_url


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@functools.cache
def default_credential() -> TokenCredential:
    """The process's one credential: CLI sign-in, environment, workload or managed identity."""
    from azure.identity import DefaultAzureCredential

    # The chain logs every credential it tried as a warning; with no handler configured Python
    # prints that to stderr. The failure reaches the user once, as SignInError.
    logging.getLogger("azure.identity").addHandler(logging.NullHandler())
    chain = DefaultAzureCredential(
        connection_timeout=CONNECT_TIMEOUT, read_timeout=SIGN_IN_SECONDS, process_timeout=10
    )
    return BoundedCredential(chain, SIGN_IN_SECONDS)


class BoundedCredential:
    """A credential whose token requests end within `seconds`, answered or not."""

    def __init__(self, inner: TokenCredential, seconds: float) -> None:
        self._inner = inner
        self._seconds = seconds

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        answer: dict[str, Any] = {}
        done = threading.Event()

        def ask() -> None:
            try:
                answer["token"] = self._inner.get_token(*scopes, **kwargs)
            except Exception as error:
                answer["error"] = error
            finally:
                done.set()

        # A daemon thread: a request that never ends cannot keep the process alive.
        threading.Thread(target=ask, name="fabml-sign-in", daemon=True).start()
        if not done.wait(self._seconds):
            raise SignInTimeout(
                f"no Azure sign-in answered within {self._seconds:.0f} s: {SIGN_IN_HOW}"
            )
        if "error" in answer:
            raise answer["error"]
        return answer["token"]


class TokenFunction:
    """A `scope -> token` function as a TokenCredential (tests; callers holding a raw token)."""

    def __init__(self, token: Callable[[str], str], lifetime: int = TOKEN_LIFETIME) -> None:
        self._token = token
        self._lifetime = lifetime

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        return AccessToken(self._token(scopes[0]), int(time.time()) + self._lifetime)


def credential_of(
    credential: TokenCredential | None, token: Callable[[str], str] | None
) -> TokenCredential:
    if credential is not None:
        return credential
    if token is not None:
        return TokenFunction(token)
    return default_credential()


def check_sign_in(credential: TokenCredential, scope: str) -> None:
    """Ask for a token once, before anything is created, so a missing sign-in fails first."""
    with sign_in_errors():
        credential.get_token(scope)


@contextmanager
def sign_in_errors() -> Iterator[None]:
    try:
        yield
    except TokenRefused:
        raise
    except SignInTimeout as error:
        raise SignInError(error.message) from None
    except ClientAuthenticationError as error:
        if getattr(error, "response", None) is not None:
            raise  # a service answered 401/403 through a pipeline: not a sign-in problem
        reason = next((line.strip() for line in str(error).splitlines() if "AADSTS" in line), "")
        if reason:
            # A credential was found and Entra refused it (wrong secret, expired federation).
            raise SignInError(f"Azure sign-in refused: {reason[:300]}") from None
        raise SignInError(SIGN_IN_HELP) from None


class OriginBoundBearerPolicy(BearerTokenCredentialPolicy):
    """azure-core's bearer policy, bound to one origin; refuses plain http except on loopback."""

    def __init__(self, credential: TokenCredential, scope: str, base_url: str) -> None:
        super().__init__(credential, scope)
        self._origin = origin(base_url)

    def send(self, request: PipelineRequest) -> PipelineResponse:
        url = request.http_request.url
        if origin(url) != self._origin:
            # Another host (a redirect, a continuation or operation link): no token goes there.
            request.http_request.headers.pop("Authorization", None)
            return self.next.send(request)
        if url.lower().startswith("http:"):
            if not is_loopback(url):
                raise TokenRefused(f"refusing to send a bearer token over plain http to {url}")
            request.context["enforce_https"] = False  # a local stand-in on 127.0.0.1
        return super().send(request)


class Transport(RequestsTransport):
    """requests with timeouts; `sleep` is where retries and pollers wait (tests pass a recorder)."""

    def __init__(self, sleep: Callable[[float], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._sleep = sleep or time.sleep

    def sleep(self, duration: float) -> None:
        self._sleep(duration)


def pipeline(
    base_url: str,
    scope: str,
    credential: TokenCredential,
    *,
    arm: bool = False,
    sleep: Callable[[float], None] | None = None,
    retries: int = RETRIES,
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
) -> PipelineClient:
    """A pipeline for one service: its origin, its token scope, retries and timeouts."""
    from azure.mgmt.core import ARMPipelineClient

    policies = [
        RequestIdPolicy(),  # x-ms-client-request-id: what support asks for, what pollers reuse
        HeadersPolicy({"Accept": "application/json"}),
        UserAgentPolicy(sdk_moniker="fabml"),
        RedirectPolicy(),
        RetryPolicy(
            retry_total=retries,
            retry_connect=min(retries, 3),
            retry_read=min(retries, 3),
            retry_status=retries,
            retry_backoff_max=RETRY_BACKOFF_MAX,
            timeout=RETRY_WINDOW,
        ),
        OriginBoundBearerPolicy(credential, scope, base_url),
    ]
    transport = Transport(sleep, connection_timeout=connect_timeout, read_timeout=read_timeout)
    client_type = ARMPipelineClient if arm else PipelineClient
    return client_type(base_url, policies=policies, transport=transport)


def send(
    client: PipelineClient,
    method: str,
    url: str,
    body: Any = None,
    *,
    error: type[UserError] = UserError,
    headers: dict[str, str] | None = None,
    retry_post: bool = False,
    content: bytes | None = None,
    **options: Any,
) -> PipelineResponse:
    """One call through `client`; network and sign-in failures become `error` / SignInError.

    `retry_post`: the call may be sent twice without harm (scoring), so a POST is retried on
    timeouts and 5xx like a GET.
    """
    request = (
        HttpRequest(method, url, content=content, headers=headers)
        if content is not None
        else HttpRequest(method, url, json=body, headers=headers)
    )
    if retry_post:
        options["retry_on_methods"] = IDEMPOTENT | {"POST", "PATCH"}
    host = urlsplit(url).netloc
    try:
        with sign_in_errors():
            # The pipeline response (not only the HttpResponse) is what azure-core's pollers
            # start from, as the generated Azure SDK clients do.
            return client._pipeline.run(request, stream=False, **options)
    except TokenRefused as refused:
        raise error(f"{method} {url}: {refused.message}") from None
    except ServiceResponseError as failure:
        raise error(f"{method} {url}: no answer from {host} in time: {failure.message}") from None
    except ServiceRequestError as failure:
        raise error(f"{method} {url}: cannot reach {host}: {failure.message}") from None
    except AzureError as failure:
        raise error(f"{method} {url}: {failure.message}") from None


def response_of(pipeline_response: PipelineResponse) -> Response:
    http = pipeline_response.http_response
    headers = {k.lower(): v for k, v in http.headers.items()}
    text = http.text()
    try:
        body = http.json() if text else None  # type: ignore[union-attr]
    except ValueError:
        body = text[:500]
    return Response(http.status_code, headers, body)


def wait(client: PipelineClient, seconds: float) -> None:
    """Sleep the way the pipeline's retries and pollers do (tests record it)."""
    client._pipeline._transport.sleep(seconds)


def retry_after(headers: dict[str, str], default: float, ceiling: float = 120.0) -> float:
    try:
        return min(max(float(headers.get("retry-after", default)), 0.0), ceiling)
    except ValueError:
        return default
