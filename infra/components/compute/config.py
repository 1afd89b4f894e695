"""`fabml:compute`: the batch cluster's size and priority (settings; no Pulumi import)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infra.components.config import Section


class ComputeProfile(Section):
    """What the environment profile decides for the cluster."""

    vm_size: str = Field(
        pattern=r"^Standard_[A-Za-z0-9_]+$", description="VM size of the cluster's nodes."
    )
    low_priority: bool = Field(description="Use low-priority (preemptible) nodes.")
    max_nodes: int = Field(ge=1, le=100, description="Maximum nodes; the minimum is always 0.")


class ComputeConfig(ComputeProfile):
    """`fabml:compute`: the batch cluster."""

    name: str = Field(
        default="batch-cluster",
        pattern=r"^[a-zA-Z][a-zA-Z0-9-]{1,15}$",
        description="Cluster name: 2-16 letters, digits, hyphens; starts with a letter.",
    )
    idle_seconds_before_scale_down: int = Field(
        default=120,
        ge=60,
        le=900,
        description="Idle time before nodes are released (60-900 s, the landing-zone cap).",
    )
    data_role: Literal["reader", "contributor"] = Field(
        default="contributor",
        description="Data role of the compute identity on the data lake: contributor when "
        "outputs are written through the mount (the batch deployment does), reader otherwise.",
    )
