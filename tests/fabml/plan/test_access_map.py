"""The access map: every edge the shipped stacks need, and a missing grant or path named."""

from __future__ import annotations

import dataclasses
import json

import pytest

from fabml.cli.main import main
from fabml.plan.access import edges
from fabml.plan.plan import Plan
from fabml.plan.policy_check import check_plan
from infra.settings import SettingsError
from policies.access_map import (
    COMPUTE,
    DEPLOYER,
    FABRIC,
    IP_RULE,
    NONE,
    PRIVATE_ENDPOINT,
    PRIVATE_NETWORK,
    PUBLIC,
    RESOURCE_INSTANCE,
    WORKSPACE,
)
from policies.roles import (
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
)
from tests.conftest import FABRIC as FABRIC_IDS
from tests.conftest import FABRIC_TENANT_ID, FABRIC_WORKSPACE_ID, plan_of

CUSTOM = "custom"
# (identity, resource, role GUID or "custom", network path) per shipped stack.
REQUIRED = {
    "dev": {
        (COMPUTE, "data-lake-account", STORAGE_BLOB_DATA_CONTRIBUTOR, PUBLIC),
        (COMPUTE, "ml-storage", STORAGE_BLOB_DATA_READER, PUBLIC),
        (FABRIC, "ml-workspace", CUSTOM, PUBLIC),
        (FABRIC, "data-lake-account", STORAGE_BLOB_DATA_CONTRIBUTOR, PUBLIC),
        (WORKSPACE, "ml-storage", "", PUBLIC),
        (WORKSPACE, "ml-key-vault", "", PUBLIC),
        (DEPLOYER, "ml-storage", "", PUBLIC),
    },
    "prod": {
        (COMPUTE, "data-lake-account", STORAGE_BLOB_DATA_CONTRIBUTOR, PRIVATE_ENDPOINT),
        (COMPUTE, "ml-storage", STORAGE_BLOB_DATA_READER, PRIVATE_ENDPOINT),
        (FABRIC, "ml-workspace", CUSTOM, PUBLIC),
        (FABRIC, "data-lake-account", STORAGE_BLOB_DATA_CONTRIBUTOR, RESOURCE_INSTANCE),
        (WORKSPACE, "ml-storage", "", PRIVATE_ENDPOINT),
        (WORKSPACE, "ml-key-vault", "", PRIVATE_ENDPOINT),
        # Prod's workspace storage is closed: the shipped stack declares that the deployer
        # comes in by its own private endpoint (fabml:workspace.deployerNetwork).
        (DEPLOYER, "ml-storage", STORAGE_BLOB_DATA_CONTRIBUTOR, PRIVATE_NETWORK),
    },
}
REQUIRED["sandbox-template"] = REQUIRED["dev"]


def _plan(stack: str) -> Plan:
    if stack == "prod":
        ids = {**FABRIC_IDS, "workspaceId": FABRIC_WORKSPACE_ID, "tenantId": FABRIC_TENANT_ID}
        return plan_of("prod", fabric=ids)
    return plan_of(stack, fabric=FABRIC_IDS)


def missing_edges(plan: Plan, stack: str) -> list[str]:
    """Each required edge the plan lacks, or has with no network path, by name."""
    have = {
        (e.identity, e.resource, CUSTOM if e.role.startswith("custom") else e.role_guid, e.network)
        for e in edges(plan)
    }
    return [
        f"{identity} -> {resource} ({role or 'no role assignment'}, {network})"
        for identity, resource, role, network in sorted(REQUIRED[stack])
        if (identity, resource, role, network) not in have
    ]


@pytest.mark.parametrize("stack", sorted(REQUIRED))
def test_every_required_edge_is_in_the_shipped_stack(stack: str) -> None:
    plan = _plan(stack)
    assert missing_edges(plan, stack) == []
    # Every identity, the deployer's model upload included, has a way in.
    assert [e.label() for e in edges(plan) if e.network == NONE] == []

    # Every grant's row carries the role's GUID and its scope.
    for edge in edges(plan):
        if edge.grant:
            assert len(edge.role_guid) == 36, edge
            assert edge.scope.startswith("/subscriptions/"), edge


