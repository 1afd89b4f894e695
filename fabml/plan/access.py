"""The plan's access map: rows for the JSON and the `fabml plan --access` table.

The rows are built by `policies.access_map` from the same resource view the policy pack judges,
so what the wiring rules check and what a reviewer reads are one thing.
"""

from __future__ import annotations

from typing import Any

from fabml.plan.plan import Plan
from fabml.plan.policy_check import plan_resources
from policies.access_map import Edge, access_map

COLUMNS: tuple[str, ...] = ("IDENTITY", "RESOURCE", "ROLE", "ROLE GUID", "SCOPE", "NETWORK")


def edges(plan: Plan) -> list[Edge]:
    return access_map(plan_resources(plan))


def access_rows(plan: Plan) -> list[dict[str, Any]]:
    """The `access` section of the plan JSON: one object per edge."""
    return [
        {
            "identity": e.identity,
            "principal": e.principal,
            "resource": e.resource,
            "resourceType": e.resource_type,
            "role": e.role,
            "roleGuid": e.role_guid,
            "scope": e.scope,
            "network": e.network,
            "grant": e.grant,
        }
        for e in edges(plan)
    ]


def render_access(plan: Plan) -> str:
    from fabml.plan.render import table

    rows: list[list[str]] = [list(COLUMNS)] + [
        [e.identity, e.resource, e.role, e.role_guid or "-", e.scope, e.network]
        for e in edges(plan)
    ]
    lines = [f"Access map of stack '{plan.stack}' (who reaches what, by which role and path):"]
    return "\n".join([*lines, *table(rows)]) + "\n"
