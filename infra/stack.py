"""Composes the components into the stack and names its outputs.

`build()` is the whole program: `infra/__main__.py` runs it under the real engine and
`fabml plan` under the mock runtime. It registers resources and returns the stack outputs;
it never reads configuration itself.
"""

from __future__ import annotations

import json

import pulumi
from pulumi_azure_native import authorization, resources

from infra.components.access import FabricAccess
from infra.components.compute import BatchCompute
from infra.components.context import StackContext
from infra.components.data_lake import DataLake
from infra.components.datastore import FabricDatastore
from infra.components.fabric_side import FabricSide
from infra.components.model import RegisteredModel
from infra.components.scoring import BatchScoring
from infra.components.workspace import MlWorkspace
from infra.fabric.outputs import StackOutputs
from infra.fabric.pipeline import pipeline_content
from infra.naming import Names
from infra.settings import StackSettings
from infra.uris import job_input_uri, job_output_uri_expression


def build(settings: StackSettings) -> dict[str, pulumi.Input[str]]:
    names = Names.of(settings)
    client = authorization.get_client_config_output()

    if settings.existing_resource_group is not None:
        resource_group_name: pulumi.Output[str] = pulumi.Output.from_input(
            settings.existing_resource_group
        )
    else:
        group = resources.ResourceGroup(
            "resource-group",
            resource_group_name=names.resource_group,
            location=settings.location,
            tags=settings.tags,
            opts=pulumi.ResourceOptions(protect=settings.protection.protect_stateful),
        )
        resource_group_name = group.name

    ctx = StackContext(
        resource_group_name=resource_group_name,
        location=settings.location,
        tags=settings.tags,
        names=names,
        subscription_id=client.subscription_id,
        tenant_id=client.tenant_id,
        protect_stateful=settings.protection.protect_stateful,
    )
    resource_group_id = pulumi.Output.all(client.subscription_id, resource_group_name).apply(
        lambda p: f"/subscriptions/{p[0]}/resourceGroups/{p[1]}"
    )

    fabric_tenant = settings.fabric.tenant_id or client.tenant_id
    lake = DataLake(
        "data-lake",
        settings.data_lake,
        ctx,
        fabric_workspace_id=settings.fabric.workspace_id,
        fabric_tenant_id=fabric_tenant,
        shared_key_access=settings.datastore.auth == "accountKey",
    )
    ml = MlWorkspace(
        "ml",
        settings.workspace,
        ctx,
        data_lake_id=lake.account.id,
        fabric_invokes_endpoint=settings.fabric.invokes_endpoint,
    )
    compute = BatchCompute(
        "compute",
        settings.compute,
        ctx,
        workspace_name=ml.workspace.name,
        data_lake_id=lake.account.id,
        workspace_storage_id=ml.storage.id,
        no_public_ip=settings.workspace.managed_network != "Disabled",
    )
    model = RegisteredModel(
        "model",
        settings.model,
        ctx,
        workspace_name=ml.workspace.name,
        workspace_storage_name=ml.storage.name,
    )
    scoring = BatchScoring(
        "scoring",
        settings.deployment,
        ctx,
        endpoint_name=settings.endpoint_name,
        workspace_name=ml.workspace.name,
        compute_id=compute.cluster.id,
        model_version_id=model.version.id,
    )
    datastore = FabricDatastore(
        "datastore",
        settings.datastore,
        ctx,
        workspace_name=ml.workspace.name,
        account_name=lake.account.name,
        container_name=lake.container.name,
    )
    FabricAccess(
        "fabric-access",
        settings.access,
        ctx,
        principal_object_id=settings.fabric.principal_object_id,
        resource_group_id=resource_group_id,
        workspace_id=ml.workspace.id,
        data_lake_id=lake.account.id,
    )

    lake_settings = settings.data_lake
    outputs: dict[str, pulumi.Input[str]] = {
        "subscriptionId": client.subscription_id,
        "resourceGroupName": resource_group_name,
        "workspaceName": ml.workspace.name,
        "batchEndpointName": scoring.endpoint.name,
        "batchDeploymentName": scoring.default.deployment_name,
        "scoringUri": scoring.scoring_uri,
        "tenantId": client.tenant_id,
        "servicePrincipalClientId": settings.fabric.principal_client_id,
        "storageAccountName": lake.account.name,
        "storageDfsUrl": lake.dfs_url,
        "dataContainerName": lake.container.name,
        "datastoreName": datastore.datastore.name,
        "jobInputUri": job_input_uri(settings.datastore.name, lake_settings.input_folder),
        "jobOutputUriExpression": job_output_uri_expression(
            settings.datastore.name,
            lake_settings.output_folder,
            settings.deployment.output_file_name,
        ),
        "computeIdentityClientId": compute.identity.client_id,
        "jobMiniBatchSize": str(settings.deployment.mini_batch_size),
        "jobComputeInstanceCount": str(settings.deployment.instance_count),
    }
    if settings.fabric.enabled:
        outputs.update(_fabric_side(settings, ctx, outputs, fabric_tenant))
    return outputs


def _fabric_side(
    settings: StackSettings,
    ctx: StackContext,
    outputs: dict[str, pulumi.Input[str]],
    tenant_id: pulumi.Input[str],
) -> dict[str, pulumi.Input[str]]:
    """The optional Fabric items, whose pipeline definition is made from the stack outputs."""
    fabric = settings.fabric
    content = pulumi.Output.all(**outputs).apply(
        lambda values: json.dumps(
            pipeline_content(
                StackOutputs({k: str(v) for k, v in values.items()}, "stack"),
                fabric.ml_connection_id,
                fabric.ml_execution_type,
            ),
            sort_keys=True,
        )
    )
    secret = settings.fabric_principal_secret
    side = FabricSide(
        "fabric",
        fabric,
        ctx,
        dfs_url=outputs["storageDfsUrl"],
        container=outputs["dataContainerName"],
        input_folder=settings.data_lake.input_folder,
        tenant_id=tenant_id,
        client_secret=None if secret is None else pulumi.Output.secret(secret.get_secret_value()),
        pipeline_content=content,
    )
    return {
        "fabricConnectionId": side.connection.connection_id,
        "fabricPipelineId": side.pipeline.pipeline_id,
    }
