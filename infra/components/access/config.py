"""`fabml:access`: what Fabric's principal may do (settings; no Pulumi import)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from infra.components.config import Section, guid


class StudioUser(Section):
    """A person or group who works with the workspace in Azure ML studio."""

    object_id: str = Field(description="Entra object ID of the user or group.")
    type: Literal["User", "Group"] = Field(default="Group", description="User or Group.")

    _check_guid = field_validator("object_id")(guid)


class AccessConfig(Section):
    """`fabml:access`: the Fabric principal's roles."""

    invoke_role: Literal["custom", "dataScientist"] = Field(
        default="custom",
        description="Role that lets the Fabric principal invoke the endpoint: a least-privilege "
        "custom role scoped to the resource group, or the built-in AzureML Data Scientist.",
    )
    data_role: Literal["reader", "contributor"] = Field(
        default="contributor",
        description="Data role of the Fabric principal on the data lake: contributor lets jobs "
        "it starts write predictions.",
    )
    studio_users: tuple[StudioUser, ...] = Field(
        default=(),
        description="People or groups who use Azure ML studio: each gets AzureML Data Scientist "
        "on the workspace and Storage Blob Data Reader on the data lake (studio's data preview "
        "reads with the signed-in identity), as [{objectId, type}].",
    )
