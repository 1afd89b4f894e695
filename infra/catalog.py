"""The resource types the program registers, as plain data: one entry per type.

What the code knows about a type lives here once: its Pulumi type token, its ARM type, how Azure
forms its ID (the offline plan's mocks answer with it), the inputs a reviewer checks first (the
plan table), whether it carries Azure tags (the policy pack), and the names the program gives
the stack and its outputs. A leaf module: it imports no Pulumi, so the policy pack can read it.

Adding a resource type: register it in a component, add its entry here, and a test
(tests/infra/test_catalog.py fails while a type the plan records is missing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROJECT = "fabml"

# Stack output names: a contract with the Fabric kit, scripts and users. Extend only: never
# rename or remove a name.
OUTPUT_NAMES = (
    "subscriptionId",
    "resourceGroupName",
    "workspaceName",
    "batchEndpointName",
    "batchDeploymentName",
    "scoringUri",
    "tenantId",
    "servicePrincipalClientId",
    "storageAccountName",
    "storageDfsUrl",
    "dataContainerName",
    "datastoreName",
    "jobInputUri",
    "jobOutputUriExpression",
    "computeIdentityClientId",
    # Added for the Fabric kit: the activity's job settings.
    "jobMiniBatchSize",
    "jobComputeInstanceCount",
)

# `purpose` tag values: tell reviewers and the policy pack which storage account is which.
DATA_LAKE_PURPOSE = "fabric-data-lake"
WORKSPACE_STORAGE_PURPOSE = "ml-workspace-storage"

# The ARM ID prefixes the templates below use; `{subscriptionId}` is the deployment's.
_SUBSCRIPTION = "/subscriptions/{subscriptionId}"
_GROUP = _SUBSCRIPTION + "/resourceGroups/{resourceGroupName}"
_SA = _GROUP + "/providers/Microsoft.Storage/storageAccounts/{accountName}"
_ML = _GROUP + "/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}"


@dataclass(frozen=True)
class ResourceType:
    """One type the program registers.

    `id_template` is the ARM ID with `{input}` fields (and `{subscriptionId}`); `name_input` the
    input that holds the Azure name. Components and dynamic resources have neither. `aliases`:
    the tokens the SDK registered the same resource under before a rename (it declares them,
    under API-versioned modules, as the resource's aliases). `computed`: see below.
    """

    token: str
    arm_type: str = ""
    id_template: str = ""
    name_input: str = ""
    key_inputs: tuple[str, ...] = ()
    tagged: bool = False
    aliases: tuple[str, ...] = ()
    # Outputs a dynamic provider fills in at create time (IDs of Fabric items): the offline
    # plan's mocks stand "known after deploy" placeholders in for them.
    computed: tuple[str, ...] = ()

    @property
    def is_component(self) -> bool:
        return self.token.startswith(f"{PROJECT}:")


RESOURCE_GROUP = ResourceType(
    "azure-native:resources:ResourceGroup",
    "Microsoft.Resources/resourceGroups",
    _GROUP,
    "resourceGroupName",
    ("resourceGroupName", "location"),
    tagged=True,
)
STORAGE_ACCOUNT = ResourceType(
    "azure-native:storage:StorageAccount",
    "Microsoft.Storage/storageAccounts",
    _SA,
    "accountName",
    (
        "accountName",
        "sku.name",
        "isHnsEnabled",
        "allowSharedKeyAccess",
        "networkRuleSet.defaultAction",
    ),
    tagged=True,
)
BLOB_SERVICE = ResourceType(
    "azure-native:storage:BlobServiceProperties",
    "Microsoft.Storage/storageAccounts/blobServices",
    _SA + "/blobServices/{blobServicesName}",
    "blobServicesName",
    ("deleteRetentionPolicy.days",),
)
BLOB_CONTAINER = ResourceType(
    "azure-native:storage:BlobContainer",
    "Microsoft.Storage/storageAccounts/blobServices/containers",
    _SA + "/blobServices/default/containers/{containerName}",
    "containerName",
    ("containerName", "publicAccess"),
)
BLOB = ResourceType(
    # Not an ARM resource (a data-plane object), but the provider gives it an ID of this form.
    "azure-native:storage:Blob",
    "",
    _SA + "/blobServices/default/containers/{containerName}/blobs/{blobName}",
    "blobName",
    ("blobName",),
)
KEY_VAULT = ResourceType(
    "azure-native:keyvault:Vault",
    "Microsoft.KeyVault/vaults",
    _GROUP + "/providers/Microsoft.KeyVault/vaults/{vaultName}",
    "vaultName",
    (
        "vaultName",
        "properties.enableRbacAuthorization",
        "properties.softDeleteRetentionInDays",
        "properties.enablePurgeProtection",
    ),
    tagged=True,
)
LOG_ANALYTICS = ResourceType(
    "azure-native:operationalinsights:Workspace",
    "Microsoft.OperationalInsights/workspaces",
    _GROUP + "/providers/Microsoft.OperationalInsights/workspaces/{workspaceName}",
    "workspaceName",
    ("workspaceName", "retentionInDays"),
    tagged=True,
)
APP_INSIGHTS = ResourceType(
    "azure-native:applicationinsights:Component",
    "Microsoft.Insights/components",
    _GROUP + "/providers/Microsoft.Insights/components/{resourceName}",
    "resourceName",
    ("resourceName", "ingestionMode"),
    tagged=True,
    aliases=("azure-native:insights:Component",),
)
DIAGNOSTIC_SETTING = ResourceType(
    "azure-native:monitor:DiagnosticSetting",
    "Microsoft.Insights/diagnosticSettings",
    "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
    "name",
    ("name",),
    aliases=("azure-native:insights:DiagnosticSetting",),
)
USER_ASSIGNED_IDENTITY = ResourceType(
    "azure-native:managedidentity:UserAssignedIdentity",
    "Microsoft.ManagedIdentity/userAssignedIdentities",
    _GROUP + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
    "resourceName",
    ("resourceName",),
    tagged=True,
)
ML_WORKSPACE = ResourceType(
    "azure-native:machinelearningservices:Workspace",
    "Microsoft.MachineLearningServices/workspaces",
    _ML,
    "workspaceName",
    ("workspaceName", "publicNetworkAccess", "managedNetwork.isolationMode"),
    tagged=True,
)
ML_COMPUTE = ResourceType(
    "azure-native:machinelearningservices:Compute",
    "Microsoft.MachineLearningServices/workspaces/computes",
    _ML + "/computes/{computeName}",
    "computeName",
    (
        "computeName",
        "properties.properties.vmSize",
        "properties.properties.vmPriority",
        "properties.properties.scaleSettings.maxNodeCount",
        "properties.disableLocalAuth",
    ),
    tagged=True,
    aliases=("azure-native:machinelearningservices:MachineLearningCompute",),
)
DATASTORE = ResourceType(
    "azure-native:machinelearningservices:Datastore",
    "Microsoft.MachineLearningServices/workspaces/datastores",
    _ML + "/datastores/{name}",
    "name",
    ("name", "properties.datastoreType", "properties.credentials.credentialsType"),
    aliases=("azure-native:machinelearningservices:MachineLearningDatastore",),
)
MODEL_CONTAINER = ResourceType(
    "azure-native:machinelearningservices:ModelContainer",
    "Microsoft.MachineLearningServices/workspaces/models",
    _ML + "/models/{name}",
    "name",
    ("name",),
)
MODEL_VERSION = ResourceType(
    "azure-native:machinelearningservices:ModelVersion",
    "Microsoft.MachineLearningServices/workspaces/models/versions",
    _ML + "/models/{name}/versions/{version}",
    "version",
    ("name", "version", "properties.modelType"),
)
BATCH_ENDPOINT = ResourceType(
    "azure-native:machinelearningservices:BatchEndpoint",
    "Microsoft.MachineLearningServices/workspaces/batchEndpoints",
    _ML + "/batchEndpoints/{endpointName}",
    "endpointName",
    ("endpointName", "properties.authMode"),
    tagged=True,
)
BATCH_DEPLOYMENT = ResourceType(
    "azure-native:machinelearningservices:BatchDeployment",
    "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments",
    _ML + "/batchEndpoints/{endpointName}/deployments/{deploymentName}",
    "deploymentName",
    (
        "deploymentName",
        "properties.resources.instanceCount",
        "properties.miniBatchSize",
        "properties.outputAction",
        "properties.errorThreshold",
    ),
    tagged=True,
)
ROLE_DEFINITION = ResourceType(
    "azure-native:authorization:RoleDefinition",
    "Microsoft.Authorization/roleDefinitions",
    _SUBSCRIPTION + "/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}",
    "roleDefinitionId",
    ("roleName",),
)
ROLE_ASSIGNMENT = ResourceType(
    "azure-native:authorization:RoleAssignment",
    "Microsoft.Authorization/roleAssignments",
    "{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
    "roleAssignmentName",
    ("description", "principalType"),
)

# Dynamic resources (Python providers in infra/): no ARM ID of their own.
DEFAULT_DEPLOYMENT = ResourceType(
    "pulumi-python:dynamic/scoring:DefaultDeployment", key_inputs=("deployment_name",)
)
# The model files uploaded with Entra ID where the workspace storage refuses shared keys.
MODEL_UPLOAD = ResourceType("pulumi-python:dynamic/model:ModelUpload", key_inputs=("container",))
FABRIC_CONNECTION = ResourceType(
    "pulumi-python:dynamic/fabric:Connection", computed=("connection_id",)
)
FABRIC_SHORTCUT = ResourceType("pulumi-python:dynamic/fabric:Shortcut")
FABRIC_ROLE_ASSIGNMENT = ResourceType("pulumi-python:dynamic/fabric:WorkspaceRoleAssignment")
FABRIC_PIPELINE = ResourceType(
    "pulumi-python:dynamic/fabric:DataPipeline", computed=("pipeline_id",)
)
FABRIC_CONNECTION_ROLE = ResourceType("pulumi-python:dynamic/fabric:ConnectionRoleAssignment")
FABRIC_WEB_CONNECTION = ResourceType(
    "pulumi-python:dynamic/fabric:WebConnection", computed=("connection_id",)
)
FABRIC_DATAFLOW = ResourceType("pulumi-python:dynamic/fabric:Dataflow", computed=("dataflow_id",))
FABRIC_ML_MODEL = ResourceType("pulumi-python:dynamic/fabric:MlModel", computed=("model_id",))
FABRIC_ML_MODEL_VERSION = ResourceType(
    "pulumi-python:dynamic/fabric:MlModelVersion",
    computed=("model_id", "version_name", "notebook_id"),
)
FABRIC_ML_MODEL_ENDPOINT = ResourceType(
    "pulumi-python:dynamic/fabric:MlModelEndpoint", computed=("score_url",)
)

# The program's own components (infra/components/): they group resources, Azure never sees them.
COMPONENTS = tuple(
    ResourceType(f"{PROJECT}:{token}")
    for token in (
        "data:DataLake",
        "workspace:MlWorkspace",
        "compute:BatchCompute",
        "model:RegisteredModel",
        "scoring:BatchScoring",
        "datastore:FabricDatastore",
        "access:FabricAccess",
        "fabric:FabricSide",
    )
)

TYPES: dict[str, ResourceType] = {
    t.token: t
    for t in (
        RESOURCE_GROUP,
        STORAGE_ACCOUNT,
        BLOB_SERVICE,
        BLOB_CONTAINER,
        BLOB,
        KEY_VAULT,
        LOG_ANALYTICS,
        APP_INSIGHTS,
        DIAGNOSTIC_SETTING,
        USER_ASSIGNED_IDENTITY,
        ML_WORKSPACE,
        ML_COMPUTE,
        DATASTORE,
        MODEL_CONTAINER,
        MODEL_VERSION,
        BATCH_ENDPOINT,
        BATCH_DEPLOYMENT,
        ROLE_DEFINITION,
        ROLE_ASSIGNMENT,
        DEFAULT_DEPLOYMENT,
        MODEL_UPLOAD,
        FABRIC_CONNECTION,
        FABRIC_SHORTCUT,
        FABRIC_ROLE_ASSIGNMENT,
        FABRIC_PIPELINE,
        FABRIC_CONNECTION_ROLE,
        FABRIC_WEB_CONNECTION,
        FABRIC_DATAFLOW,
        FABRIC_ML_MODEL,
        FABRIC_ML_MODEL_VERSION,
        FABRIC_ML_MODEL_ENDPOINT,
        *COMPONENTS,
    )
}

# azure-native also publishes each resource under API-versioned modules, e.g.
# `azure-native:storage/v20230101:StorageAccount`: the same ARM type at a pinned API version.
_VERSIONED_MODULE = re.compile(r"^(azure-native:[a-z0-9]+)/v\d{8}(?:preview)?(:.+)$")
_RENAMED = {alias: t.token for t in TYPES.values() for alias in t.aliases}


def canonical(token: str) -> str:
    """The catalog token a type token stands for: versioned modules and renames folded."""
    unversioned = _VERSIONED_MODULE.sub(r"\1\2", token)
    return _RENAMED.get(unversioned, unversioned)


def lookup(token: str) -> ResourceType | None:
    return TYPES.get(canonical(token))
