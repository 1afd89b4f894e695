"""Writes the Fabric kit: the sheet, the pipeline definition, the M function, REST bodies."""

from __future__ import annotations

import json
from pathlib import Path

from fabml.kit import sheet
from fabml.kit.options import KitOptions
from infra.fabric import dataflow, requests
from infra.fabric.outputs import StackOutputs
from infra.fabric.pipeline import pipeline_content
from infra.uris import output_location

__all__ = ["KitOptions", "kit_files", "write_kit"]


def _json(value: object) -> str:
    return json.dumps(value, indent=2) + "\n"


def kit_files(outputs: StackOutputs, options: KitOptions) -> dict[str, str]:
    dfs, container = outputs["storageDfsUrl"], outputs["dataContainerName"]
    folder = outputs["jobInputUri"].split("/paths/", 1)[-1]
    # The sheet's values are in Fabric's UI; the bodies, for the REST API, hold the secret as
    # a placeholder.
    signs_in = {"tenant_id": outputs["tenantId"], "client_id": outputs["servicePrincipalClientId"]}
    return {
        "connection-sheet.md": sheet.markdown(outputs, options),
        "connection-sheet.html": sheet.page(outputs, options),
        "pipeline-content.json": _json(
            pipeline_content(outputs, options.ml_connection_id, options.ml_execution_type)
        ),
        "dataflow-score.pq": dataflow.score_function(options.batch_size),
        "dataflow-invoke.pq": dataflow.invocation(outputs, options.batch_size),
        "rest/create-connection.json": _json(
            requests.adls_connection(
                options.connection_name,
                dfs,
                requests.adls_path(container, options.lake_connection_path),
                options.connection_credential,
                **signs_in,
            )
        ),
        "rest/create-ml-connection.json": _json(
            requests.ml_connection(
                options.ml_connection_name,
                outputs["subscriptionId"],
                outputs["resourceGroupName"],
                outputs["workspaceName"],
                options.ml_connection_credential,
                **signs_in,
            )
        ),
        "rest/create-shortcut.json": _json(
            requests.shortcut(options.shortcut_name, dfs, container, folder, options.connection_id)
        ),
        "rest/create-predictions-shortcut.json": _json(
            requests.shortcut(
                options.predictions_shortcut_name,
                dfs,
                container,
                output_location(outputs["jobOutputUriExpression"])[0],
                options.connection_id,
            )
        ),
    }


def write_kit(outputs: StackOutputs, out_dir: Path, options: KitOptions) -> list[Path]:
    written = []
    for name, text in kit_files(outputs, options).items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        # Whole files only: a temporary file beside it, then renamed over it.
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(text)
        temporary.replace(path)
        written.append(path)
    return written
