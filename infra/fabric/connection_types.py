"""One check that a connection body fits what this tenant's Fabric supports.

`GET /connections/supportedConnectionTypes` lists each type's creation methods, their
parameters, the credential kinds and whether the test on creation may be skipped. A body built
from literals the API does not list would fail on `POST /connections` with a vaguer error, or
worse, create a connection Dataflows cannot bind; this names the literal instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from infra.clients.fabric import FabricClient, FabricError


def check_connection_type(  # noqa: PLR0917 - the one signature both Fabric routes call
    client: FabricClient,
    type_name: str,
    creation_method: str,
    parameters: Iterable[Any],
    credential_kind: str,
    skip_test: bool,
) -> None:
    """Raise FabricError naming what the tenant does not support; `parameters` are names or
    the body's `{"name": ..., "value": ...}` entries."""
    names = {p["name"] if isinstance(p, dict) else str(p) for p in parameters}
    where = f"connection type {type_name!r}"
    listed = list(client.pages("/connections/supportedConnectionTypes"))
    found = next((t for t in listed if t.get("type") == type_name), None)
    if found is None:
        raise FabricError(f"{where}: not among this tenant's supported connection types")
    methods = {m.get("name"): m for m in found.get("creationMethods") or []}
    method = methods.get(creation_method)
    if method is None:
        raise FabricError(
            f"{where}: no creation method {creation_method!r} (allowed: "
            f"{', '.join(sorted(str(n) for n in methods))})"
        )
    declared = {p["name"]: p for p in method.get("parameters") or []}
    unknown = sorted(names - declared.keys())
    missing = sorted(n for n, p in declared.items() if p.get("required") and n not in names)
    if unknown or missing:
        raise FabricError(
            f"{where} / {creation_method}: "
            + "; ".join(
                part
                for part in (
                    f"unknown parameter(s) {', '.join(unknown)}" if unknown else "",
                    f"missing required parameter(s) {', '.join(missing)}" if missing else "",
                )
                if part
            )
        )
    kinds = found.get("supportedCredentialTypes") or []
    if credential_kind not in kinds:
        raise FabricError(
            f"{where}: credential kind {credential_kind!r} not supported (allowed: "
            f"{', '.join(kinds)})"
        )
    if skip_test and not found.get("supportsSkipTestConnection"):
        raise FabricError(f"{where}: the test on creation cannot be skipped")
