"""The Dataflow Gen2 definition: mashup.pq, queryMetadata.json and .platform.

The three parts `POST /workspaces/{id}/dataflows` takes, in the shape Fabric exports them (the
dataflow/ spec's examples, fetched from Dataflows made in the UI; a test holds ours to them).
The M itself is made in `infra.fabric.dataflow`; the ClientSecret parameter's value is read
and written here so a redeploy keeps what a person set.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from infra.fabric.dataflow import SCORED_QUERY, SECRET_PARAMETER, Target, scored_query
from infra.fabric.score_request import ScoreRequest

FORMAT_VERSION = "202502"
PLATFORM_SCHEMA = (
    "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/"
    "platformProperties/2.0.0/schema.json"
)
# Stable query IDs: the same query keeps its ID across deployments (no needless diffs).
_QUERY_NAMESPACE = uuid.UUID("6f1c58a4-8d0e-4d43-9a55-3b0f4b1f2d11")


def mashup(request: ScoreRequest, target: Target) -> str:
    """mashup.pq: the section document of the Dataflow."""
    return (
        "section Section1;\n"
        f"// Set this in Fabric (Home > Manage parameters). Once set, it is stored in this\n"
        f"// document and returned by GET .../dataflows/{{id}}/parameters: see the README.\n"
        f'shared {SECRET_PARAMETER} = "" meta [IsParameterQuery = true, '
        'IsParameterQueryRequired = true, Type = "Text"];\n'
        f"shared {SCORED_QUERY} = {scored_query(request, target).split(chr(10), 1)[1]};\n"
    )


def query_id(name: str) -> str:
    return str(uuid.uuid5(_QUERY_NAMESPACE, name))


def query_metadata(
    display_name: str, connections: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """queryMetadata.json, in the shape Fabric exports: the keys of the definitions in the
    dataflow/ spec's examples, which were fetched from Dataflows made in the UI (a test holds
    ours to them). The connection entries' shape is that of an exported definition as
    microsoft/fabric-cicd's documentation shows it; their ClusterId needs a tenant.

    `connections` binds a query's web sources to Fabric connections: entries
    `{"path", "kind", "connectionId"}`, whose connectionId is the JSON text
    `{"ClusterId": ..., "DatasourceId": <connection id>}` as an exported definition carries it.
    """
    return {
        "formatVersion": FORMAT_VERSION,
        "computeEngineSettings": {},
        "name": display_name,
        "queryGroups": [],
        "documentLocale": "en-US",
        "queriesMetadata": {
            SECRET_PARAMETER: {
                "queryId": query_id(SECRET_PARAMETER),
                "queryName": SECRET_PARAMETER,
                "loadEnabled": False,
            },
            SCORED_QUERY: {"queryId": query_id(SCORED_QUERY), "queryName": SCORED_QUERY},
        },
        "connections": connections or [],
    }


def web_connection_binding(url: str, cluster_id: str, connection_id: str) -> dict[str, str]:
    return {
        "path": url,
        "kind": "Web",
        "connectionId": json.dumps(
            {"ClusterId": cluster_id, "DatasourceId": connection_id}, separators=(",", ":")
        ),
    }


def platform(display_name: str) -> dict[str, Any]:
    return {
        "$schema": PLATFORM_SCHEMA,
        "metadata": {"type": "Dataflow", "displayName": display_name},
        "config": {"version": "2.0", "logicalId": query_id(f"dataflow:{display_name}")},
    }


def definition_files(
    request: ScoreRequest,
    target: Target,
    display_name: str,
    connections: list[dict[str, str]] | None = None,
) -> dict[str, str]:
    """The three parts of a Dataflow definition, as text by path."""
    return {
        "queryMetadata.json": json.dumps(query_metadata(display_name, connections), indent=2)
        + "\n",
        "mashup.pq": mashup(request, target),
        ".platform": json.dumps(platform(display_name), indent=2) + "\n",
    }


_PARAMETER_VALUE = r'shared {name} = "((?:[^"]|"")*)" meta \['


def parameter_value(mashup_text: str, name: str = SECRET_PARAMETER) -> str | None:
    """The current value of a text parameter in a mashup.pq, as M text (quotes doubled)."""
    found = re.search(_PARAMETER_VALUE.format(name=re.escape(name)), mashup_text)
    return found.group(1) if found else None


def with_parameter_value(mashup_text: str, value: str, name: str = SECRET_PARAMETER) -> str:
    """mashup.pq with a text parameter's value set (`value` as M text, quotes doubled)."""
    found = re.search(_PARAMETER_VALUE.format(name=re.escape(name)), mashup_text)
    if found is None:
        return mashup_text
    return mashup_text[: found.start(1)] + value + mashup_text[found.end(1) :]
