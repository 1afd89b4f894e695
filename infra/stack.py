"""Composes the components into the stack and names its outputs.

`build()` is the whole program: `infra/__main__.py` runs it under the real engine and
`fabml plan` under the mock runtime. It registers resources and returns the stack outputs;
it never reads configuration itself.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, resources

from infra.components.access.component import FabricAccess
from infra.components.compute.component import BatchCompute
from infra.components.context import StackContext
from infra.components.data_lake.component import DataLake
from infra.components.datastore.component import FabricDatastore
from infra.components.fabric_side.component import FabricSide
from infra.components.model.component import RegisteredModel
from infra.components.scoring.component import BatchScoring
from infra.components.workspace.component import MlWorkspace
from infra.settings import StackSettings
from infra.uris import job_input_uri, job_output_uri_expression


def build(settings: StackSettings) -> dict[str, pulumi.Input[str]]:
    client = authorization.get_client_config_output()

    if settings.existing_resource_group is not None:
        resource_group_name: pulumi.Output[str] = pulumi.Output.from_input(
            settings.existing_resource_group
        )
    else:
        group = resources.ResourceGroup(
            "resource-group",
            resource_group_name=settings.names.resource_group,
            location=settings.location,
            tags=settings.tags,
            opts=pulumi.ResourceOptions(protect=settings.protection.protect_stateful),
        )
        resource_group_name = group.name

    ctx = StackContext(
        resource_group_name=resource_group_name,
        resource_group_id=pulumi.Output.all(client.subscription_id, resource_group_name).apply(
            lambda p: f"/subscriptions/{p[0]}/resourceGroups/{p[1]}"
        ),
        location=settings.location,
        tags=settings.tags,
        names=settings.names,
        subscription_id=client.subscription_id,
        tenant_id=client.tenant_id,
        protect_stateful=settings.protection.protect_stateful,
    )

    fabric = settings.fabric
    lake = DataLake(
        "data-lake",
        settings.data_lake,
        ctx,
        fabric_workspace_id=fabric.workspace_id,
        fabric_tenant_id=fabric.tenant_id or ctx.tenant_id,
        shared_key_access=settings.datastore.auth == "accountKey",
    )
    ml = MlWorkspace(
        "ml", settings.workspace, ctx, lake=lake, fabric_invokes_endpoint=fabric.invokes_endpoint
    )
    compute = BatchCompute("compute", settings.compute, ctx, workspace=ml, lake=lake)
    model = RegisteredModel("model", settings.model, ctx, workspace=ml)
    scoring = BatchScoring(
        "scoring", settings.deployment, ctx, workspace=ml, compute=compute, model=model
    )
    datastore = FabricDatastore("datastore", settings.datastore, ctx, workspace=ml, lake=lake)
    access = FabricAccess(
        "fabric-access",
        settings.access,
        ctx,
        principal_object_id=fabric.principal_object_id,
        workspace=ml,
        lake=lake,
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
        secret = settings.fabric_principal_secret
        # The pipeline definition is made from the stack outputs (and the Azure ML connection).
        side = FabricSide(
            "fabric",
            settings.fabric,
            ctx,
            lake=lake,
            access=access,
            client_secret=None
            if secret is None
            else pulumi.Output.secret(secret.get_secret_value()),
            stack_outputs=dict(outputs),
            model_folder=settings.model.folder,
        )
        outputs.update(
            {
                "fabricConnectionId": side.connection.connection_id,
                "fabricMlConnectionId": side.ml_connection_id,
                "fabricPipelineId": side.pipeline.pipeline_id,
            }
        )
        if side.route is not None:
            outputs.update(
                {
                    "fabricMlModelId": side.route.version.model_id,
                    "fabricMlModelVersion": side.route.version.version_name,
                    "fabricScoreUrl": side.route.endpoint.score_url,
                    "fabricDataflowId": side.route.dataflow.dataflow_id,
                }
            )
    return outputs
