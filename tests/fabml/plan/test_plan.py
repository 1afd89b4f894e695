"""The offline plan: every shipped stack plans, the same inputs give the same bytes."""

from __future__ import annotations

import json

import pytest

from fabml.plan.plan import Plan
from fabml.plan.render import render_text
from fabml.plan.runner import plan_stack, run_plan
from fabml.plan.stack_file import STACKS_DIR, stack_names
from infra.catalog import OUTPUT_NAMES
from tests.conftest import config_for


def test_stacks_dir_holds_dev_prod_and_a_sandbox_template() -> None:
    assert {"dev", "prod", "sandbox-template"} <= set(stack_names(STACKS_DIR))


@pytest.mark.parametrize("stack", stack_names(STACKS_DIR))
def test_every_shipped_stack_plans(stack: str) -> None:
    plan = plan_stack(stack)
    assert tuple(plan.outputs) == OUTPUT_NAMES
    assert len(plan.of_type("azure-native:machinelearningservices:BatchEndpoint")) == 1
    # Shipped stack files hold no tenant-specific IDs: the plan says what to set.
    assert "fabml:fabric.principalObjectId" in plan.placeholders


def test_json_has_the_documented_shape(defaults: Plan) -> None:
    data = json.loads(defaults.to_json())
    assert data["stack"] == "dev"
    for resource in data["resources"]:
        assert {"urn", "type", "name", "parent", "inputs", "dependencies"} <= set(resource)
    assert set(data["outputs"]) == set(OUTPUT_NAMES)
    assert Plan.from_dict(data).to_json() == defaults.to_json()


def test_same_inputs_give_byte_identical_plans() -> None:
    first, second = run_plan(config_for("prod")), run_plan(config_for("prod"))
    assert first.to_json() == second.to_json()
    assert render_text(first) == render_text(second)


def test_waves_respect_every_dependency(waf_aligned: Plan) -> None:
    wave_of = {r.urn: n for n, wave in enumerate(waf_aligned.waves) for r in wave}
    customs = [r for r in waf_aligned.resources if r.custom]
    assert set(wave_of) == {r.urn for r in customs}
    for resource in customs:
        for dependency in waf_aligned.custom_dependencies(resource):
            assert wave_of[dependency] < wave_of[resource.urn], (resource.name, dependency)
    # Depth, not a chain: many resources share a wave.
    assert len(waf_aligned.waves) <= 8
    assert max(len(w) for w in waf_aligned.waves) >= 5


def test_components_parent_their_resources(defaults: Plan) -> None:
    components = {r.urn: r for r in defaults.resources if not r.custom}
    assert {c.type for c in components.values()} == {
        "fabml:data:DataLake",
        "fabml:workspace:MlWorkspace",
        "fabml:compute:BatchCompute",
        "fabml:model:RegisteredModel",
        "fabml:scoring:BatchScoring",
        "fabml:datastore:FabricDatastore",
        "fabml:access:FabricAccess",
    }
    for resource in defaults.resources:
        if resource.custom and resource.name != "resource-group":
            parent = components[resource.parent or ""]
            assert resource.name.startswith(parent.name + "-")


def test_outputs_known_only_after_deploy_are_marked(defaults: Plan) -> None:
    assert set(defaults.known_after_deploy) == {
        "subscriptionId",
        "tenantId",
        "computeIdentityClientId",
    }
    assert defaults.outputs["servicePrincipalClientId"] == "22222222-2222-2222-2222-222222222222"
    assert defaults.outputs["storageDfsUrl"] == (
        f"https://{defaults.outputs['storageAccountName']}.dfs.core.windows.net/"
    )


def test_job_uris_are_valid_for_fabric(defaults: Plan, maximum: Plan) -> None:
    assert (
        defaults.outputs["jobInputUri"] == "azureml://datastores/trusted_blob/paths/heart-unlabeled"
    )
    assert defaults.outputs["jobOutputUriExpression"] == (
        "@concat('azureml://datastores/trusted_blob/paths/predictions/', pipeline().RunId, "
        "'/predictions.csv')"
    )
    expression = maximum.outputs["jobOutputUriExpression"]
    assert expression.count("@") == 1
    assert expression.count("(") == expression.count(")")
    assert expression == (
        "@concat('azureml://datastores/fabric_lake/paths/scored/', pipeline().RunId, '/scores.csv')"
    )
    assert maximum.outputs["jobInputUri"] == "azureml://datastores/fabric_lake/paths/incoming/heart"


def test_no_secret_reaches_outputs_or_plan(account_key: Plan) -> None:
    assert account_key.secret_outputs == []
    text = account_key.to_json()
    assert ".key1" not in text
    assert "[secret]" in text


def test_maximum_tags_every_taggable_resource(maximum: Plan) -> None:
    for resource in maximum.resources:
        tags = resource.inputs.get("tags")
        if tags is not None:
            assert tags["expiresOn"] == "2026-12-31"
            assert {"environment", "owner", "costCenter"} <= set(tags)
