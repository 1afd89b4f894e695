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
from tests.conftest import ACCOUNT_KEY, FABRIC, FABRIC_WORKSPACE_ID, MAXIMUM, plan_of

OWNER_ROLE = (
    "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
)
DELETE = object()


def _stack(name: str) -> Plan:
    if name == "prod":
        return plan_of("prod", fabric={**FABRIC, "workspaceId": FABRIC_WORKSPACE_ID})
    if name == "maximum":
        return plan_of("prod", **MAXIMUM)
    if name == "account-key":
        return plan_of("dev", **ACCOUNT_KEY)
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
    special = {"secret_paths": resource.secret_paths, "protect": resource.protect}
    type_ = resource.type
    for path, value in changes.items():
        if path == "@type":
            type_ = value
        elif path.startswith("@"):
            special[path[1:]] = value
        else:
            _set(props, path, value)
    return dataclasses.replace(
        resource,
        type=type_,
        props=props,
        secret_paths=special["secret_paths"],
        protect=special["protect"],
    )


def edited(stack: str, name: str, changes: Any) -> list[Resource]:
    resources = plan_resources(_stack(stack))
    if changes is DELETE:
        return [r for r in resources if r.name != name]
    return [_edit(r, changes) if r.name == name else r for r in resources]


# Every realistic stack passes every rule: settings refuse what the rules forbid (the property
# test in tests/infra/test_settings_properties.py holds them to it).
BASELINE: dict[str, set[str]] = {}


def _baseline(stack: str) -> set[str]:
    return BASELINE.get(stack, set())


# The environment each realistic stack is judged by.
ENVIRONMENT = {"maximum": "prod", "account-key": "dev"}


@pytest.mark.parametrize("stack", ["dev", "prod", "maximum", "sandbox", "account-key"])
def test_realistic_stacks_pass_every_rule(stack: str) -> None:
    environment = ENVIRONMENT.get(stack, stack)
    assert failing(plan_resources(_stack(stack)), environment) == _baseline(stack)


FABRIC_WORKSPACE_RULE = {
    "tenantId": "<tenantId>",
    "resourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/Fabric"
    f"/providers/Microsoft.Fabric/workspaces/{FABRIC_WORKSPACE_ID}",
}
OWNER_ID = f"/subscriptions/x{OWNER_ROLE}"
INVOKE = "Microsoft.MachineLearningServices/workspaces/batchEndpoints/jobs/write"


def _actions(*actions: str) -> dict[str, Any]:
    return {"permissions": [{"actions": [INVOKE, *actions]}]}


def _ip(*ranges: str) -> dict[str, Any]:
    return {"networkRuleSet.ipRules": [{"iPAddressOrRange": r, "action": "Allow"} for r in ranges]}


