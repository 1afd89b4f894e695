"""The optional Fabric side (`fabml:fabric.enabled`): its items, their inputs and the secret."""

from __future__ import annotations

import json

import pytest

from fabml.plan.plan import Plan
from fabml.plan.policy_check import check_plan
from fabml.plan.render import render_text
from infra import placeholder
from infra.fabric import requests
from infra.uris import output_location
from tests.conftest import FABRIC, FABRIC_WORKSPACE_ID, plan_of

LAKEHOUSE = "66666666-6666-4666-8666-666666666666"
ML_CONNECTION = "77777777-7777-4777-8777-777777777777"
SECRET = "do-not-print-me"


def _enabled(**fabric: object) -> Plan:
    base = {"enabled": True, "workspaceId": FABRIC_WORKSPACE_ID, "lakehouseId": LAKEHOUSE}
    return plan_of("dev", fabric={**FABRIC, **base, **fabric}, fabricPrincipalSecret=SECRET)


@pytest.fixture(scope="module")
def enabled() -> Plan:
    return _enabled(mlConnectionId=ML_CONNECTION)


USER = "88888888-8888-4888-8888-888888888888"


@pytest.fixture(scope="module")
def automated() -> Plan:
    """Automation on and no mlConnectionId: the stack makes the Azure ML connection too."""
    return _enabled(
        mlConnectionUsers=[{"objectId": USER, "type": "Group", "role": "UserWithReshare"}],
        connectionTestAttempts=4,
    )


def test_without_a_connection_id_both_connections_are_created(automated: Plan) -> None:
    lake = automated.named("fabric-connection")
    ml = automated.named("fabric-ml-connection")
    assert ml.type == "pulumi-python:dynamic/fabric:Connection"
    assert ml.input("kind") == "azureml"
    assert ml.input("display_name") == "fabml-dev-azureml"
    assert ml.input("workspace_name") == automated.outputs["workspaceName"]
    assert ml.input("resource_group") == automated.outputs["resourceGroupName"]
    assert ml.input("credential") == "ServicePrincipal"
    assert "client_secret" in ml.secret_paths
    assert lake.input("path") == "/scoring"
    assert {lake.input("test_attempts"), ml.input("test_attempts")} == {4}
    # The pipeline names the connection the stack made.
    content = json.loads(automated.named("fabric-pipeline").input("content"))
    [activity] = content["properties"]["activities"]
    made = placeholder.after_deploy("fabric-ml-connection.connection_id")  # the mocks' stand-in
    assert activity["externalReferences"]["connection"] == made
    assert automated.outputs["fabricMlConnectionId"] == made


def test_connections_wait_for_the_principals_role_assignments(automated: Plan) -> None:
    lake = automated.named("fabric-connection")
    ml = automated.named("fabric-ml-connection")
    assert automated.named("fabric-access-data-lake-access").urn in lake.dependencies
    assert automated.named("fabric-access-invoke-endpoint").urn in ml.dependencies
    # ... and a failed test names them.
    assert "fabric-access-data-lake-access" in lake.input("access")
    assert "fabric-access-invoke-endpoint" in ml.input("access")


def test_connection_users_get_their_role_on_the_ml_connection(automated: Plan) -> None:
    [user] = [r for r in automated.resources if r.type.endswith("fabric:ConnectionRoleAssignment")]
    assert user.input("principal_id") == USER
    assert user.input("principal_type") == "Group"
    assert user.input("role") == "UserWithReshare"
    assert user.input("connection_id") == automated.outputs["fabricMlConnectionId"]


def test_the_predictions_shortcut_covers_where_outputs_land(automated: Plan) -> None:
    folder, _ = output_location(automated.outputs["jobOutputUriExpression"])
    shortcut = automated.named("fabric-predictions-shortcut")
    body = requests.shortcut(
        shortcut.input("name"),
        shortcut.input("dfs_url"),
        shortcut.input("container"),
        shortcut.input("folder"),
        "c",
    )
    subpath = body["target"]["adlsGen2"]["subpath"]
    # The datastore is the container: a run's output `<folder>/<run ID>/<file>` lies under it.
    assert f"/{automated.outputs['dataContainerName']}/{folder}/".startswith(f"{subpath}/")
    assert shortcut.input("name") == "heart-predictions"


def test_an_adopted_ml_connection_is_not_created(enabled: Plan) -> None:
    assert not [r for r in enabled.resources if r.name == "fabric-ml-connection"]
    assert enabled.outputs["fabricMlConnectionId"] == ML_CONNECTION


def test_fabric_items_are_created_in_order(enabled: Plan) -> None:
    types = {r.name: r.type for r in enabled.resources}
    assert types["fabric-connection"] == "pulumi-python:dynamic/fabric:Connection"
    assert types["fabric-shortcut"] == "pulumi-python:dynamic/fabric:Shortcut"
    assert types["fabric-workspace-role"] == "pulumi-python:dynamic/fabric:WorkspaceRoleAssignment"
    assert types["fabric-pipeline"] == "pulumi-python:dynamic/fabric:DataPipeline"
    shortcut = enabled.named("fabric-shortcut")
    assert enabled.named("fabric-connection").urn in shortcut.dependencies
    assert shortcut.input("lakehouse_id") == LAKEHOUSE
    assert shortcut.input("folder") == "heart-unlabeled"
    assert enabled.named("fabric-workspace-role").input("role") == "Contributor"
    assert {"fabricConnectionId", "fabricPipelineId"} <= set(enabled.outputs)


