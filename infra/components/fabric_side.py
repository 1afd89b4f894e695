"""The Fabric side, created through the Fabric REST API when `fabml:fabric.enabled` is true:
the data lake connection, the OneLake shortcut, the principal's workspace role, the pipeline;
and the Dataflow Gen2 route (`fabml:fabric.dataflowRoute`): the Fabric ML model, its registered
version, its active default endpoint, the two Web connections and the Dataflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pulumi
from pydantic import Field, field_validator

from infra.components.config import Section, guid
from infra.components.context import StackContext
from infra.components.data_lake import DataLake
from infra.fabric import dataflow, dataflow_definition, registration_notebook, score_request
from infra.fabric.dataflow_item import Dataflow, WebConnection
from infra.fabric.ml_model import FabricMlModel, MlModelEndpoint, MlModelVersion
from infra.fabric.resources import (
    DataPipeline,
    FabricConnection,
    OneLakeShortcut,
    WorkspaceRoleAssignment,
)

# A Fabric item's display name as these settings allow it.
ITEM_NAME = r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,255}$"


class FabricConfig(Section):
    """`fabml:fabric`: Fabric's principal and workspace, and the optional Fabric items."""

    principal_object_id: str = Field(
        description="Object ID of the service principal Fabric uses to call the endpoint "
        "(Enterprise application > Object ID). Gets the invoke role and data access."
    )
    principal_client_id: str = Field(
        description="Application (client) ID of that service principal; goes into the Fabric "
        "Azure ML connection."
    )
    workspace_id: str | None = Field(
        default=None,
        description="Fabric workspace ID. Required when the data lake denies public traffic: it "
        "becomes the storage firewall's resource-instance rule (trusted workspace access).",
    )
    tenant_id: str | None = Field(
        default=None,
        description="Entra tenant of the Fabric workspace; defaults to the deployment's tenant.",
    )
    invokes_endpoint: bool = Field(
        default=True,
        description="Fabric pipelines call the batch endpoint. They have no private path to it, "
        "so this keeps the Azure ML workspace's inbound public access enabled.",
    )
    enabled: bool = Field(
        default=False,
        description="Also create the Fabric side through the Fabric REST API: the ADLS Gen2 "
        "connection, the OneLake shortcut, the principal's workspace role and the Data pipeline.",
    )
    lakehouse_id: str | None = Field(
        default=None, description="Lakehouse that gets the OneLake shortcut (when enabled)."
    )
    shortcut_name: str = Field(
        default="heart-scoring",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,99}$",
        description="Name of the OneLake shortcut under the lakehouse's Files.",
    )
    connection_credential: Literal["ServicePrincipal", "WorkspaceIdentity"] = Field(
        default="ServicePrincipal",
        description="How the Fabric connection to the data lake signs in: the service principal "
        "(needs fabml:fabricPrincipalSecret) or the Fabric workspace identity.",
    )
    ml_connection_id: str | None = Field(
        default=None,
        description="Fabric connection ID of the Azure ML workspace, which the pipeline's Azure "
        "ML activity names (create it once in Fabric; required when enabled).",
    )
    ml_execution_type: str = Field(
        default="BatchEndpoint",
        pattern=r"^[A-Za-z]+$",
        description="The Azure ML activity's typeProperties.mlExecutionType for batch endpoints. "
        "The literal is not published: confirm it with getDefinition on a pipeline built in the "
        "Fabric UI (see README).",
    )
    pipeline_name: str = Field(
        default="score-heart-batch",
        pattern=ITEM_NAME,
        description="Display name of the Fabric Data pipeline.",
    )
    workspace_role: Literal["Contributor", "Member", "Admin", "Viewer"] = Field(
        default="Contributor",
        description="Fabric workspace role of the principal (Dataflow Gen2 needs Contributor).",
    )

    dataflow_route: bool = Field(
        default=True,
        description="With enabled: also create the Dataflow Gen2 route: the Fabric ML model, a "
        "version registered from the model folder by a notebook run, its active default "
        "endpoint, two Web connections and the Dataflow that calls the endpoint.",
    )
    deployer: Literal["ServicePrincipal", "User"] = Field(
        default="ServicePrincipal",
        description="Who runs `pulumi up`. Fabric lets only users create an ML model item by "
        "REST: as ServicePrincipal, set mlModelId to adopt one, or the registration notebook "
        "creates it through MLflow.",
    )
    ml_model_id: str | None = Field(
        default=None, description="Existing Fabric ML model to adopt (its item ID)."
    )
    ml_model_name: str = Field(
        default="heart-classifier",
        pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,255}$",
        description="Name of the Fabric ML model (created, or registered into by MLflow).",
    )
    ml_model_scale_rule: Literal["AlwaysOn", "AllowScaleToZero"] = Field(
        default="AlwaysOn",
        description="Scale rule of the served version. AllowScaleToZero costs less; the first "
        "call after a sleep then waits for a cold start (the M follows the 202).",
    )
    registration_notebook_name: str = Field(
        default="fabml-register-heart-classifier",
        pattern=ITEM_NAME,
        description="Display name of the notebook that registers the model version.",
    )
    dataflow_name: str = Field(
        default="score-heart-dataflow",
        pattern=ITEM_NAME,
        description="Display name of the Dataflow Gen2 that scores with the ML model endpoint.",
    )
    dataflow_cluster_id: str | None = Field(
        default=None,
        description="ClusterId of the connection bindings in a Dataflow's queryMetadata.json "
        "(read it from getDefinition of a Dataflow made in the UI). Without it the Web "
        "connections are created but bound in the Fabric UI (README).",
    )
    score_batch_size: int = Field(
        default=score_request.DEFAULT_BATCH_SIZE,
        ge=1,
        le=10_000,
        description="Rows per score request in the Dataflow's M.",
    )

    _check_guids = field_validator(
        "principal_object_id",
        "principal_client_id",
        "workspace_id",
        "tenant_id",
        "lakehouse_id",
        "ml_connection_id",
        "ml_model_id",
        "dataflow_cluster_id",
    )(guid)


