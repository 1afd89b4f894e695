"""What the kit takes besides the stack outputs: names and IDs from the stack's Fabric settings
(or flags), in one place for the files and the sheet."""

from __future__ import annotations

from dataclasses import dataclass

from infra.fabric import dataflow


@dataclass(frozen=True)
class KitOptions:
    ml_connection_id: str | None = None
    ml_execution_type: str = "BatchEndpoint"
    shortcut_name: str = "heart-scoring"
    predictions_shortcut_name: str = "heart-predictions"
    connection_name: str = "fabml-data-lake"
    ml_connection_name: str = "fabml-azureml"
    connection_credential: str = "ServicePrincipal"
    ml_connection_credential: str = "ServicePrincipal"
    lake_connection_path: str | None = None
    connection_id: str = "<Fabric connection ID of the data lake connection>"
    batch_size: int = dataflow.DEFAULT_BATCH_SIZE
