"""`fabml:fabric`: the Fabric principal and the optional Fabric items (no Pulumi import)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from infra.components.config import Section, guid


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
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,255}$",
        description="Display name of the Fabric Data pipeline.",
    )
    workspace_role: Literal["Contributor", "Member", "Admin", "Viewer"] = Field(
        default="Contributor",
        description="Fabric workspace role of the principal (Dataflow Gen2 needs Contributor).",
    )

    _check_guids = field_validator(
        "principal_object_id",
        "principal_client_id",
        "workspace_id",
        "tenant_id",
        "lakehouse_id",
        "ml_connection_id",
    )(guid)
