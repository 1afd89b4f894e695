"""`fabml:fabric`: the Fabric principal and the optional Fabric items (no Pulumi import)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from infra.components.config import Section, guid
from infra.fabric import score_request

# A Fabric item's display name as these settings allow it.
ITEM_NAME = r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,255}$"

Credential = Literal["ServicePrincipal", "WorkspaceIdentity"]


class ConnectionUser(Section):
    """One entry of `fabml:fabric.mlConnectionUsers`: who runs or edits the pipeline."""

    object_id: str = Field(description="Entra object ID of the user, group or principal.")
    type: Literal["User", "Group", "ServicePrincipal"] = Field(
        default="User", description="What the object ID names."
    )
    role: Literal["User", "UserWithReshare", "Owner"] = Field(
        default="User", description="Its role on the Azure ML connection."
    )

    _check_guids = field_validator("object_id")(guid)


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
        description="Also create the Fabric side through the Fabric REST API: the ADLS Gen2 and "
        "Azure ML connections, the OneLake shortcuts to the scoring data and the predictions, "
        "the principal's workspace role and the Data pipeline.",
    )
    lakehouse_id: str | None = Field(
        default=None, description="Lakehouse that gets the OneLake shortcuts (when enabled)."
    )
    shortcut_name: str = Field(
        default="heart-scoring",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,99}$",
        description="Name of the OneLake shortcut under the lakehouse's Files.",
    )
    predictions_shortcut_name: str = Field(
        default="heart-predictions",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,99}$",
        description="Name of the OneLake shortcut to the predictions folder (each run's output "
        "is Files/<this>/<run ID>/<output file>).",
    )
    connection_credential: Credential = Field(
        default="ServicePrincipal",
        description="How the Fabric connection to the data lake signs in: the service principal "
        "(needs fabml:fabricPrincipalSecret) or the Fabric workspace identity.",
    )
    lake_connection_path: str | None = Field(
        default=None,
        pattern=r"^(/|/?[A-Za-z0-9._-][A-Za-z0-9._/-]*)$",
        description="The data lake connection's `path` parameter; defaults to /<container>, as "
        "public samples write it (`/` is the whole account; stacks deployed before kept "
        "`<container>`, which this keeps). A connection made in the UI shows Fabric's own form: "
        "`GET /v1/connections/{id}`, connectionDetails.path.",
    )
    ml_connection_id: str | None = Field(
        default=None,
        description="Fabric connection ID of an existing Azure ML connection to adopt; without "
        "it the automation creates one.",
    )
    ml_connection_credential: Credential = Field(
        default="ServicePrincipal",
        description="How the Azure ML connection the automation creates signs in: the service "
        "principal (which holds the invoke role; needs fabml:fabricPrincipalSecret) or the "
        "Fabric workspace identity (grant it the invoke role yourself).",
    )
    ml_connection_users: tuple[ConnectionUser, ...] = Field(
        default=(),
        description="Who runs or edits the pipeline, as a list of {objectId, type "
        "(User|Group|ServicePrincipal), role (User|UserWithReshare|Owner)}: each gets that role "
        "on the Azure ML connection.",
    )
    connection_test_attempts: int = Field(
        default=10,
        ge=1,
        le=100,
        description="Times each new connection is tested (testConnection) before the deployment "
        "fails; role assignments take minutes to apply.",
    )
    connection_test_interval_seconds: int = Field(
        default=30, ge=0, le=600, description="Seconds between those tests."
    )
    ml_execution_type: str = Field(
        default="BatchEndpoint",
        pattern=r"^[A-Za-z]+$",
        description="The Azure ML activity's typeProperties.mlExecutionType for batch endpoints. "
        "The literal is not published: confirm it with `fabml verify-pipeline` on a pipeline "
        "built in the Fabric UI (see README).",
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
