"""The Fabric side, created through the Fabric REST API when `fabml:fabric.enabled` is true:
the data lake connection, the OneLake shortcut, the principal's workspace role, the pipeline."""

from __future__ import annotations

import pulumi

from infra.components.context import StackContext
from infra.fabric.resources import (
    DataPipeline,
    FabricConnection,
    OneLakeShortcut,
    WorkspaceRoleAssignment,
)
from infra.settings import FabricSettings


class FabricSide(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        settings: FabricSettings,
        ctx: StackContext,
        *,
        dfs_url: pulumi.Input[str],
        container: pulumi.Input[str],
        input_folder: str,
        tenant_id: pulumi.Input[str],
        client_secret: pulumi.Output[str] | None,
        pipeline_content: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fabml:fabric:FabricSide", name, None, opts)
        workspace = settings.workspace_id
        self.connection = FabricConnection(
            f"{name}-connection",
            {
                "display_name": f"fabml-{ctx.names.stack}-data-lake",
                "dfs_url": dfs_url,
                "container": container,
                "credential": settings.connection_credential,
                "tenant_id": tenant_id,
                "client_id": settings.principal_client_id,
                "client_secret": client_secret,
            },
            ctx.child(self),
        )
        self.shortcut = OneLakeShortcut(
            f"{name}-shortcut",
            {
                "workspace_id": workspace,
                "lakehouse_id": settings.lakehouse_id,
                "name": settings.shortcut_name,
                "dfs_url": dfs_url,
                "container": container,
                "folder": input_folder,
                "connection_id": self.connection.connection_id,
            },
            ctx.child(self),
        )
        self.role = WorkspaceRoleAssignment(
            f"{name}-workspace-role",
            {
                "workspace_id": workspace,
                "principal_id": settings.principal_object_id,
                "role": settings.workspace_role,
            },
            ctx.child(self),
        )
        self.pipeline = DataPipeline(
            f"{name}-pipeline",
            {
                "workspace_id": workspace,
                "display_name": settings.pipeline_name,
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
