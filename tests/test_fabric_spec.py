"""The spec checker agrees with the spec's own examples, for every operation the project calls:
a checker that refused Microsoft's examples would fail the stand-in for the wrong reason."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.fabric_spec import FabricSpec, Operation

SPEC = FabricSpec()
CALLED = {
    "Connections_ListConnections",
    "Connections_CreateConnection",
    "Connections_GetConnection",
    "Connections_UpdateConnection",
    "Connections_DeleteConnection",
    "Connections_ListSupportedConnectionTypes",
    "Connections_TestConnection",
    "Connections_ListConnectionRoleAssignments",
    "Connections_AddConnectionRoleAssignment",
    "Connections_GetConnectionRoleAssignment",
    "Connections_UpdateConnectionRoleAssignment",
    "Connections_DeleteConnectionRoleAssignment",
    "OneLakeShortcuts_CreateShortcut",
    "OneLakeShortcuts_GetShortcut",
    "OneLakeShortcuts_DeleteShortcut",
    "Workspaces_ListWorkspaceRoleAssignments",
    "Workspaces_AddWorkspaceRoleAssignment",
    "Workspaces_GetWorkspaceRoleAssignment",
    "Workspaces_UpdateWorkspaceRoleAssignment",
    "Workspaces_DeleteWorkspaceRoleAssignment",
    "Items_CreateDataPipeline",
    "Items_ListDataPipelines",
    "Items_GetDataPipeline",
    "Items_UpdateDataPipeline",
    "Items_DeleteDataPipeline",
    "Items_GetDataPipelineDefinition",
    "Items_UpdateDataPipelineDefinition",
    "LongRunningOperations_GetOperationState",
}
EXAMPLES = [
    (operation, name, json.loads((operation.file.parent / ref["$ref"]).read_text()))
    for operation in SPEC.operations
    if operation.operation_id in CALLED
    for name, ref in (operation.spec.get("x-ms-examples") or {}).items()
]


def test_every_called_operation_has_examples() -> None:
    assert {operation.operation_id for operation, _, _ in EXAMPLES} == CALLED


@pytest.mark.parametrize(
    ("operation", "example"),
    [(o, e) for o, _, e in EXAMPLES],
    ids=[f"{o.operation_id}:{n}" for o, n, _ in EXAMPLES],
)
def test_the_spec_examples_pass_the_checker(operation: Operation, example: dict[str, Any]) -> None:
    parameters = example.get("parameters", {})
    path = operation.template
    for name, value in parameters.items():
        path = path.replace(f"{{{name}}}", quote(str(value), safe=""))  # as SDKs encode them
    url = f"https://api.fabric.microsoft.com{path}"
    declared = [SPEC._parameter(operation, p) for p in operation.spec.get("parameters", [])]
    body_name = next((p["name"] for p in declared if p.get("in") == "body"), None)
    assert SPEC.check(operation.method, url, parameters.get(body_name)) == []
    for status, response in example.get("responses", {}).items():
        assert SPEC.check_response(operation.method, url, int(status), response.get("body")) == []
