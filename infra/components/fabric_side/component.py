"""The Fabric side, created through the Fabric REST API when `fabml:fabric.enabled` is true:
the data lake and Azure ML connections (and who may use the latter), the OneLake shortcuts to
the scoring data and the predictions, the principal's workspace role, the pipeline."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pulumi

from infra.components.access.component import FabricAccess
from infra.components.context import StackContext
from infra.components.data_lake.component import DataLake
from infra.components.fabric_side.config import FabricConfig
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
                "access": f"the principal's data role on the lake ({access.data_name})",
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
                    "access": "the principal's invoke role on the Azure ML workspace "
                    f"({access.invoke_name})",
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
        self.register_outputs(
            {
                "connectionId": self.connection.connection_id,
                "mlConnectionId": self.ml_connection_id,
                "pipelineId": self.pipeline.pipeline_id,
            }
        )
