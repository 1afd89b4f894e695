"""Each rule, Checkov-style: a realistic stack that passes, and one change that makes exactly
the expected rules fail. The stacks are the real plans; each case edits one resource."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from fabml.plan.plan import Plan
from fabml.plan.policy_check import plan_resources
from policies.config import context_for
from policies.model import Resource
from policies.rules import RULES
from tests.conftest import FABRIC, FABRIC_WORKSPACE_ID, MAXIMUM, plan_of

OWNER_ROLE = (
    "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
)
DELETE = object()


def _stack(name: str) -> Plan:
    if name == "prod":
        return plan_of("prod", fabric={**FABRIC, "workspaceId": FABRIC_WORKSPACE_ID})
    if name == "maximum":
        return plan_of("prod", **MAXIMUM)
    if name == "sandbox":
        return plan_of("sandbox-template", fabric=FABRIC, expiresOn="2026-12-31")
    return plan_of("dev", fabric=FABRIC)


def _set(props: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        props = props.setdefault(part, {})
    if value is DELETE:
        props.pop(last, None)
    else:
        props[last] = value


def failing(resources: list[Resource], environment: str) -> set[str]:
    context = context_for(environment)
    return {rule.name for rule in RULES if rule.findings(resources, context)}


def _edit(resource: Resource, changes: dict[str, Any]) -> Resource:
    props = copy.deepcopy(dict(resource.props))
    secret_paths = resource.secret_paths
    for path, value in changes.items():
        if path == "@secret_paths":
            secret_paths = value
        else:
            _set(props, path, value)
    return dataclasses.replace(resource, props=props, secret_paths=secret_paths)


def edited(stack: str, name: str, changes: Any) -> list[Resource]:
    resources = plan_resources(_stack(stack))
    if changes is DELETE:
        return [r for r in resources if r.name != name]
    return [_edit(r, changes) if r.name == name else r for r in resources]


@pytest.mark.parametrize("stack", ["dev", "prod", "maximum", "sandbox"])
def test_realistic_stacks_pass_every_rule(stack: str) -> None:
    environment = {"maximum": "prod"}.get(stack, stack)
    assert failing(plan_resources(_stack(stack)), environment) == set()


# (stack, resource, changes or DELETE, the rules that must fail — exactly)
CASES: list[tuple[str, str, Any, set[str]]] = [
    ("dev", "data-lake-account", {"isHnsEnabled": False}, {"storage-hierarchical-namespace"}),
    ("dev", "ml-storage", {"enableHttpsTrafficOnly": False}, {"storage-secure-transfer"}),
    ("dev", "data-lake-account", {"minimumTlsVersion": "TLS1_0"}, {"storage-min-tls"}),
    ("dev", "ml-storage", {"allowBlobPublicAccess": True}, {"storage-no-public-blob-access"}),
    ("dev", "data-lake-account", {"networkRuleSet": DELETE}, {"storage-network-default-deny"}),
    (
        "prod",
        "data-lake-account",
        {"networkRuleSet.defaultAction": "Allow"},
        {"storage-network-default-deny"},
    ),
    ("dev", "data-lake-account", {"allowSharedKeyAccess": True}, {"storage-shared-key-off"}),
    (
        "prod",
        "ml-storage",
        {"encryption.requireInfrastructureEncryption": False},
        {"storage-infrastructure-encryption"},
    ),
    ("dev", "ml-workspace", {"tags.fabricInvokesEndpoint": "false"}, {"ml-inbound-public-access"}),
    (
        "prod",
        "ml-workspace",
        {"managedNetwork": DELETE},
        {"ml-managed-network-in-prod", "stack-locked-lake-keeps-fabric-and-jobs"},
    ),
    (
        "dev",
        "ml-workspace",
        {"encryption.keyVaultProperties": {"keyIdentifier": "k"}},
        {"ml-no-customer-managed-key-with-batch"},
    ),
    (
        "dev",
        "compute-cluster",
        {"properties.disableLocalAuth": False},
        {"ml-compute-local-auth-off"},
    ),
    (
        "dev",
        "compute-cluster",
        {"identity": {"type": "SystemAssigned"}},
        {"ml-compute-user-assigned-identity"},
    ),
    (
        "dev",
        "compute-cluster",
        {"properties.properties.scaleSettings.minNodeCount": 1},
        {"ml-compute-scale"},
    ),
    (
        "dev",
        "compute-cluster",
        {"properties.properties.scaleSettings.maxNodeCount": 5},
        {"ml-compute-scale"},
    ),
    (
        "dev",
        "compute-cluster",
        {"properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown": "PT30M"},
        {"ml-compute-scale"},
    ),
    ("dev", "scoring-deployment", {"properties.miniBatchSize": 0}, {"batch-deployment-bounds"}),
    (
        "dev",
        "scoring-deployment",
        {"properties.retrySettings.timeout": "PT2H"},
        {"batch-deployment-bounds"},
    ),
    (
        "dev",
        "scoring-deployment",
        {"properties.outputFileName": DELETE},
        {"batch-deployment-bounds"},
    ),
    (
        "dev",
        "datastore-datastore",
        {"properties.datastoreType": "AzureDataLakeGen2"},
        {"datastore-azure-blob"},
    ),
    (
        "maximum",
        "datastore-datastore",
        {"@secret_paths": ()},
        {"datastore-no-plaintext-credentials"},
    ),
    ("dev", "ml-diagnostics", DELETE, {"ml-resource-logs"}),
    ("dev", "ml-key-vault", {"properties.enableRbacAuthorization": False}, {"keyvault-rbac"}),
    ("dev", "ml-key-vault", {"properties.enableSoftDelete": False}, {"keyvault-soft-delete"}),
    (
        "prod",
        "ml-key-vault",
        {"properties.enablePurgeProtection": DELETE},
        {"keyvault-purge-protection-in-prod"},
    ),
    (
        "dev",
        "fabric-access-invoke-role",
        {"assignableScopes": ["/subscriptions/<subscriptionId>"]},
        {"role-scope-within-resource-group"},
    ),
    (
        "dev",
        "compute-model-access",
        {"roleDefinitionId": f"/subscriptions/x{OWNER_ROLE}"},
        {"role-allow-list"},
    ),
    ("dev", "compute-model-access", {"principalType": DELETE}, {"role-principal-type"}),
    ("dev", "data-lake-account", {"tags.owner": DELETE}, {"tags-required"}),
    ("sandbox", "ml-logs", {"tags.expiresOn": DELETE}, {"tags-sandbox-expiry"}),
    ("dev", "compute-data-lake-access", DELETE, {"stack-compute-identity-can-mount"}),
    ("dev", "fabric-access-invoke-endpoint", DELETE, {"stack-fabric-principal-can-invoke"}),
    ("dev", "fabric-access-data-lake-access", DELETE, {"stack-fabric-principal-can-invoke"}),
    ("dev", "scoring-default-deployment", DELETE, {"stack-endpoint-has-default-deployment"}),
    (
        "prod",
        "data-lake-account",
        {"networkRuleSet.resourceAccessRules": DELETE},
        {"stack-locked-lake-keeps-fabric-and-jobs"},
    ),
    (
        "prod",
        "ml-workspace",
        {"managedNetwork.outboundRules.data-lake-dfs": DELETE},
        {"stack-locked-lake-keeps-fabric-and-jobs"},
    ),
]


@pytest.mark.parametrize(
    ("stack", "name", "changes", "expected"),
    CASES,
    ids=[f"{sorted(e)[0]}:{n}" for _, n, _, e in CASES],
)
def test_one_change_fails_exactly_the_expected_rules(
    stack: str, name: str, changes: Any, expected: set[str]
) -> None:
    environment = {"maximum": "prod"}.get(stack, stack)
    assert failing(edited(stack, name, changes), environment) == expected


def test_every_rule_has_a_violating_case() -> None:
    covered = set().union(*(expected for *_, expected in CASES))
    assert covered == {rule.name for rule in RULES}


def test_every_rule_names_its_source_and_fix() -> None:
    for rule in RULES:
        assert rule.source
        assert rule.fix
        assert rule.description
        assert set(rule.enforcement) == {"dev", "sandbox", "prod"}
        assert (rule.check is None) != (rule.check_stack is None), rule.name
    assert len({rule.name for rule in RULES}) == len(RULES)


def test_unknown_values_are_not_violations() -> None:
    # In `pulumi preview` IDs of new resources are unknown: links fall back to dependencies.
    resources = plan_resources(_stack("dev"))
    unknown = [
        dataclasses.replace(
            r,
            props={
                **r.props,
                **({"scope": "<unknown>"} if "scope" in r.props else {}),
                **({"roleDefinitionId": "<unknown>"} if "roleDefinitionId" in r.props else {}),
            },
        )
        for r in resources
    ]
    assert failing(unknown, "dev") == set()


def test_a_type_from_an_api_versioned_module_or_a_rename_is_checked_as_its_own() -> None:
    # What CrossGuard sees when a program registers `storage/v20230101:StorageAccount`, or an
    # old type name the SDK still aliases.
    renamed = {
        "azure-native:storage:": "azure-native:storage/v20230101:",
        "azure-native:machinelearningservices:Datastore": (
            "azure-native:machinelearningservices/v20200501preview:MachineLearningDatastore"
        ),
    }

    def aliased(resource: Resource) -> Resource:
        type_ = resource.type
        for old, new in renamed.items():
            type_ = type_.replace(old, new)
        return Resource(type_, resource.name, resource.urn, resource.props, resource.dependencies)

    resources = [aliased(r) for r in edited("dev", "data-lake-account", {"isHnsEnabled": False})]
    assert failing(resources, "dev") == {"storage-hierarchical-namespace"}
    assert failing([aliased(r) for r in plan_resources(_stack("dev"))], "dev") == set()
