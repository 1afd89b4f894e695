"""The Fabric side, created through the Fabric REST API when `fabml:fabric.enabled` is true:
the data lake connection, the OneLake shortcut, the principal's workspace role, the pipeline."""

from __future__ import annotations

import pulumi

from infra.components.context import StackContext
from infra.components.data_lake.component import DataLake
from infra.components.fabric_side.config import FabricConfig
from infra.fabric.resources import (
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
        client_secret: pulumi.Output[str] | None,
        pipeline_content: pulumi.Input[str],
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
        self.register_outputs(
            {
                "connectionId": self.connection.connection_id,
                "pipelineId": self.pipeline.pipeline_id,
            }
        )