# The bypasses (issue 13, item 3), each one mutation of a real plan.
SECURITY_CASES: list[tuple[str, str, Any, set[str]]] = [
    # A custom role with "*" actions, assigned to Fabric's principal, passed.
    ("dev", "fabric-access-invoke-role", _actions("*"), {"role-custom-actions"}),
    ("dev", "fabric-access-invoke-role", _actions("*/write"), {"role-custom-actions"}),
    ("dev", "fabric-access-invoke-role", _actions("*/delete"), {"role-custom-actions"}),
    (
        "dev",
        "fabric-access-invoke-role",
        _actions("Microsoft.Authorization/*"),
        {"role-custom-actions"},
    ),
    (
        "dev",
        "fabric-access-invoke-role",
        _actions("microsoft.authorization/roleAssignments/write"),
        {"role-custom-actions"},
    ),
    (
        "dev",
        "fabric-access-invoke-role",
        _actions("Microsoft.MachineLearningServices/workspaces/*"),
        {"role-custom-actions"},
    ),
    (
        "dev",
        "fabric-access-invoke-role",
        _actions("Microsoft.Storage/*/read"),
        {"role-custom-actions"},
    ),
    # Beyond Microsoft's list: an undocumented action, a data action.
    (
        "dev",
        "fabric-access-invoke-role",
        _actions("Microsoft.MachineLearningServices/workspaces/delete"),
        {"role-custom-actions"},
    ),
    (
        "dev",
        "fabric-access-invoke-role",
        {
            "permissions": [
                {
                    "actions": [INVOKE],
                    "dataActions": [
                        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
                    ],
                }
            ]
        },
        {"role-custom-actions"},
    ),
    # A known built-in role passed when the assignment depended on the stack's custom role.
    ("dev", "fabric-access-invoke-endpoint", {"roleDefinitionId": OWNER_ID}, {"role-allow-list"}),
    # Prod: the lake is a dependency of the workspace (private-endpoint rules) and was exempt.
    ("prod", "data-lake-account", {"allowSharedKeyAccess": True}, {"storage-shared-key-off"}),
    # The purpose tag exempted any account.
    (
        "dev",
        "data-lake-account",
        {"allowSharedKeyAccess": True, "tags.purpose": "ml-workspace-storage"},
        {"storage-shared-key-off"},
    ),
    # ipRules were never checked: a /3 passed; the limit is per environment.
    ("dev", "data-lake-account", _ip("64.0.0.0/3"), {"network-ip-rules-narrow"}),
    ("prod", "data-lake-account", _ip("203.0.0.0/16"), {"network-ip-rules-narrow"}),
    ("dev", "data-lake-account", _ip("::/0"), {"network-ip-rules-narrow"}),
    (
        "dev",
        "ml-key-vault",
        {"properties.networkAcls.ipRules": [{"value": "0.0.0.0/0"}]},
        {"network-ip-rules-narrow"},
    ),
    ("dev", "ml-workspace", {"ipAllowlist": ["10.0.0.0/7"]}, {"network-ip-rules-narrow"}),
    # Wildcard resource instance rules passed.
    (
        "prod",
        "data-lake-account",
        {
            "networkRuleSet.resourceAccessRules": [
                FABRIC_WORKSPACE_RULE,
                {
                    "tenantId": "<tenantId>",
                    "resourceId": "/subscriptions/*/resourcegroups/*"
                    "/providers/Microsoft.Fabric/workspaces/*",
                },
            ]
        },
        {"storage-resource-access-rules-specific"},
    ),
    (
        "prod",
        "data-lake-account",
        {"networkRuleSet.resourceAccessRules": [{**FABRIC_WORKSPACE_RULE, "tenantId": "*"}]},
        {"storage-resource-access-rules-specific"},
    ),
    # Versioned modules skipped every rule.
    (
        "dev",
        "data-lake-account",
        {"@type": "azure-native:storage/v20230101:StorageAccount", "minimumTlsVersion": "TLS1_0"},
        {"storage-min-tls"},
    ),
    (
        "dev",
        "ml-key-vault",
        {"@type": "azure-native:keyvault/v20230701:Vault", "properties.enableSoftDelete": False},
        {"keyvault-soft-delete"},
    ),
    # A resource type no rule judges (an ARM template deployment creates anything).
    ("dev", "ml-logs", {"@type": "azure-native:resources:Deployment"}, {"resource-types-known"}),
    # No protect check on prod's stateful resources.
    ("prod", "ml-key-vault", {"@protect": False}, {"protect-stateful-in-prod"}),
    ("prod", "data-lake-account", {"@protect": False}, {"protect-stateful-in-prod"}),
    # No key vault network rule, no retention minimum.
    ("dev", "ml-key-vault", {"properties.networkAcls": DELETE}, {"keyvault-network-rules"}),
    (
        "prod",
        "ml-key-vault",
        {"properties.networkAcls.defaultAction": "Allow"},
        {"keyvault-network-rules"},
    ),
    (
        "prod",
        "ml-key-vault",
        {"properties.softDeleteRetentionInDays": 30},
        {"keyvault-retention-minimum"},
    ),
    (
        "dev",
        "ml-key-vault",
        {"properties.softDeleteRetentionInDays": 6},
        {"keyvault-retention-minimum"},
    ),
    # ml-managed-network-in-prod accepted AllowInternetOutbound.
    (
        "prod",
        "ml-workspace",
        {"managedNetwork.isolationMode": "AllowInternetOutbound"},
        {"ml-managed-network-in-prod"},
    ),
]

