"""`fabml:deployment`: the batch endpoint and its deployment (settings; no Pulumi import)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infra.components.config import Section

ENDPOINT_DESCRIPTION = "Heart-classifier batch scoring, invoked by Microsoft Fabric pipelines."


class DeploymentProfile(Section):
    """What the environment profile decides for the deployment."""

    instance_count: int = Field(ge=1, le=100, description="Nodes each job runs on.")


class DeploymentConfig(DeploymentProfile):
    """`fabml:deployment`: the batch endpoint and its deployment."""

    endpoint_name: str | None = Field(
        default=None,
        pattern=r"^[a-zA-Z][a-zA-Z0-9-]{2,31}$",
        description="Batch endpoint name, unique in the region (3-32 letters, digits, hyphens). "
        "Default: <model>-<stack>-<suffix>.",
    )
    name: str = Field(
        default="classifier-sklearn-mlflow",
        pattern=r"^[a-zA-Z][a-zA-Z0-9-]{2,31}$",
        description="Batch deployment name (becomes the endpoint's default deployment).",
    )
    max_concurrency_per_instance: int = Field(
        default=2, ge=1, le=64, description="Parallel scoring processes per node."
    )
    mini_batch_size: int = Field(
        default=2, ge=1, le=1000, description="Files passed to each scoring call."
    )
    output_action: Literal["AppendRow", "SummaryOnly"] = Field(
        default="AppendRow",
        description="AppendRow writes every prediction to outputFileName; SummaryOnly does not.",
    )
    output_file_name: str = Field(
        default="predictions.csv",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*\.(csv|txt)$",
        description="File that collects the predictions (a .csv or .txt name).",
    )
    max_retries: int = Field(default=3, ge=0, le=10, description="Retries of a failed mini-batch.")
    timeout_seconds: int = Field(
        default=300, ge=30, le=3600, description="Timeout of one mini-batch call in seconds."
    )
    error_threshold: int = Field(
        default=-1,
        ge=-1,
        description="Failed files tolerated before the job fails; -1 tolerates all.",
    )
    logging_level: Literal["Info", "Warning", "Debug"] = Field(
        default="Info", description="Logging level of the scoring job."
    )
