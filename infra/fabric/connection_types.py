"""One check, before any connection is created: does Fabric offer what the request relies on?

Connection types, creation methods and their parameters are Fabric's to define (and the ones
the project uses are not all published), so each connection the project creates is checked
against `GET /v1/connections/supportedConnectionTypes?showAllCreationMethods=true` first. A
mismatch fails with what Fabric does offer for that type, or the types it offers, so the fix is
one edit instead of a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from infra.clients.fabric import FabricError

SUPPORTED_TYPES = "/connections/supportedConnectionTypes?showAllCreationMethods=true"
MAX_PAGES = 200  # a service answering more pages than this is looping
LISTED = 40  # type names shown when the type itself is missing


class _Client(Protocol):
    def call(self, method: str, path: str, body: Any = None) -> Any: ...


class ConnectionTypeError(FabricError):
    """Fabric does not offer the connection type, creation method, parameter or credential."""


@dataclass(frozen=True)
class ConnectionType:
    """What Fabric offers for the type, as the caller relies on it."""

    type_name: str
    creation_method: str
    credential_kind: str
    # Whether the request may say `skipTestConnection: true`.
    skip_test: bool
    metadata: dict[str, Any]


def supported_types(client: _Client) -> Iterator[dict[str, Any]]:
    """Every ConnectionCreationMetadata, following `continuationToken` pages.

    The token, not `continuationUri`: the spec's own example returns a `continuationUri` of
    another path (`/connections/supportedConnections`), and the token is what the spec declares
    as this operation's query parameter.
    """
    token: str | None = None
    for _ in range(MAX_PAGES):
        path = SUPPORTED_TYPES + (f"&continuationToken={quote(token, safe='')}" if token else "")
        body = client.call("GET", path).body or {}
        yield from body.get("value") or []
        token = body.get("continuationToken")
        if not token:
            return
    raise FabricError(f"GET {SUPPORTED_TYPES}: more than {MAX_PAGES} pages; giving up")


def check_connection_type(  # noqa: PLR0917 - the shape the Dataflow route calls too
    client: _Client,
    type_name: str,
    creation_method: str,
    parameters: Iterable[str],
    credential_kind: str,
    skip_test: bool | None,
) -> ConnectionType:
    """Check that Fabric offers `type_name` with `creation_method`, the named `parameters`
    (and no required one missing), `credential_kind`, and skipping the test connection.

    `skip_test`: True when the request will skip the test (the type must support it), False
    when it will not, None to skip it exactly when the type supports it (the answer's
    `skip_test` says which).
    """
    offered: list[dict[str, Any]] = []
    found = None
    for candidate in supported_types(client):  # no more pages than needed
        if candidate.get("type") == type_name:
            found = candidate
            break
        offered.append(candidate)
    if found is None:
        names = sorted(str(t.get("type")) for t in offered)
        shown = ", ".join(names[:LISTED]) + (
            f" and {len(names) - LISTED} more" if len(names) > LISTED else ""
        )
        raise ConnectionTypeError(
            f"Fabric offers no connection type {type_name!r}; it offers: {shown or 'none'}"
        )
    methods = found.get("creationMethods") or []
    method = next((m for m in methods if m.get("name") == creation_method), None)
    if method is None:
        raise ConnectionTypeError(
            f"connection type {type_name!r} has no creation method {creation_method!r}; "
            f"Fabric offers: {_methods(methods)}"
        )
    problems = []
    declared = {p.get("name"): p for p in method.get("parameters") or []}
    sent = list(parameters)
    unknown = [name for name in sent if name not in declared]
    if unknown:
        problems.append(f"no parameter(s) {', '.join(unknown)}")
    missing = [n for n, p in declared.items() if p.get("required") and n not in sent]
    if missing:
        problems.append(f"required parameter(s) {', '.join(map(str, missing))} not sent")
    credentials = found.get("supportedCredentialTypes") or []
    if credential_kind not in credentials:
        problems.append(f"no credential type {credential_kind!r} (offers {', '.join(credentials)})")
    supports_skip = bool(found.get("supportsSkipTestConnection"))
    if skip_test and not supports_skip:
        problems.append("skipTestConnection is not supported")
    if problems:
        raise ConnectionTypeError(
            f"connection type {type_name!r}, creation method {creation_method!r}: "
            f"{'; '.join(problems)}. Fabric offers: {_methods([method])}"
        )
    return ConnectionType(
        type_name,
        creation_method,
        credential_kind,
        supports_skip if skip_test is None else skip_test,
        found,
    )


def _methods(methods: list[dict[str, Any]]) -> str:
    def parameter(p: dict[str, Any]) -> str:
        allowed = p.get("allowedValues")
        return f"{p.get('name')}{'' if p.get('required') else '?'}:{p.get('dataType')}" + (
            f" in {allowed}" if allowed else ""
        )

    return (
        "; ".join(
            f"{m.get('name')}({', '.join(parameter(p) for p in m.get('parameters') or [])})"
            for m in methods
        )
        or "none"
    )
