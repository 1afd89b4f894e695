"""What the kit takes besides the stack outputs: names and IDs from the stack's Fabric settings
(or flags), in one place for the files and the sheet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from infra.fabric import score_request
from infra.fabric.outputs import StackOutputs
from infra.fabric.requests import connection_names


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
    batch_size: int = score_request.DEFAULT_BATCH_SIZE
    fabric_workspace_id: str = "<Fabric workspace ID>"
    ml_model_id: str = "<Fabric ML model ID>"
    dataflow_name: str = "score-heart-dataflow"
    model_folder: Path | None = None  # default: the stack's model folder setting's default


def kit_inputs(
    stack: str,
    outputs_file: Path | None,
    *,
    ml_connection_id: str | None = None,
    ml_execution_type: str | None = None,
) -> tuple[StackOutputs, KitOptions]:
    """The stack's outputs (the file, or the offline plan) and its Fabric settings; the
    arguments override the settings."""
    from fabml.kit.outputs import from_file, from_plan
    from fabml.plan.stack_file import read_stack_config
    from infra import placeholder
    from infra.settings import load_offline_settings

    outputs = from_file(outputs_file) if outputs_file else from_plan(stack)
    settings = load_offline_settings(stack, read_stack_config(stack).values)[0]
    fabric = settings.fabric
    defaults = KitOptions()
    model_id = outputs.values.get("fabricMlModelId") or fabric.ml_model_id
    lake_name, ml_name = connection_names(stack)
    return outputs, KitOptions(
        ml_connection_id=ml_connection_id or fabric.ml_connection_id,
        ml_execution_type=ml_execution_type or fabric.ml_execution_type,
        shortcut_name=fabric.shortcut_name,
        predictions_shortcut_name=fabric.predictions_shortcut_name,
        connection_name=lake_name,
        ml_connection_name=ml_name,
        connection_credential=fabric.connection_credential,
        ml_connection_credential=fabric.ml_connection_credential,
        lake_connection_path=fabric.lake_connection_path,
        batch_size=fabric.score_batch_size,
        fabric_workspace_id=(
            defaults.fabric_workspace_id
            if fabric.workspace_id is None or placeholder.is_unset(fabric.workspace_id)
            else fabric.workspace_id
        ),
        ml_model_id=model_id or defaults.ml_model_id,
        dataflow_name=fabric.dataflow_name,
        model_folder=settings.model.folder,
    )
