"""Compare our generated Azure ML activity with one made in the Fabric UI.

Some literals of the activity are not published (`mlExecutionType` above all). A pipeline built
once in the Fabric UI holds what Fabric itself writes: its definition is fetched with
`getDefinition`, the `pipeline-content.json` part decoded, and every property of our activity
that differs is listed, so each guess is settled by reading one report.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Protocol

from infra.errors import UserError
from infra.fabric.pipeline import ACTIVITY_TYPE

CONTENT_PART = "pipeline-content.json"
ABSENT = "(absent)"


class _Client(Protocol):
    def call(self, method: str, path: str, body: Any = None) -> Any: ...


class DefinitionError(UserError):
    """The pipeline's definition is not what a Data pipeline with an Azure ML activity holds."""


def fetched_activity(client: _Client, workspace_id: str, pipeline_id: str) -> dict[str, Any]:
    """The Azure ML activity of a pipeline in Fabric (getDefinition, a long-running operation)."""
    path = f"/workspaces/{workspace_id}/dataPipelines/{pipeline_id}/getDefinition"
    body = client.call("POST", path).body or {}
    parts = (body.get("definition") or {}).get("parts") or []
    part = next((p for p in parts if p.get("path") == CONTENT_PART), None)
    if part is None:
        found = ", ".join(str(p.get("path")) for p in parts) or "none"
        raise DefinitionError(f"pipeline {pipeline_id}: no {CONTENT_PART} part (parts: {found})")
    try:
        content = json.loads(base64.b64decode(part.get("payload") or "", validate=True))
    except (binascii.Error, ValueError):
        raise DefinitionError(
            f"pipeline {pipeline_id}: {CONTENT_PART} is not base64 JSON"
        ) from None
    activities = (content.get("properties") or {}).get("activities") or []
    ours = [a for a in activities if a.get("type") == ACTIVITY_TYPE]
    if not ours:
        types = ", ".join(sorted({str(a.get("type")) for a in activities})) or "none"
        raise DefinitionError(
            f"pipeline {pipeline_id} has no Azure Machine Learning activity ({ACTIVITY_TYPE}); "
            f"its activities' types: {types}"
        )
    return ours[0]


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Every property path whose value differs: ours first, then what Fabric wrote."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found: list[str] = []
        for key in [*ours, *(k for k in theirs if k not in ours)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in theirs:
                found.append(f"{where}: ours {_shown(ours[key])}, Fabric's {ABSENT}")
            elif key not in ours:
                found.append(f"{where}: ours {ABSENT}, Fabric's {_shown(theirs[key])}")
            else:
                found += differences(ours[key], theirs[key], where)
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [
            line
            for index, (a, b) in enumerate(zip(ours, theirs, strict=True))
            for line in differences(a, b, f"{path}[{index}]")
        ]
    return [] if ours == theirs else [f"{path}: ours {_shown(ours)}, Fabric's {_shown(theirs)}"]


def _shown(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
