"""Fabric's service principal: may invoke the endpoint and reach the data, nothing more."""

from fabml.plan.plan import Plan
from fabml.plan.policy_check import check_plan
from infra.components.roles import (
    AZUREML_DATA_SCIENTIST,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
)
from infra.invoke_actions import INVOKE_ACTIONS
from policies.access_map import STUDIO
from tests.conftest import FABRIC, PRINCIPAL_OBJECT_ID, plan_of

STUDIO_ID = "88888888-8888-4888-8888-888888888888"


def test_custom_invoke_role_is_least_privilege_and_scoped(defaults: Plan) -> None:
    role = defaults.named("fabric-access-invoke-role")
    rg = "/subscriptions/<subscriptionId>/resourceGroups/rg-fabml-dev"
    assert role.input("scope") == rg
    assert role.input("assignableScopes") == [rg]
    assert role.input("permissions") == [{"actions": list(INVOKE_ACTIONS)}]
    assert all(
        a.startswith("Microsoft.MachineLearningServices/workspaces/") for a in INVOKE_ACTIONS
    )
    assert "batchEndpoints/jobs/write" in " ".join(INVOKE_ACTIONS)


def test_principal_gets_invoke_on_the_workspace_and_data_on_the_lake(defaults: Plan) -> None:
    invoke = defaults.named("fabric-access-invoke-endpoint")
    data = defaults.named("fabric-access-data-lake-access")
    role_id = defaults.named("fabric-access-invoke-role").input("roleDefinitionId")
    assert invoke.input("principalId") == PRINCIPAL_OBJECT_ID
    assert invoke.input("roleDefinitionId").endswith(f"/roleDefinitions/{role_id}")
    assert invoke.input("scope").endswith("/workspaces/" + defaults.outputs["workspaceName"])
    assert data.input("roleDefinitionId").endswith(STORAGE_BLOB_DATA_CONTRIBUTOR)
    assert data.input("scope").endswith(
        "/storageAccounts/" + defaults.outputs["storageAccountName"]
    )


def test_nothing_is_granted_at_subscription_scope(defaults: Plan, maximum: Plan) -> None:
    for plan in (defaults, maximum):
        for grant in plan.of_type("azure-native:authorization:RoleAssignment"):
            assert "/resourceGroups/" in grant.input("scope")
            assert grant.input("principalType") == "ServicePrincipal"


def test_built_in_data_scientist_option(maximum: Plan) -> None:
    assert maximum.of_type("azure-native:authorization:RoleDefinition") == []
    invoke = maximum.named("fabric-access-invoke-endpoint")
    assert invoke.input("roleDefinitionId").endswith(AZUREML_DATA_SCIENTIST)
    data = maximum.named("fabric-access-data-lake-access")
    assert data.input("roleDefinitionId").endswith(STORAGE_BLOB_DATA_READER)


def test_studio_users_get_the_workspace_and_read_the_lake() -> None:
    # Each studio user or group: AzureML Data Scientist on the workspace, Storage Blob Data
    # Reader (never Contributor) on the data lake, assigned with its principal type; the
    # access map shows both edges, and the policy pack passes the plan.
    plan = plan_of(
        "dev",
        fabric=FABRIC,
        access={"studioUsers": [{"objectId": STUDIO_ID, "type": "Group"}]},
    )
    grants = {
        r.name: r
        for r in plan.resources
        if r.type == "azure-native:authorization:RoleAssignment" and "studio" in r.name
    }
    assert sorted(grants) == ["fabric-access-studio-0-data", "fabric-access-studio-0-workspace"]
    for grant in grants.values():
        assert grant.input("principalId") == STUDIO_ID
        assert grant.input("principalType") == "Group"
    assert (
        grants["fabric-access-studio-0-data"]
        .input("roleDefinitionId")
        .endswith(STORAGE_BLOB_DATA_READER)
    )
    assert (
        grants["fabric-access-studio-0-workspace"]
        .input("roleDefinitionId")
        .endswith(AZUREML_DATA_SCIENTIST)
    )
    studio = {(e["resource"], e["roleGuid"]) for e in plan.access if e["identity"] == STUDIO}
    assert studio == {
        ("data-lake-account", STORAGE_BLOB_DATA_READER),
        ("ml-workspace", AZUREML_DATA_SCIENTIST),
    }
    assert not [v for v in check_plan(plan).verdicts if v.level == "mandatory"]
