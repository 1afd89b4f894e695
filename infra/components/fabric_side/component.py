"""The Fabric side, created through the Fabric REST API when `fabml:fabric.enabled` is true:
the data lake and Azure ML connections (and who may use the latter), the OneLake shortcuts to
the scoring data and the predictions, the principal's workspace role, the pipeline; and the
Dataflow Gen2 route (`fabml:fabric.dataflowRoute`): the Fabric ML model, its registered version,
its active default endpoint, the two Web connections and the Dataflow."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pulumi

from infra.components.access.component import FabricAccess
from infra.components.context import StackContext
from infra.components.data_lake.component import DataLake
from infra.components.fabric_side.config import FabricConfig
from infra.fabric import dataflow, dataflow_definition, registration_notebook, score_request
from infra.fabric.dataflow_item import Dataflow, WebConnection
from infra.fabric.ml_model import FabricMlModel, MlModelEndpoint, MlModelVersion
from infra.fabric.outputs import StackOutputs
from infra.fabric.pipeline import pipeline_content
from infra.fabric.requests import connection_names
from infra.fabric.resources import (
    ConnectionRoleAssignment,
    DataPipeline,
    FabricConnection,
    OneLakeShortcut,
    WorkspaceRoleAssignment,
)


class FabricSide(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        config: FabricConfig,
        ctx: StackContext,
        *,
        lake: DataLake,
        access: FabricAccess,
        client_secret: pulumi.Output[str] | None,
        stack_outputs: Mapping[str, pulumi.Input[str]],
        model_folder: Path,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fabml:fabric:FabricSide", name, None, opts)
        dfs_url = lake.dfs_url
        container = lake.container.name
        workspace = config.workspace_id
        lake_settings = lake.config
        lake_name, ml_name = connection_names(ctx.names.stack)
        tests = {
            "test_attempts": config.connection_test_attempts,
            "test_interval_seconds": config.connection_test_interval_seconds,
        }

        def signs_in(credential: str) -> dict[str, pulumi.Input[str] | None]:
            return {
                "credential": credential,
                "tenant_id": config.tenant_id or ctx.tenant_id,
                "client_id": config.principal_client_id,
                "client_secret": client_secret,
            }

        # Tested only once the principal's roles exist (they still take minutes to apply,
        # hence the spaced tests).
        self.connection = FabricConnection(
            f"{name}-connection",
            {
                "display_name": lake_name,
                "dfs_url": dfs_url,
                "container": container,
                "path": container.apply(lambda c: config.lake_connection_path or f"/{c}"),
                **signs_in(config.connection_credential),
                **tests,
                "access": _access(
                    config.connection_credential,
                    f"the principal's data role on the lake ({access.data_name})",
                    "Storage Blob Data Contributor on the lake",
                ),
            },
            ctx.child(self, depends_on=[access.data]),
        )
        self.shortcuts = [
            OneLakeShortcut(
                f"{name}-{suffix}",
                {
                    "workspace_id": workspace,
                    "lakehouse_id": config.lakehouse_id,
                    "name": shortcut_name,
                    "dfs_url": dfs_url,
                    "container": container,
                    "folder": folder,
                    "connection_id": self.connection.connection_id,
                },
                ctx.child(self),
            )
            for suffix, shortcut_name, folder in (
                ("shortcut", config.shortcut_name, lake_settings.input_folder),
                (
                    "predictions-shortcut",
                    config.predictions_shortcut_name,
                    lake_settings.output_folder,
                ),
            )
        ]
        self.shortcut = self.shortcuts[0]
        if config.ml_connection_id is not None:
            self.ml_connection_id: pulumi.Output[str] = pulumi.Output.from_input(
                config.ml_connection_id
            )
        else:
            ml_connection = FabricConnection(
                f"{name}-ml-connection",
                {
                    "kind": "azureml",
                    "display_name": ml_name,
                    "subscription_id": stack_outputs["subscriptionId"],
                    "resource_group": stack_outputs["resourceGroupName"],
                    "workspace_name": stack_outputs["workspaceName"],
                    **signs_in(config.ml_connection_credential),
                    **tests,
                    "access": _access(
                        config.ml_connection_credential,
                        "the principal's invoke role on the Azure ML workspace "
                        f"({access.invoke_name})",
                        f"the invoke role ({access.invoke_name}) on the Azure ML workspace",
                    ),
                },
                ctx.child(self, depends_on=[access.invoke]),
            )
            self.ml_connection_id = ml_connection.connection_id
        self.connection_users = [
            ConnectionRoleAssignment(
                f"{name}-ml-connection-user-{user.object_id}",
                {
                    "connection_id": self.ml_connection_id,
                    "principal_id": user.object_id,
                    "principal_type": user.type,
                    "role": user.role,
                },
                ctx.child(self),
            )
            for user in config.ml_connection_users
        ]
        self.role = WorkspaceRoleAssignment(
            f"{name}-workspace-role",
            {
                "workspace_id": workspace,
                "principal_id": config.principal_object_id,
                "role": config.workspace_role,
            },
            ctx.child(self),
        )
        content = pulumi.Output.all(
            self.ml_connection_id, pulumi.Output.all(**stack_outputs)
        ).apply(
            lambda args: json.dumps(
                pipeline_content(
                    StackOutputs({k: str(v) for k, v in args[1].items()}, "stack"),
                    args[0],
                    config.ml_execution_type,
                ),
                sort_keys=True,
            )
        )
        self.pipeline = DataPipeline(
            f"{name}-pipeline",
            {
                "workspace_id": workspace,
                "display_name": config.pipeline_name,
                "content": content,
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
                "mlConnectionId": self.ml_connection_id,
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


def _access(credential: str, principal_role: str, identity_role: str) -> str:
    """What a connection's test waits on, named for the identity that signs it in: the stack
    grants the principal's roles; the Fabric workspace identity's are granted by hand."""
    if credential == "WorkspaceIdentity":
        return (
            f"{identity_role} for the Fabric workspace identity, which this stack does not "
            "grant (README, 'Troubleshooting the Fabric connections')"
        )
    return principal_role
