"""What `pulumi destroy` or a replacement must not take from prod, and what no rule covers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from policies.model import (
    BLOB_CONTAINER,
    DEFAULT_DEPLOYMENT,
    KEY_VAULT,
    ML_WORKSPACE,
    RESOURCE_GROUP,
    STORAGE_ACCOUNT,
    Context,
    Finding,
    Resource,
    Rule,
    everywhere,
    prod_only_mandatory,
)

# Resources that hold data or names that cannot be had back: the group, the storage accounts
# (the lake, the workspace's), the vault and the workspace. Containers go with their account.
STATEFUL = (RESOURCE_GROUP, STORAGE_ACCOUNT, KEY_VAULT, ML_WORKSPACE)

# Every custom resource type the program creates. Each is either judged by a rule or holds
# nothing a rule looks at. Anything else (an ARM template deployment, a generic resource, the
# classic azure provider) could create what the rules refuse without any rule seeing it.
KNOWN_TYPES = frozenset(
    {
        "azure-native:applicationinsights:Component",
        "azure-native:authorization:RoleAssignment",
        "azure-native:authorization:RoleDefinition",
        KEY_VAULT,
        "azure-native:machinelearningservices:BatchDeployment",
        "azure-native:machinelearningservices:BatchEndpoint",
        "azure-native:machinelearningservices:Compute",
        "azure-native:machinelearningservices:Datastore",
        "azure-native:machinelearningservices:ModelContainer",
        "azure-native:machinelearningservices:ModelVersion",
        ML_WORKSPACE,
        "azure-native:managedidentity:UserAssignedIdentity",
        "azure-native:monitor:DiagnosticSetting",
        "azure-native:operationalinsights:Workspace",
        RESOURCE_GROUP,
        "azure-native:storage:Blob",
        BLOB_CONTAINER,
        "azure-native:storage:BlobServiceProperties",
        STORAGE_ACCOUNT,
        DEFAULT_DEPLOYMENT,
        # The model files, uploaded with Entra ID (a locked workspace storage).
        "pulumi-python:dynamic/model:ModelUpload",
        # The Fabric side (fabml:fabric.enabled): items in Fabric, no Azure resource.
        "pulumi-python:dynamic/fabric:Connection",
        "pulumi-python:dynamic/fabric:DataPipeline",
        "pulumi-python:dynamic/fabric:Shortcut",
        "pulumi-python:dynamic/fabric:WorkspaceRoleAssignment",
    }
)


def _protected(resource: Resource, context: Context) -> Iterable[str]:
    if context.environment == "prod" and resource.protect is not True:
        yield "not protected in prod: `pulumi destroy` or a replacement would delete its data"


# What CrossGuard's stack policies also see besides custom resources: the stack, providers and
# the program's own components (`fabml:<module>:<Name>`), which create nothing themselves;
# their children are judged one by one.
_NOT_CLOUD = ("pulumi:pulumi:Stack", "pulumi:providers:", "fabml:")


def _known_types(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    for resource in resources:
        if resource.type.startswith(_NOT_CLOUD) or resource.type in KNOWN_TYPES:
            continue
        yield Finding(resource, f"type {resource.type} is not one the policy pack judges")


RULES = (
    Rule(
        name="protect-stateful-in-prod",
        description="Prod's resource group, storage accounts, key vault and workspace carry the "
        "`protect` option.",
        source="project rule (Pulumi protect)",
        fix="keep fabml:protection.protectStateful true in prod",
        enforcement=prod_only_mandatory(),
        types=STATEFUL,
        check=_protected,
    ),
    Rule(
        name="resource-types-known",
        description="Only resource types the pack knows: a template deployment or another "
        "provider's resource would pass every other rule unseen.",
        source="project rule",
        fix="add rules for the new type, then add it to policies/rules/protection.py",
        enforcement=everywhere(),
        check_stack=_known_types,
    ),
)
