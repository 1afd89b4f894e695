"""Batch endpoint, no-code MLflow deployment, and the deployment as the endpoint's default."""

import json

from fabml.plan.plan import Plan
from infra.components.default_deployment import DefaultDeploymentProvider
from tests.conftest import FABRIC, plan_of


def test_endpoint_uses_entra_tokens(defaults: Plan) -> None:
    endpoint = defaults.named("scoring-endpoint")
    assert endpoint.input("properties.authMode") == "AADToken"
    assert endpoint.input("endpointName") == defaults.outputs["batchEndpointName"]
    # No default on the endpoint itself: that would be a cycle with the deployment.
    assert endpoint.input("properties.defaults") is None


def test_deployment_has_the_reference_settings(defaults: Plan) -> None:
    deployment = defaults.named("scoring-deployment")
    props = deployment.inputs["properties"]
    assert props["miniBatchSize"] == 2
    assert props["maxConcurrencyPerInstance"] == 2
    assert props["outputAction"] == "AppendRow"
    assert props["outputFileName"] == "predictions.csv"
    assert props["retrySettings"] == {"maxRetries": 3, "timeout": "PT300S"}
    assert props["errorThreshold"] == -1
    assert props["loggingLevel"] == "Info"
    assert props["resources"] == {"instanceCount": 1}
    # No-code MLflow: no environment and no scoring script.
    assert "environmentId" not in props
    assert "codeConfiguration" not in props


def test_deployment_runs_the_registered_model_on_the_cluster(defaults: Plan) -> None:
    props = defaults.named("scoring-deployment").inputs["properties"]
    assert props["model"]["referenceType"] == "Id"
    assert props["model"]["assetId"].endswith("/models/heart-classifier/versions/1")
    assert props["compute"].endswith("/computes/batch-cluster")


def test_deployment_is_deleted_with_its_endpoint(defaults: Plan) -> None:
    deployment = defaults.named("scoring-deployment")
    assert deployment.deleted_with == defaults.named("scoring-endpoint").urn


def test_default_is_set_after_the_deployment_exists(defaults: Plan) -> None:
    default = defaults.named("scoring-default-deployment")
    deployment = defaults.named("scoring-deployment")
    endpoint = defaults.named("scoring-endpoint")
    assert {deployment.urn, endpoint.urn} <= set(default.dependencies)
    assert default.input("deployment_name") == "classifier-sklearn-mlflow"
    assert default.input("endpoint_id").endswith(
        f"/batchEndpoints/{endpoint.input('endpointName')}"
    )
    waves = {r.name: n for n, wave in enumerate(defaults.waves) for r in wave}
    assert waves["scoring-endpoint"] < waves["scoring-deployment"] < waves[default.name]
    assert defaults.outputs["batchDeploymentName"] == "classifier-sklearn-mlflow"


def test_every_deployment_setting_is_overridable(maximum: Plan) -> None:
    props = maximum.named("scoring-deployment").inputs["properties"]
    assert maximum.named("scoring-deployment").input("deploymentName") == "blue"
    assert props["resources"] == {"instanceCount": 4}
    assert props["maxConcurrencyPerInstance"] == 4
    assert props["miniBatchSize"] == 10
    assert props["outputAction"] == "SummaryOnly"
    assert props["outputFileName"] == "scores.csv"
    assert props["retrySettings"] == {"maxRetries": 5, "timeout": "PT600S"}
    assert props["errorThreshold"] == 10
    assert props["loggingLevel"] == "Warning"
    assert maximum.named("scoring-endpoint").input("endpointName") == "heart-scoring-max"


def test_the_endpoint_leaves_its_default_to_the_default_deployment(defaults: Plan) -> None:
    # Without this, `pulumi refresh` puts the default into the endpoint's state and the next
    # `up` PUTs the endpoint from its inputs, which have none: the default is erased.
    endpoint = defaults.named("scoring-endpoint")
    assert endpoint.ignore_changes == ["properties.defaults"]
    # The plan JSON keeps it.
    assert Plan.from_dict(defaults.to_dict()).named("scoring-endpoint").ignore_changes == [
        "properties.defaults"
    ]


def test_the_endpoint_spec_holds_every_endpoint_input_but_its_name(defaults: Plan) -> None:
    """What the endpoint is PUT from (besides what makes its ID, which endpoint_id carries):
    a change to any of it re-PUTs the endpoint without a default, so the default must follow."""
    endpoint = defaults.named("scoring-endpoint")
    spec = json.loads(defaults.named("scoring-default-deployment").input("endpoint_spec"))
    by_id = {"endpointName", "workspaceName", "resourceGroupName"}
    assert set(endpoint.inputs) - by_id == {"location", "properties", "tags"}
    assert spec == {
        "authMode": endpoint.input("properties.authMode"),
        "description": endpoint.input("properties.description"),
        "location": endpoint.input("location"),
        "tags": endpoint.input("tags"),
    }


def test_moving_the_endpoint_under_the_same_name_sets_the_default_again(defaults: Plan) -> None:
    # A new location replaces the endpoint (same name, so the same ID): the new one starts
    # without a default, and only a changed endpoint_spec tells DefaultDeployment so.
    moved = plan_of("dev", fabric=FABRIC, location="westeurope")
    old = defaults.named("scoring-default-deployment").inputs
    new = moved.named("scoring-default-deployment").inputs
    assert old["endpoint_id"] == new["endpoint_id"]
    diff = DefaultDeploymentProvider().diff("id", old, new)
    assert diff.changes is True
    assert diff.replaces == []
