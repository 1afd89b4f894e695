"""The batch endpoint, its no-code MLflow deployment, and that deployment as the default."""

from __future__ import annotations

import json

import pulumi
from pulumi_azure_native import machinelearningservices as ml

from infra.components.compute.component import BatchCompute
from infra.components.context import StackContext
from infra.components.default_deployment import DefaultDeployment
from infra.components.model.component import RegisteredModel
from infra.components.scoring.config import ENDPOINT_DESCRIPTION, DeploymentConfig
from infra.components.workspace.component import MlWorkspace


class BatchScoring(pulumi.ComponentResource):
    endpoint: ml.BatchEndpoint
    deployment: ml.BatchDeployment

    def __init__(
        self,
        name: str,
        config: DeploymentConfig,
        ctx: StackContext,
        *,
        workspace: MlWorkspace,
        compute: BatchCompute,
        model: RegisteredModel,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fabml:scoring:BatchScoring", name, None, opts)
        workspace_name = workspace.workspace.name

        self.endpoint = ml.BatchEndpoint(
            f"{name}-endpoint",
            endpoint_name=config.endpoint_name or ctx.names.batch_endpoint,
            workspace_name=workspace_name,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            properties=ml.BatchEndpointPropertiesArgs(
                auth_mode="AADToken", description=ENDPOINT_DESCRIPTION
            ),
            tags=ctx.tags,
            # The default deployment is set by DefaultDeployment (below). After a `pulumi
            # refresh` the endpoint's state holds it; ignoring it here keeps the next `up` from
            # PUTting the endpoint without it (the old value is sent instead).
            opts=ctx.child(self, ignore_changes=["properties.defaults"]),
        )

        self.deployment = ml.BatchDeployment(
            f"{name}-deployment",
            deployment_name=config.name,
            endpoint_name=self.endpoint.name,
            workspace_name=workspace_name,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            properties=ml.BatchDeploymentPropertiesArgs(
                description="No-code MLflow deployment: Azure ML builds the scoring environment "
                "from the model's conda.yaml.",
                compute=compute.cluster.id,
                model=ml.IdAssetReferenceArgs(reference_type="Id", asset_id=model.version.id),
                resources=ml.DeploymentResourceConfigurationArgs(
                    instance_count=config.instance_count
                ),
                max_concurrency_per_instance=config.max_concurrency_per_instance,
                mini_batch_size=config.mini_batch_size,
                output_action=config.output_action,
                output_file_name=config.output_file_name,
                retry_settings=ml.BatchRetrySettingsArgs(
                    max_retries=config.max_retries, timeout=f"PT{config.timeout_seconds}S"
                ),
                error_threshold=config.error_threshold,
                logging_level=config.logging_level,
            ),
            tags=ctx.tags,
            # Azure ML refuses to delete an endpoint's default deployment on its own; deleting
            # the endpoint takes its deployments with it.
            opts=ctx.child(self, deleted_with=self.endpoint),
        )

        self.default = DefaultDeployment(
            f"{name}-default-deployment",
            endpoint_id=self.endpoint.id,
            deployment_name=self.deployment.name,
            # The location too: changing it replaces the endpoint under the same name (so the
            # same endpoint_id), and the new endpoint has no default until this is set again.
            endpoint_spec=json.dumps(
                {
                    "authMode": "AADToken",
                    "description": ENDPOINT_DESCRIPTION,
                    "location": ctx.location,
                    "tags": ctx.tags,
                },
                sort_keys=True,
            ),
            opts=ctx.child(self),
        )

        self.scoring_uri = self.endpoint.properties.apply(lambda p: p.scoring_uri)
        self.register_outputs(
            {
                "endpointName": self.endpoint.name,
                "deploymentName": self.deployment.name,
                "scoringUri": self.scoring_uri,
            }
        )
