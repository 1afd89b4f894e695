"""Batch compute: a cluster that runs as a user-assigned identity allowed to mount the data lake."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import managedidentity

from infra.components.compute.config import ComputeConfig
from infra.components.context import StackContext
from infra.components.data_lake.component import DataLake
from infra.components.roles import STORAGE_BLOB_DATA_READER, STORAGE_DATA_ROLES, grant
from infra.components.workspace.component import MlWorkspace


class BatchCompute(pulumi.ComponentResource):
    identity: managedidentity.UserAssignedIdentity
    cluster: ml.Compute

    def __init__(
        self,
        name: str,
        config: ComputeConfig,
        ctx: StackContext,
        *,
        workspace: MlWorkspace,
        lake: DataLake,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fabml:compute:BatchCompute", name, None, opts)
        # Nodes without public IPs need the managed network's outbound path.
        no_public_ip = workspace.config.managed_network != "Disabled"

        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=ctx.names.compute_identity,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            tags=ctx.tags,
            opts=ctx.child(self),
        )

        self.cluster = ml.Compute(
            f"{name}-cluster",
            compute_name=config.name,
            workspace_name=workspace.workspace.name,
            resource_group_name=ctx.resource_group_name,
            location=ctx.location,
            identity=ml.ManagedServiceIdentityArgs(
                type=ml.ManagedServiceIdentityType.USER_ASSIGNED,
                user_assigned_identities=[self.identity.id],
            ),
            properties=ml.AmlComputeArgs(
                compute_type="AmlCompute",
                description="Runs the batch endpoint's scoring jobs.",
                disable_local_auth=True,
                properties=ml.AmlComputePropertiesArgs(
                    vm_size=config.vm_size,
                    vm_priority="LowPriority" if config.low_priority else "Dedicated",
                    os_type="Linux",
                    scale_settings=ml.ScaleSettingsArgs(
                        min_node_count=0,
                        max_node_count=config.max_nodes,
                        node_idle_time_before_scale_down=f"PT{config.idle_seconds_before_scale_down}S",
                    ),
                    remote_login_port_public_access="Disabled",
                    enable_node_public_ip=not no_public_ip,
                ),
            ),
            tags=ctx.tags,
            opts=ctx.child(self),
        )

        # The compute identity mounts the data lake for every job (credential-less datastore),
        # and writes predictions through that mount when the role is contributor.
        self.data_lake_access = grant(
            f"{name}-data-lake-access",
            scope=lake.account.id,
            principal_id=self.identity.principal_id,
            role_definition_id=ctx.role_definition_id(STORAGE_DATA_ROLES[config.data_role]),
            description="Batch compute mounts the Fabric data lake.",
            parent=self,
        )
        # The registered model lives behind an identity-based datastore on the workspace storage.
        self.model_access = grant(
            f"{name}-model-access",
            scope=workspace.storage.id,
            principal_id=self.identity.principal_id,
            role_definition_id=ctx.role_definition_id(STORAGE_BLOB_DATA_READER),
            description="Batch compute downloads the registered model.",
            parent=self,
        )

        self.register_outputs(
            {
                "clusterId": self.cluster.id,
                "identityClientId": self.identity.client_id,
                "identityPrincipalId": self.identity.principal_id,
            }
        )