def test_the_client_secret_stays_secret(enabled: Plan) -> None:
    connection = enabled.named("fabric-connection")
    assert "client_secret" in connection.secret_paths
    assert SECRET not in enabled.to_json()


def test_pipeline_definition_comes_from_the_stack_outputs(enabled: Plan) -> None:
    content = json.loads(enabled.named("fabric-pipeline").input("content"))
    [activity] = content["properties"]["activities"]
    assert activity["externalReferences"]["connection"] == ML_CONNECTION
    props = activity["typeProperties"]
    assert props["mlBatchEndpointName"] == enabled.outputs["batchEndpointName"]
    assert (
        props["jobOutputs"]["output_data"]["Uri"]["value"]
        == (enabled.outputs["jobOutputUriExpression"])
    )


def test_enabled_stack_passes_the_policy_pack(enabled: Plan) -> None:
    assert check_plan(enabled).verdicts == []


def test_disabled_by_default(defaults: Plan) -> None:
    assert not [r for r in defaults.resources if "/fabric:" in r.type]


ROUTE = "fabric-dataflow-route"


def test_the_dataflow_route_is_planned_in_dependency_order(enabled: Plan) -> None:
    version = enabled.named(f"{ROUTE}-ml-model-version")
    endpoint = enabled.named(f"{ROUTE}-ml-model-endpoint")
    flow = enabled.named(f"{ROUTE}-dataflow")
    webs = [enabled.named(f"{ROUTE}-web-entra-token"), enabled.named(f"{ROUTE}-web-fabric-api")]
    assert version.type == "pulumi-python:dynamic/fabric:MlModelVersion"
    assert version.urn in endpoint.dependencies
    assert {endpoint.urn, version.urn, enabled.named("fabric-workspace-role").urn} | {
        w.urn for w in webs
    } <= set(flow.dependencies)
    assert [w.input("url") for w in webs] == [
        "https://login.microsoftonline.com/",
        "https://api.fabric.microsoft.com/",
    ]
    assert endpoint.input("scale_rule") == "AlwaysOn"
    # A principal deploys by default: no ML model item call; the registration makes the item,
    # and the plan says so where a reviewer looks for the item.
    assert not [r for r in enabled.resources if r.name == f"{ROUTE}-ml-model"]
    assert (
        "No Fabric ML model item is planned: with fabml:fabric.deployer ServicePrincipal and no "
        "fabml:fabric.mlModelId, the registration notebook's MLflow run creates it at deploy "
        "time, which needs a Fabric tenant"
    ) in " ".join(render_text(enabled).split())
    assert version.input("model_folder").endswith("model/heart-classifier")
    assert {"fabricMlModelId", "fabricMlModelVersion", "fabricScoreUrl", "fabricDataflowId"} <= set(
        enabled.outputs
    )


def test_the_dataflow_definition_holds_the_stack_values_and_no_secret(enabled: Plan) -> None:
    parts = json.loads(enabled.named(f"{ROUTE}-dataflow").input("parts"))
    assert list(parts) == ["queryMetadata.json", "mashup.pq", ".platform"]
    mashup = parts["mashup.pq"]
    assert f'"{FABRIC_WORKSPACE_ID}"' in mashup
    assert f'"{FABRIC["principalClientId"]}"' in mashup
    assert 'shared ClientSecret = ""' in mashup
    assert SECRET not in json.dumps(parts)
    # Without a ClusterId the Web connections are bound in the UI (README), not guessed.
    assert json.loads(parts["queryMetadata.json"])["connections"] == []


def test_a_user_deployment_creates_the_item_and_an_id_adopts_it() -> None:
    base = {
        **FABRIC,
        "enabled": True,
        "workspaceId": FABRIC_WORKSPACE_ID,
        "lakehouseId": LAKEHOUSE,
        "mlConnectionId": ML_CONNECTION,
        "connectionCredential": "WorkspaceIdentity",
    }
    user = plan_of("dev", fabric={**base, "deployer": "User"})
    model = user.named(f"{ROUTE}-ml-model")
    assert "No Fabric ML model item is planned" not in render_text(user)
    assert model.input("ml_model_id") is None
    assert model.urn in user.named(f"{ROUTE}-ml-model-version").dependencies
    adopted = "88888888-8888-4888-8888-888888888888"
    plan = plan_of("dev", fabric={**base, "mlModelId": adopted, "dataflowClusterId": adopted})
    assert plan.named(f"{ROUTE}-ml-model").input("ml_model_id") == adopted
    metadata = json.loads(
        json.loads(plan.named(f"{ROUTE}-dataflow").input("parts"))["queryMetadata.json"]
    )
    assert [c["path"] for c in metadata["connections"]] == [
        "https://login.microsoftonline.com/",
        "https://api.fabric.microsoft.com/",
    ]
    assert all(
        json.loads(c["connectionId"])["ClusterId"] == adopted for c in metadata["connections"]
    )
    assert "No Fabric ML model item is planned" not in render_text(plan)
    off = plan_of("dev", fabric={**base, "dataflowRoute": False})
    assert not [r for r in off.resources if ROUTE in r.name]
    assert "No Fabric ML model item is planned" not in render_text(off)


def test_a_connection_names_the_role_of_the_identity_that_signs_it_in(automated: Plan) -> None:
    assert "the principal's data role" in automated.named("fabric-connection").input("access")
    identity = _enabled(
        connectionCredential="WorkspaceIdentity", mlConnectionCredential="WorkspaceIdentity"
    )
    for name in ("fabric-connection", "fabric-ml-connection"):
        access = identity.named(name).input("access")
        assert "for the Fabric workspace identity, which this stack does not grant" in access
        assert "principal" not in access