# (stack, resource, changes or DELETE, the rules that must fail — exactly)
# Prod's workspace storage, vault and managed network (issue 12, items 3 and 4).
LOCKED_WORKSPACE_CASES: list[tuple[str, str, Any, set[str]]] = [
    (
        "prod",
        "ml-storage",
        {"allowSharedKeyAccess": True},
        {"storage-shared-key-workspace-storage"},
    ),
    (
        "prod",
        "ml-storage",
        {"networkRuleSet.defaultAction": "Allow"},
        {"storage-workspace-storage-network-deny"},
    ),
    (
        "prod",
        "ml-storage",
        {"sku.name": "Standard_LRS"},
        {"storage-workspace-storage-zone-redundant"},
    ),
    (
        "prod",
        "ml-key-vault",
        {"properties.publicNetworkAccess": "Enabled"},
        {"keyvault-public-network-off-in-prod"},
    ),
    ("prod", "ml-workspace", {"provisionNetworkNow": DELETE}, {"ml-provision-network-now"}),
    (
        "prod",
        "ml-workspace",
        {"systemDatastoresAuthMode": "AccessKey"},
        {"ml-system-datastores-identity-in-prod"},
    ),
]

CASES: list[tuple[str, str, Any, set[str]]] = [
    *LOCKED_WORKSPACE_CASES,
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
        "account-key",
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
        # Owner is no data role either: the job could not read the model with it.
        {"role-allow-list", "stack-compute-identity-can-mount"},
    ),
    ("dev", "compute-model-access", {"principalType": DELETE}, {"role-principal-type"}),
    ("dev", "data-lake-account", {"tags.owner": DELETE}, {"tags-required"}),
    ("sandbox", "ml-logs", {"tags.expiresOn": DELETE}, {"tags-sandbox-expiry"}),
    ("dev", "compute-data-lake-access", DELETE, {"stack-compute-identity-can-mount"}),
    ("dev", "compute-model-access", DELETE, {"stack-compute-identity-can-mount"}),
    (
        "dev",
        "ml-storage",
        {"allowSharedKeyAccess": False},
        {"storage-blob-upload-needs-shared-key"},
    ),
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
    *SECURITY_CASES,
]


@pytest.mark.parametrize(
    ("stack", "name", "changes", "expected"),
    CASES,
    ids=[f"{sorted(e)[0]}:{n}" for _, n, _, e in CASES],
)
def test_one_change_fails_exactly_the_expected_rules(
    stack: str, name: str, changes: Any, expected: set[str]
) -> None:
    environment = ENVIRONMENT.get(stack, stack)
    assert not expected & _baseline(stack), "the case must make a passing rule fail"
    assert failing(edited(stack, name, changes), environment) == expected | _baseline(stack)


def test_every_rule_has_a_violating_case() -> None:
    covered = set().union(*(expected for *_, expected in CASES), *BASELINE.values())
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


def test_prod_workspace_storage_key_is_mandatory_and_cannot_be_borrowed() -> None:
    resources = plan_resources(_stack("prod"))
    context = context_for("prod")
    [rule] = [r for r in RULES if r.name == "storage-shared-key-workspace-storage"]
    assert rule.enforcement["prod"] == "mandatory"
    assert rule.findings(resources, context) == []
    keyed = [
        _edit(r, {"allowSharedKeyAccess": True}) if r.name == "ml-storage" else r for r in resources
    ]
    [finding] = rule.findings(keyed, context)
    assert finding.resource is not None
    assert finding.resource.name == "ml-storage"
    assert "shared-key" in finding.message
    # The workspace pointed at the lake (with its shared key on) exempts nothing: a data lake
    # is never the workspace's own storage, and both are then judged by the main rule.
    lake = next(r for r in resources if r.name == "data-lake-account")
    lake_id = (
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/"
        f"{lake.get('accountName')}"
    )
    borrowed = [
        _edit(r, {"storageAccount": lake_id})
        if r.name == "ml-workspace"
        else _edit(r, {"allowSharedKeyAccess": True})
        if r.name in ("data-lake-account", "ml-storage")
        else r
        for r in resources
    ]
    [shared] = [r for r in RULES if r.name == "storage-shared-key-off"]
    assert {f.resource.name for f in shared.findings(borrowed, context) if f.resource} == {
        "data-lake-account",
        "ml-storage",
    }
    assert rule.findings(borrowed, context) == []


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
