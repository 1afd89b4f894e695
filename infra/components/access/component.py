"""What Fabric's service principal may do: invoke the batch endpoint and reach the data."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from infra.components.access.config import AccessConfig
from infra.components.context import StackContext
from infra.components.data_lake.component import DataLake
from infra.components.roles import (
    AZUREML_DATA_SCIENTIST,
    STORAGE_BLOB_DATA_READER,
    STORAGE_DATA_ROLES,
    grant,
)
from infra.components.workspace.component import MlWorkspace
from infra.invoke_actions import INVOKE_ACTIONS
from infra.naming import stable_uuid


class FabricAccess(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        config: AccessConfig,
        ctx: StackContext,
        *,
        principal_object_id: str,
        workspace: MlWorkspace,
        lake: DataLake,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fabml:access:FabricAccess", name, None, opts)
        resource_group_id = ctx.resource_group_id

        if config.invoke_role == "custom":
            # Custom roles are assignable at resource-group scope at the narrowest; the
            # assignment itself is on the workspace only.
            role = authorization.RoleDefinition(
                f"{name}-invoke-role",
                role_definition_id=pulumi.Output.from_input(resource_group_id).apply(
                    lambda scope: stable_uuid(scope, ctx.names.invoke_role)
                ),
                role_name=ctx.names.invoke_role,
                description="Start batch endpoint jobs and follow them (Fabric pipelines).",
                role_type="CustomRole",
                scope=resource_group_id,
                assignable_scopes=[resource_group_id],
                permissions=[authorization.PermissionArgs(actions=list(INVOKE_ACTIONS))],
                opts=ctx.child(self),
            )
            invoke_role_id: pulumi.Output[str] = role.id
        else:
            invoke_role_id = ctx.role_definition_id(AZUREML_DATA_SCIENTIST)

        # Named in the Fabric connections' test failures: the grants they wait on.
        self.invoke_name, self.data_name = f"{name}-invoke-endpoint", f"{name}-data-lake-access"
        self.invoke = grant(
            self.invoke_name,
            scope=workspace.workspace.id,
            principal_id=principal_object_id,
            role_definition_id=invoke_role_id,
            description="Fabric's service principal invokes the batch endpoint.",
            parent=self,
        )
        # With a credential-less datastore, the caller's identity reads inputs and writes outputs.
        self.data = grant(
            self.data_name,
            scope=lake.account.id,
            principal_id=principal_object_id,
            role_definition_id=ctx.role_definition_id(STORAGE_DATA_ROLES[config.data_role]),
            description="Fabric's service principal reads scoring data and writes predictions.",
            parent=self,
        )

        # Studio users: work in the workspace, and read (never write) the data they preview.
        self.studio = [
            grant(
                f"{name}-studio-{index}-{label}",
                scope=scope,
                principal_id=user.object_id,
                role_definition_id=ctx.role_definition_id(role),
                description=f"fabml: a studio {user.type.lower()} {what}",
                parent=self,
                principal_type=user.type,
            )
            for index, user in enumerate(config.studio_users)
            for label, scope, role, what in (
                ("workspace", workspace.workspace.id, AZUREML_DATA_SCIENTIST, "uses the workspace"),
                ("data", lake.account.id, STORAGE_BLOB_DATA_READER, "previews the scoring data"),
            )
        ]

        self.register_outputs({"invokeRoleId": invoke_role_id})
