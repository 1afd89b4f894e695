"""Writes the Fabric kit: the sheet, the pipeline definition, the M function, REST bodies."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from fabml.kit import sheet
from fabml.kit.options import KitOptions
from infra.components.model.config import ModelConfig
from infra.fabric import dataflow, dataflow_definition, requests, score_request
from infra.fabric.outputs import StackOutputs
from infra.fabric.pipeline import pipeline_content
from infra.uris import output_location

__all__ = ["KitOptions", "kit_files", "write_kit"]


def _json(value: object) -> str:
    return json.dumps(value, indent=2) + "\n"


def kit_files(outputs: StackOutputs, options: KitOptions) -> dict[str, str]:
    dfs, container = outputs["storageDfsUrl"], outputs["dataContainerName"]
    folder = outputs["jobInputUri"].split("/paths/", 1)[-1]
    request = score_request.describe(
        options.model_folder or ModelConfig().folder, options.batch_size
    )
    target = dataflow.Target(
        options.fabric_workspace_id,
        options.ml_model_id,
        outputs["tenantId"],
        outputs["servicePrincipalClientId"],
    )
    # The Dataflow definition as the API takes it, for people who import or paste by hand.
    definition = {
        f"dataflow/{name}": text
        for name, text in dataflow_definition.definition_files(
            request, target, options.dataflow_name
        ).items()
    }
    # The sheet's values are in Fabric's UI; the bodies, for the REST API, hold the secret as
    # a placeholder.
    signs_in = {"tenant_id": outputs["tenantId"], "client_id": outputs["servicePrincipalClientId"]}
    return {
        "connection-sheet.md": sheet.markdown(outputs, options),
        "connection-sheet.html": sheet.page(outputs, options),
        "pipeline-content.json": _json(
            pipeline_content(outputs, options.ml_connection_id, options.ml_execution_type)
        ),
        "dataflow-score.pq": dataflow.function_document(request),
        "dataflow-invoke.pq": dataflow.scored_query(request, target) + "\n",
        **definition,
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
        "rest/create-web-connection-entra.json": _json(
            requests.web_connection("fabml-entra-token", dataflow.TOKEN_BASE)
        ),
        "rest/create-web-connection-fabric-api.json": _json(
            requests.web_connection("fabml-fabric-api", score_request.API_BASE)
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
        # Whole or not at all: a temporary file beside it, then renamed over it.
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, prefix=f".{path.name}.", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(text)
        os.replace(handle.name, path)
        written.append(path)
    return written
