"""The catalog knows every type the program registers, and what it says of each is true."""

from __future__ import annotations

import importlib.util
import re
import string
from pathlib import Path

import pytest

from fabml.plan.plan import Plan
from fabml.plan.stack_file import stack_names
from infra import catalog
from tests.conftest import ACCOUNT_KEY, FABRIC, FABRIC_WORKSPACE_ID, MAXIMUM, plan_of

FABRIC_ON = {
    **FABRIC,
    "enabled": True,
    "workspaceId": FABRIC_WORKSPACE_ID,
    "lakehouseId": "66666666-6666-4666-8666-666666666666",
    # Nothing adopted, so every Fabric item type is created.
    "deployer": "User",
    "mlConnectionUsers": [
        {"objectId": "77777777-7777-4777-8777-777777777777", "type": "Group", "role": "User"}
    ],
}


# The shipped stacks, and two variants that register what they leave out.
PLANS = [
    *stack_names(),
    "prod, every setting changed",
    "dev, Fabric items on",
    "dev, account-key datastore",
]


def _plan(label: str) -> Plan:
    if label == "prod, every setting changed":
        return plan_of("prod", **MAXIMUM)
    if label == "dev, account-key datastore":
        return plan_of("dev", **ACCOUNT_KEY)
    if label == "dev, Fabric items on":
        return plan_of("dev", fabric=FABRIC_ON, fabricPrincipalSecret="not-a-real-secret")
    return plan_of(label)


def test_the_shipped_stacks_are_the_ones_planned() -> None:
    assert set(stack_names()) >= {"dev", "prod", "sandbox-template"}


@pytest.mark.parametrize("label", PLANS)
def test_every_type_a_plan_records_is_in_the_catalog(label: str) -> None:
    plan = _plan(label)
    missing = sorted({r.type for r in plan.resources} - set(catalog.TYPES))
    assert not missing, f"{label}: add these types to infra/catalog.py: {missing}"


@pytest.mark.parametrize("label", PLANS)
def test_id_templates_name_inputs_the_resources_have(label: str) -> None:
    plan = _plan(label)
    # A field the resource lacks would give the mock ID a `<field>` stand-in.
    for resource in plan.resources:
        kind = catalog.TYPES[resource.type]
        fields = {f for _, f, _, _ in string.Formatter().parse(kind.id_template) if f}
        absent = sorted(fields - {"subscriptionId"} - set(resource.inputs))
        assert not absent, f"{label}: {resource.name} has no input {absent} for its ID"
        if kind.name_input:
            assert kind.name_input in fields, kind.token


def test_every_key_input_is_set_on_its_type_in_some_plan() -> None:
    # A misspelt path would silently drop out of the plan table.
    unset = {
        (token, path)
        for token, kind in catalog.TYPES.items()
        for path in kind.key_inputs
        if all(
            r.input(path) is None
            for label in PLANS
            for r in _plan(label).resources
            if r.type == token
        )
    }
    assert unset == set()


def test_every_catalog_type_is_registered_by_some_plan() -> None:
    recorded = {r.type for label in PLANS for r in _plan(label).resources}
    assert set(catalog.TYPES) - recorded == set()


def _arm_type_of(template: str) -> str:
    """`.../providers/Microsoft.X/a/{n}/b/{m}` -> `Microsoft.X/a/b`."""
    namespace, *path = template.rsplit("/providers/", 1)[1].split("/")
    return "/".join([namespace, *path[0::2]])


@pytest.mark.parametrize(
    "kind", [t for t in catalog.TYPES.values() if t.id_template], ids=lambda t: t.token
)
def test_arm_type_matches_the_id_template(kind: catalog.ResourceType) -> None:
    if kind is catalog.RESOURCE_GROUP:
        assert kind.id_template.endswith("/resourceGroups/{resourceGroupName}")
    elif kind.arm_type:
        assert _arm_type_of(kind.id_template) == kind.arm_type


def _sdk_module_source(token: str) -> str:
    _, module, name = token.split(":")
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    spec = importlib.util.find_spec(f"pulumi_azure_native.{module}")
    assert spec is not None
    assert spec.origin is not None
    return (Path(spec.origin).parent / f"{snake}.py").read_text()


AZURE_TYPES = [t for t in catalog.TYPES.values() if t.token.startswith("azure-native:")]


@pytest.mark.parametrize("kind", AZURE_TYPES, ids=lambda t: t.token)
def test_sdk_registers_the_token_and_its_versioned_aliases_fold_into_it(
    kind: catalog.ResourceType,
) -> None:
    # Read from the installed SDK's source: the token it registers and the API-versioned
    # aliases it declares for the same resource.
    source = _sdk_module_source(kind.token)
    assert f"'{kind.token}'" in source or f'"{kind.token}"' in source
    aliases = re.findall(r"type_=\"(azure-native:[^\"]+)\"", source)
    for alias in aliases:
        assert catalog.canonical(alias) == kind.token, alias
        assert catalog.lookup(alias) is kind


@pytest.mark.parametrize(
    "token",
    [
        "azure-native:storage:StorageAccount",
        "pulumi-python:dynamic/scoring:DefaultDeployment",
        "fabml:data:DataLake",
        "azure-native:storage:StorageAccounts",
    ],
)
def test_unversioned_tokens_are_left_as_they_are(token: str) -> None:
    assert catalog.canonical(token) == token


def test_an_unknown_type_has_no_entry() -> None:
    assert catalog.lookup("azure-native:storage/v20230101:Queue") is None


def test_the_catalog_names_the_outputs_each_fabric_resource_fills_in() -> None:
    # The mocks stand placeholders in for exactly the outputs a provider computes: each
    # dynamic resource declares them as its `pulumi.Output` attributes.
    from infra.fabric import dataflow_item, ml_model, resources

    for module in (resources, dataflow_item, ml_model):
        for cls in vars(module).values():
            if not (isinstance(cls, type) and hasattr(cls, "_resource_type_name")):
                continue
            if cls.__module__ != module.__name__:
                continue
            entry = catalog.lookup(f"pulumi-python:{cls._resource_type_name}")
            assert entry is not None, cls
            declared = tuple(
                name for name, hint in cls.__annotations__.items() if "Output" in str(hint)
            )
            assert set(entry.computed) == set(declared), cls
