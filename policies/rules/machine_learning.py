"""The Azure ML workspace, its compute, the batch deployment and the datastores."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from policies.model import (
    BATCH_DEPLOYMENT,
    DATASTORE,
    DIAGNOSTIC_SETTING,
    ML_COMPUTE,
    ML_WORKSPACE,
    SECRET_MASK,
    Context,
    Finding,
    Resource,
    Rule,
    everywhere,
    prod_only_mandatory,
)

_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


def seconds(duration: object) -> int | None:
    """ISO 8601 time durations as Azure ML writes them (PT5M, PT300S, PT1H)."""
    match = _DURATION.match(duration) if isinstance(duration, str) else None
    if match is None or not any(match.groups()):
        return None
    hours, minutes, secs = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + secs


def _inbound(workspace: Resource, _: Context) -> Iterable[str]:
    declared = workspace.tags.get("fabricInvokesEndpoint") == "true"
    if workspace.get("publicNetworkAccess", "Enabled") == "Enabled" and not declared:
        yield (
            "publicNetworkAccess is Enabled but the workspace does not declare "
            "fabricInvokesEndpoint=true; only Fabric's pipeline, which has no private path to a "
            "batch endpoint, justifies inbound public access"
        )


def _managed_network(workspace: Resource, context: Context) -> Iterable[str]:
    mode = workspace.get("managedNetwork.isolationMode", "Disabled")
    # AllowInternetOutbound lets a job send data anywhere: prod admits approved outbound only.
    if context.environment == "prod" and mode != "AllowOnlyApprovedOutbound":
        yield (
            f"managedNetwork.isolationMode is {mode!r} in prod; it must be "
            "AllowOnlyApprovedOutbound"
        )


def _provision_network_now(workspace: Resource, _: Context) -> Iterable[str]:
    mode = workspace.get("managedNetwork.isolationMode", "Disabled")
    if mode != "Disabled" and workspace.get("provisionNetworkNow") is not True:
        yield (
            f"managedNetwork.isolationMode is {mode!r} without provisionNetworkNow: true; the "
            "network (about 30 minutes) would be built inside the first scoring job"
        )


def _system_datastores_identity(workspace: Resource, context: Context) -> Iterable[str]:
    mode = workspace.get("systemDatastoresAuthMode")
    if context.environment == "prod" and mode != "Identity":
        yield (
            f"systemDatastoresAuthMode is {mode!r} in prod; the workspace's own datastores "
            "must use identities (its storage's shared key is off)"
        )


def _no_customer_managed_key(workspace: Resource, _: Context) -> Iterable[str]:
    if workspace.get("encryption.keyVaultProperties") is not None:
        yield "a customer-managed key is set, and batch deployments are not supported then"


def _local_auth(compute: Resource, _: Context) -> Iterable[str]:
    if compute.get("properties.disableLocalAuth") is not True:
        yield "properties.disableLocalAuth is not true: keys would sign in to the compute"


def _user_assigned(compute: Resource, _: Context) -> Iterable[str]:
    if "UserAssigned" not in str(compute.get("identity.type", "")):
        yield "the compute has no user-assigned identity to mount the data lake with"


def _scale(compute: Resource, context: Context) -> Iterable[str]:
    if compute.get("properties.computeType") != "AmlCompute":
        return
    scale = compute.get("properties.properties.scaleSettings") or {}
    if scale.get("minNodeCount", 0) != 0:
        yield f"minNodeCount is {scale.get('minNodeCount')}: idle clusters must cost nothing"
    max_nodes = scale.get("maxNodeCount")
    if not isinstance(max_nodes, int) or max_nodes > context.max_nodes:
        yield f"maxNodeCount is {max_nodes!r}; the {context.environment} cap is {context.max_nodes}"
    idle = seconds(scale.get("nodeIdleTimeBeforeScaleDown"))
    if idle is None or idle > 900:
        yield (
            f"nodeIdleTimeBeforeScaleDown is {scale.get('nodeIdleTimeBeforeScaleDown')!r}; "
            "it must be set and at most 900 s"
        )


def _within(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and low <= value <= high


def _deployment_bounds(deployment: Resource, _: Context) -> Iterable[str]:
    props = deployment.get("properties") or {}
    if not _within(props.get("miniBatchSize"), 1, 1000):
        yield f"miniBatchSize is {props.get('miniBatchSize')!r}; allowed 1-1000"
    retry = props.get("retrySettings") or {}
    if not _within(retry.get("maxRetries"), 0, 10):
        yield f"retrySettings.maxRetries is {retry.get('maxRetries')!r}; allowed 0-10"
    timeout = seconds(retry.get("timeout"))
    if not _within(timeout, 30, 3600):
        yield f"retrySettings.timeout is {retry.get('timeout')!r}; allowed PT30S-PT1H"
    threshold = props.get("errorThreshold")
    if not isinstance(threshold, int) or threshold < -1:
        yield f"errorThreshold is {threshold!r}; -1 (tolerate all) or a count of files"
    if props.get("outputAction") not in ("AppendRow", "SummaryOnly"):
        yield f"outputAction is {props.get('outputAction')!r}; set AppendRow or SummaryOnly"
    if props.get("outputAction") == "AppendRow" and not props.get("outputFileName"):
        yield "outputFileName is not set though outputAction is AppendRow"


def _blob_datastore(datastore: Resource, _: Context) -> Iterable[str]:
    kind = datastore.get("properties.datastoreType")
    if kind != "AzureBlob":
        yield f"datastoreType is {kind!r}: batch endpoints write outputs only to AzureBlob"


def _credentials(datastore: Resource, _: Context) -> Iterable[str]:
    credentials = datastore.get("properties.credentials") or {}
    if credentials.get("credentialsType", "None") == "None":
        return
    secrets = credentials.get("secrets") or {}
    for key, value in secrets.items():
        if key == "secretsType":
            continue
        path = f"properties.credentials.secrets.{key}"
        if datastore.secret_paths is not None and path not in datastore.secret_paths:
            yield f"{path} is stored in plain text; make it a Pulumi secret"
        elif datastore.secret_paths is None and value not in (None, SECRET_MASK):
            # CrossGuard cannot see secretness: it can only flag a literal value.
            yield f"{path} holds a value; make sure it comes from a Pulumi secret"


def _resource_logs(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    for workspace in (r for r in resources if r.type == ML_WORKSPACE):
        logged = any(
            d.type == DIAGNOSTIC_SETTING
            and workspace.urn in d.dependencies
            and any(
                log.get("enabled") and log.get("categoryGroup") in ("allLogs", "audit")
                for log in d.get("logs") or []
            )
            for d in resources
        )
        if not logged:
            yield Finding(workspace, "no diagnostic setting sends the workspace's logs anywhere")


RULES = (
    Rule(
        name="ml-inbound-public-access",
        description="Inbound public access only where the stack declares Fabric invokes the "
        "endpoint (fabricInvokesEndpoint tag).",
        source="Azure Policy 438c38d2-3772-465a-a9cc-7a6666a275ce; Checkov CKV_AZURE_144 "
        "(reasoned exception while Fabric pipelines call the endpoint)",
        fix="set fabml:workspace.publicNetworkAccess Disabled, or fabml:fabric.invokesEndpoint "
        "true if Fabric's pipeline calls the endpoint",
        enforcement=everywhere(),
        types=(ML_WORKSPACE,),
        check=_inbound,
    ),
    Rule(
        name="ml-managed-network-in-prod",
        description="Prod workspaces send outbound traffic only to approved destinations "
        "(managed network AllowOnlyApprovedOutbound).",
        source="MCSB NS-2; project rule",
        fix="set fabml:workspace.managedNetwork AllowOnlyApprovedOutbound",
        enforcement=prod_only_mandatory(),
        types=(ML_WORKSPACE,),
        check=_managed_network,
    ),
    Rule(
        name="ml-provision-network-now",
        description="A managed network is built at deploy (provisionNetworkNow), not inside "
        "the first Fabric-triggered job.",
        source="project rule (Azure ML managed network provisioning)",
        fix="set provisionNetworkNow: true on the workspace (the program does with any "
        "fabml:workspace.managedNetwork other than Disabled)",
        enforcement=everywhere(),
        types=(ML_WORKSPACE,),
        check=_provision_network_now,
    ),
    Rule(
        name="ml-system-datastores-identity-in-prod",
        description="Prod workspaces reach their own storage with identities, not account keys "
        "(systemDatastoresAuthMode Identity).",
        source="MCSB IM-1; project rule",
        fix="set fabml:workspace.managedNetwork in prod (the program then sets "
        "systemDatastoresAuthMode: Identity)",
        enforcement=prod_only_mandatory(),
        types=(ML_WORKSPACE,),
        check=_system_datastores_identity,
    ),
    Rule(
        name="ml-no-customer-managed-key-with-batch",
        description="No customer-managed key on a workspace that hosts batch deployments.",
        source="project rule (Azure ML: batch deployments unsupported with CMK encryption)",
        fix="remove encryption.keyVaultProperties from the workspace",
        enforcement=everywhere(),
        types=(ML_WORKSPACE,),
        check=_no_customer_managed_key,
    ),
    Rule(
        name="ml-compute-local-auth-off",
        description="Computes accept Entra ID only.",
        source="Azure Policy e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f; Checkov CKV_AZURE_142",
        fix="set properties.disableLocalAuth: true",
        enforcement=everywhere(),
        types=(ML_COMPUTE,),
        check=_local_auth,
    ),
    Rule(
        name="ml-compute-user-assigned-identity",
        description="Computes run as a user-assigned identity.",
        source="Azure Policy 5f0c7d88-c7de-45b8-ac49-db49e72eaa78",
        fix="give the compute identity.type UserAssigned with the compute identity",
        enforcement=everywhere(),
        types=(ML_COMPUTE,),
        check=_user_assigned,
    ),
    Rule(
        name="ml-compute-scale",
        description="AmlCompute scales to zero, under a node cap, idle scale-down at most 900 s.",
        source="Azure Landing Zones (Azure ML compute guardrails); project rule",
        fix="set fabml:compute.maxNodes within the cap and idleSecondsBeforeScaleDown <= 900",
        enforcement=everywhere(),
        types=(ML_COMPUTE,),
        check=_scale,
    ),
    Rule(
        name="batch-deployment-bounds",
        description="Mini-batch size, retries, timeout and error threshold within sane bounds; "
        "output action and file set.",
        source="project rule",
        fix="adjust fabml:deployment (miniBatchSize 1-1000, maxRetries 0-10, timeoutSeconds "
        "30-3600, errorThreshold >= -1, outputAction and outputFileName)",
        enforcement=everywhere(),
        types=(BATCH_DEPLOYMENT,),
        check=_deployment_bounds,
    ),
    Rule(
        name="datastore-azure-blob",
        description="Datastores are AzureBlob: batch endpoints write outputs only to blob.",
        source="project rule (Azure ML batch endpoint outputs)",
        fix="use datastoreType AzureBlob over the ADLS Gen2 account",
        enforcement=everywhere(),
        types=(DATASTORE,),
        check=_blob_datastore,
    ),
    Rule(
        name="datastore-no-plaintext-credentials",
        description="Datastore credentials are identity-based or Pulumi secrets.",
        source="MCSB IM-8; project rule",
        fix="use fabml:datastore.auth identity, or pass the key as a Pulumi secret",
        enforcement=everywhere(),
        types=(DATASTORE,),
        check=_credentials,
    ),
    Rule(
        name="ml-resource-logs",
        description="The workspace's resource logs go to Log Analytics.",
        source="Azure Policy afe0c3be-ba3b-4544-ba52-0c99672a8ad6",
        fix="add a diagnostic setting with categoryGroup allLogs on the workspace",
        enforcement=prod_only_mandatory(),
        check_stack=_resource_logs,
    ),
)