class FabricSide(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        config: FabricConfig,
        ctx: StackContext,
        *,
        lake: DataLake,
        client_secret: pulumi.Output[str] | None,
        pipeline_content: pulumi.Input[str],
        model_folder: Path,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fabml:fabric:FabricSide", name, None, opts)
        dfs_url = lake.dfs_url
        container = lake.container.name
        workspace = config.workspace_id
        self.connection = FabricConnection(
            f"{name}-connection",
            {
                "display_name": f"fabml-{ctx.names.stack}-data-lake",
                "dfs_url": dfs_url,
                "container": container,
                "credential": config.connection_credential,
                "tenant_id": config.tenant_id or ctx.tenant_id,
                "client_id": config.principal_client_id,
                "client_secret": client_secret,
            },
            ctx.child(self),
        )
        self.shortcut = OneLakeShortcut(
            f"{name}-shortcut",
            {
                "workspace_id": workspace,
                "lakehouse_id": config.lakehouse_id,
                "name": config.shortcut_name,
                "dfs_url": dfs_url,
                "container": container,
                "folder": lake.config.input_folder,
                "connection_id": self.connection.connection_id,
            },
            ctx.child(self),
        )
        self.role = WorkspaceRoleAssignment(
            f"{name}-workspace-role",
            {
                "workspace_id": workspace,
                "principal_id": config.principal_object_id,
                "role": config.workspace_role,
            },
            ctx.child(self),
        )
        self.pipeline = DataPipeline(
            f"{name}-pipeline",
            {
                "workspace_id": workspace,
                "display_name": config.pipeline_name,
                "content": pipeline_content,
            },
            ctx.child(self),
        )
        self.route = (
            DataflowRoute(
                f"{name}-dataflow-route",
                config,
                ctx,
                model_folder=model_folder,
                role=self.role,
                parent=self,
            )
            if config.dataflow_route
            else None
        )
        self.register_outputs(
            {
                "connectionId": self.connection.connection_id,
                "pipelineId": self.pipeline.pipeline_id,
            }
        )


class DataflowRoute:
    """The ML model, its version and endpoint, the Web connections and the Dataflow."""

    def __init__(
        self,
        name: str,
        config: FabricConfig,
        ctx: StackContext,
        *,
        model_folder: Path,
        role: WorkspaceRoleAssignment,
        parent: pulumi.Resource,
    ) -> None:
        workspace = config.workspace_id
        opts = ctx.child(parent)
        model_id: pulumi.Input[str] | None = config.ml_model_id
        self.model: FabricMlModel | None = None
        if config.ml_model_id or config.deployer == "User":
            self.model = FabricMlModel(
                f"{name}-ml-model",
                {
                    "workspace_id": workspace,
                    "display_name": config.ml_model_name,
                    "ml_model_id": config.ml_model_id,
                },
                opts,
            )
            model_id = self.model.model_id
        self.version = MlModelVersion(
            f"{name}-ml-model-version",
            {
                "workspace_id": workspace,
                "ml_model_id": model_id,
                "model_name": config.ml_model_name,
                "notebook_name": config.registration_notebook_name,
                "model_folder": str(model_folder),
                "model_digest": registration_notebook.folder_digest(model_folder),
            },
            opts,
        )
        self.endpoint = MlModelEndpoint(
            f"{name}-ml-model-endpoint",
            {
                "workspace_id": workspace,
                "model_id": self.version.model_id,
                "version_name": self.version.version_name,
                "scale_rule": config.ml_model_scale_rule,
            },
            opts,
        )
        self.web_connections = {
            base: WebConnection(
                f"{name}-web-{label}",
                {"display_name": f"fabml-{ctx.names.stack}-{label}", "url": base},
                opts,
            )
            for label, base in (
                ("entra-token", dataflow.TOKEN_BASE),
                ("fabric-api", score_request.API_BASE),
            )
        }
        request = score_request.describe(model_folder, config.score_batch_size)
        tenant = config.tenant_id or ctx.tenant_id
        bound = [c.connection_id for c in self.web_connections.values()]

        def parts(model: str, tenant_id: str, connection_ids: list[str]) -> str:
            bindings = (
                [
                    dataflow_definition.web_connection_binding(
                        base, config.dataflow_cluster_id, cid
                    )
                    for base, cid in zip(self.web_connections, connection_ids, strict=True)
                ]
                if config.dataflow_cluster_id
                else []
            )
            target = dataflow.Target(str(workspace), model, tenant_id, config.principal_client_id)
            return json.dumps(
                dataflow_definition.definition_files(
                    request, target, config.dataflow_name, bindings
                )
            )

        self.dataflow = Dataflow(
            f"{name}-dataflow",
            {
                "workspace_id": workspace,
                "display_name": config.dataflow_name,
                "parts": pulumi.Output.all(self.version.model_id, tenant, *bound).apply(
                    lambda values: parts(values[0], values[1], list(values[2:]))
                ),
            },
            # The principal must hold its workspace role and the default version must serve
            # before a refresh can succeed.
            ctx.child(parent, depends_on=[self.endpoint, role]),
        )
