"""Batch compute: an identity that may mount the data lake, a cluster that scales to zero."""

import re

from fabml.plan.plan import Plan
from infra.components.roles import STORAGE_BLOB_DATA_CONTRIBUTOR, STORAGE_BLOB_DATA_READER
from tests.conftest import plan_of


def test_cluster_runs_as_the_user_assigned_identity(defaults: Plan) -> None:
    cluster = defaults.named("compute-cluster")
    identity = defaults.named("compute-identity")
    assert cluster.input("identity.type") == "UserAssigned"
    [identity_id] = cluster.input("identity.userAssignedIdentities")
    assert identity_id.endswith(f"/userAssignedIdentities/{identity.input('resourceName')}")
    assert identity.urn in cluster.dependencies


def test_cluster_is_cheap_and_closed_in_dev(defaults: Plan) -> None:
    compute = defaults.named("compute-cluster").inputs["properties"]
    assert compute["computeType"] == "AmlCompute"
    assert compute["disableLocalAuth"] is True
    props = compute["properties"]
    assert props["vmPriority"] == "LowPriority"
    assert props["scaleSettings"] == {
        "minNodeCount": 0,
        "maxNodeCount": 2,
        "nodeIdleTimeBeforeScaleDown": "PT120S",
    }
    assert props["remoteLoginPortPublicAccess"] == "Disabled"


def test_prod_uses_dedicated_nodes_without_public_ips(waf_aligned: Plan) -> None:
    props = waf_aligned.named("compute-cluster").input("properties.properties")
    assert props["vmPriority"] == "Dedicated"
    assert props["scaleSettings"]["maxNodeCount"] == 5
    assert props["enableNodePublicIp"] is False


def _role(plan: Plan, name: str) -> str:
    return plan.named(name).input("roleDefinitionId").rsplit("/", 1)[-1]


def test_identity_may_mount_the_data_lake(defaults: Plan) -> None:
    grant = defaults.named("compute-data-lake-access")
    assert grant.input("principalId") == "<compute-identity.principalId>"
    assert grant.input("principalType") == "ServicePrincipal"
    assert grant.input("scope").endswith(
        f"/storageAccounts/{defaults.named('data-lake-account').input('accountName')}"
    )
    assert _role(defaults, "compute-data-lake-access") == STORAGE_BLOB_DATA_CONTRIBUTOR
    assert _role(defaults, "compute-model-access") == STORAGE_BLOB_DATA_READER


def test_reader_role_when_asked(maximum: Plan) -> None:
    assert _role(maximum, "compute-data-lake-access") == STORAGE_BLOB_DATA_READER
    props = maximum.named("compute-cluster").input("properties.properties")
    assert props["vmSize"] == "Standard_E4s_v3"
    assert props["scaleSettings"]["nodeIdleTimeBeforeScaleDown"] == "PT900S"
    assert maximum.named("compute-cluster").input("computeName") == "scoring"


def test_assignment_names_are_deterministic_guids(defaults: Plan) -> None:
    again = plan_of(
        "dev",
        fabric={
            "principalObjectId": "11111111-1111-1111-1111-111111111111",
            "principalClientId": "22222222-2222-2222-2222-222222222222",
        },
        owner="someone-else",
    )
    names = {
        r.name: r.input("roleAssignmentName")
        for r in defaults.of_type("azure-native:authorization:RoleAssignment")
    }
    assert all(re.fullmatch(r"[0-9a-f-]{36}", n) for n in names.values())
    assert len(set(names.values())) == len(names)
    assert names == {
        r.name: r.input("roleAssignmentName")
        for r in again.of_type("azure-native:authorization:RoleAssignment")
    }
