"""Stack output names: a contract with the Fabric kit, scripts and users."""

# Extend only: never rename or remove a name.
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