def test_no_required_edge_lacks_a_network_path() -> None:
    # A required edge with no way in is a deployment that fails, not a map to accept.
    every = [(stack, edge) for stack, required in REQUIRED.items() for edge in required]
    assert [(stack, edge) for stack, edge in every if edge[3] == NONE] == []


def test_a_prod_deployer_without_a_way_in_is_refused_before_any_plan() -> None:
    ids = {**FABRIC_IDS, "workspaceId": FABRIC_WORKSPACE_ID, "tenantId": FABRIC_TENANT_ID}
    with pytest.raises(SettingsError, match=r"deployerIpRanges is empty"):
        plan_of("prod", fabric=ids, workspace={"deployerNetwork": "ipRanges"})


def test_the_deployers_ranges_open_prods_upload_path() -> None:
    ids = {**FABRIC_IDS, "workspaceId": FABRIC_WORKSPACE_ID, "tenantId": FABRIC_TENANT_ID}
    plan = plan_of("prod", fabric=ids, workspace={"deployerIpRanges": ["203.0.113.7"]})
    [upload] = [e for e in edges(plan) if e.identity == DEPLOYER]
    assert (upload.resource, upload.role_guid, upload.network) == (
        "ml-storage",
        STORAGE_BLOB_DATA_CONTRIBUTOR,
        IP_RULE,
    )


def _without(plan: Plan, name: str) -> Plan:
    return dataclasses.replace(plan, resources=[r for r in plan.resources if r.name != name])


def _with_inputs(plan: Plan, name: str, **inputs: object) -> Plan:
    return dataclasses.replace(
        plan,
        resources=[
            dataclasses.replace(r, inputs={**r.inputs, **inputs}) if r.name == name else r
            for r in plan.resources
        ],
    )


@pytest.mark.parametrize(
    ("stack", "grant", "edge", "rule"),
    [
        ("dev", "compute-data-lake-access", f"{COMPUTE} -> data-lake-account", "can-mount"),
        ("dev", "compute-model-access", f"{COMPUTE} -> ml-storage", "can-mount"),
        ("dev", "fabric-access-invoke-endpoint", f"{FABRIC} -> ml-workspace", "can-invoke"),
        ("prod", "fabric-access-data-lake-access", f"{FABRIC} -> data-lake-account", "can-invoke"),
    ],
)
def test_a_dropped_role_assignment_fails_naming_the_edge(
    stack: str, grant: str, edge: str, rule: str | None
) -> None:
    mutated = _without(_plan(stack), grant)
    [problem] = missing_edges(mutated, stack)
    assert problem.startswith(edge)
    if rule:
        assert any(rule in v.rule.name for v in check_plan(mutated).verdicts)


def test_a_dropped_network_rule_fails_naming_the_edge() -> None:
    plan = _plan("prod")
    lake = plan.named("data-lake-account")
    rules = {**lake.inputs["networkRuleSet"], "resourceAccessRules": []}
    mutated = _with_inputs(plan, "data-lake-account", networkRuleSet=rules)
    assert missing_edges(mutated, "prod") == [
        f"{FABRIC} -> data-lake-account ({STORAGE_BLOB_DATA_CONTRIBUTOR}, {RESOURCE_INSTANCE})"
    ]
    assert [e.network for e in edges(mutated) if e.identity == FABRIC and "lake" in e.resource] == [
        NONE
    ]
    assert any(
        v.rule.name == "stack-locked-lake-keeps-fabric-and-jobs"
        for v in check_plan(mutated).verdicts
    )


def test_plan_access_prints_the_map_and_the_json_has_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["plan", "--stack", "dev", "--access"])
    out = capsys.readouterr().out
    assert out.startswith("Access map of stack 'dev'")
    assert "compute identity" in out
    assert STORAGE_BLOB_DATA_READER in out
    main(["plan", "--stack", "dev", "--json"])
    access = json.loads(capsys.readouterr().out)["access"]
    assert {row["identity"] for row in access} == {COMPUTE, FABRIC, WORKSPACE, DEPLOYER}
    assert set(access[0]) == {
        "identity",
        "principal",
        "resource",
        "resourceType",
        "role",
        "roleGuid",
        "scope",
        "network",
        "grant",
    }
