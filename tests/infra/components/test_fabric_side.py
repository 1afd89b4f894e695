"""The optional Fabric side (`fabml:fabric.enabled`): its items, their inputs and the secret."""

from __future__ import annotations

import json

import pytest

from fabml.plan.plan import Plan
from fabml.plan.policy_check import check_plan
from tests.conftest import FABRIC, FABRIC_WORKSPACE_ID, plan_of

LAKEHOUSE = "66666666-6666-4666-8666-666666666666"
ML_CONNECTION = "77777777-7777-4777-8777-777777777777"
SECRET = "do-not-print-me"


@pytest.fixture(scope="module")
def enabled() -> Plan:
    return plan_of(
        "dev",
        fabric={
            **FABRIC,
            "enabled": True,
            "workspaceId": FABRIC_WORKSPACE_ID,
            "lakehouseId": LAKEHOUSE,
            "mlConnectionId": ML_CONNECTION,
        },
        fabricPrincipalSecret=SECRET,
    )


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
