"""`fabml:access`: what Fabric's principal may do (settings; no Pulumi import)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infra.components.config import Section


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
