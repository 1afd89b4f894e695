"""The Fabric dynamic resources against a local stand-in checked against the Fabric OpenAPI."""

from __future__ import annotations

import base64
import json
from typing import Any

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from infra.clients.fabric import FabricClient, FabricError
from infra.fabric.outputs import StackOutputs
from infra.fabric.pipeline import pipeline_content
from infra.fabric.resources import (
    ConnectionProvider,
    ConnectionRoleProvider,
    PipelineProvider,
    RoleAssignmentProvider,
    ShortcutProvider,
)
from tests.fabml.kit.test_kit import DEPLOYED
from tests.infra.fabric.conftest import LAKEHOUSE, WORKSPACE, FakeFabric

Fabric = tuple[FakeFabric, FabricClient, list[float]]
PRINCIPAL = "33333333-cccc-4ccc-8ccc-333333333333"
CONNECTION = {
    "display_name": "fabml-dev-data-lake",
    "dfs_url": "https://stfabmldldev.dfs.core.windows.net/",
    "container": "scoring",
    "credential": "ServicePrincipal",
    "tenant_id": "44444444-dddd-4ddd-8ddd-444444444444",
    "client_id": "55555555-eeee-4eee-8eee-555555555555",
    "client_secret": "not-a-real-secret",
    "path": "/scoring",
    "test_attempts": 3,
    "test_interval_seconds": 30,
    "access": "the principal's data role on the lake (fabric-access-data-lake-access)",
}


def created(fake: FakeFabric) -> list[dict[str, Any]]:
    return [
        body
        for method, path, body in fake.requests
        if (method, path) == ("POST", "/v1/connections")
    ]


def test_connection_is_created_from_the_spec_shape_then_adopted(fabric: Fabric) -> None:
    fake, client, _ = fabric
    created_ = ConnectionProvider(client).create(dict(CONNECTION))
    assert fake.problems == []
    [body] = created(fake)
    assert body["credentialDetails"]["credentials"]["servicePrincipalSecret"] == "not-a-real-secret"
    assert body["connectionDetails"]["parameters"] == [
        {
            "dataType": "Text",
            "name": "server",
            "value": "https://stfabmldldev.dfs.core.windows.net",
        },
        {"dataType": "Text", "name": "path", "value": "/scoring"},
    ]
    # A second stack (or a re-run after lost state) adopts the same-named connection.
    fake.requests.clear()
    adopted = ConnectionProvider(client).create(dict(CONNECTION))
    assert adopted.id == created_.id
    assert created(fake) == []


def test_connection_lists_are_paged(fabric: Fabric) -> None:
    fake, client, _ = fabric
    fake.page_size = 1
    for name in ("a", "b"):
        ConnectionProvider(client).create({**CONNECTION, "display_name": name})
    found = ConnectionProvider(client).create({**CONNECTION, "display_name": "b"})
    assert found.id in fake.connections
    assert len(fake.connections) == 2
    assert fake.problems == []


def test_connection_update_read_delete(fabric: Fabric) -> None:
    fake, client, _ = fabric
    provider = ConnectionProvider(client)
    connection_id = str(provider.create(dict(CONNECTION)).id)
    provider.update(connection_id, dict(CONNECTION), {**CONNECTION, "client_secret": "rotated"})
    [(_, _, patch)] = [r for r in fake.requests if r[0] == "PATCH"]
    assert patch["credentialDetails"]["credentials"]["servicePrincipalSecret"] == "rotated"
    assert provider.read(connection_id, dict(CONNECTION)).id == connection_id
    provider.delete(connection_id, dict(CONNECTION))
    assert provider.read(connection_id, dict(CONNECTION)).id == ""
    provider.delete(connection_id, dict(CONNECTION))  # already gone: not an error
    assert fake.problems == []


def test_diff_replaces_what_cannot_change_in_place() -> None:
    provider = ConnectionProvider()
    assert provider.diff("id", dict(CONNECTION), dict(CONNECTION)).changes is False
    rotated = provider.diff("id", dict(CONNECTION), {**CONNECTION, "client_secret": "new"})
    assert (rotated.changes, rotated.replaces) == (True, [])
    renamed = provider.diff("id", dict(CONNECTION), {**CONNECTION, "display_name": "other"})
    assert renamed.replaces == ["display_name"]
    assert renamed.delete_before_replace is True


def test_shortcut_points_at_the_dfs_endpoint_and_overwrites(fabric: Fabric) -> None:
    fake, client, _ = fabric
    props = {
        "workspace_id": WORKSPACE,
        "lakehouse_id": LAKEHOUSE,
        "name": "heart-scoring",
        "dfs_url": "https://stfabmldldev.dfs.core.windows.net/",
        "container": "scoring",
        "folder": "heart-unlabeled",
        "connection_id": PRINCIPAL,
    }
    provider = ShortcutProvider(client)
    created = provider.create(dict(props))
    provider.update(str(created.id), dict(props), {**props, "folder": "other"})
    posts = [r for r in fake.requests if r[0] == "POST"]
    assert all(p[1].endswith("shortcuts?shortcutConflictPolicy=CreateOrOverwrite") for p in posts)
    target = posts[0][2]["target"]["adlsGen2"]
    assert target == {
        "location": "https://stfabmldldev.dfs.core.windows.net",
        "subpath": "/scoring/heart-unlabeled",
        "connectionId": PRINCIPAL,
    }
    provider.delete(str(created.id), dict(props))
    assert fake.shortcuts == {}
    assert fake.problems == []


def test_role_assignment_adopts_and_corrects_the_role(fabric: Fabric) -> None:
    fake, client, _ = fabric
    props = {"workspace_id": WORKSPACE, "principal_id": PRINCIPAL, "role": "Viewer"}
    first = RoleAssignmentProvider(client).create(dict(props))
    second = RoleAssignmentProvider(client).create({**props, "role": "Contributor"})
    assert second.id == first.id
    assert fake.roles[str(first.id)]["role"] == "Contributor"
    assert fake.problems == []


def test_pipeline_follows_the_long_running_operation(fabric: Fabric) -> None:
    fake, client, slept = fabric
    content = {"properties": {"activities": [{"name": "x", "type": "AzureMLExecutePipeline"}]}}
    props = {
        "workspace_id": WORKSPACE,
        "display_name": "score-heart-batch",
        "content": json.dumps(content),
    }
    created = PipelineProvider(client).create(dict(props))
    assert created.id in fake.pipelines
    assert [r[1].split("/")[2] for r in fake.requests if r[1].startswith("/v1/operations")] == [
        "operations",
        "operations",
        "operations",
    ]
    part = fake.pipelines[str(created.id)]["definition"]["parts"][0]
    assert part["path"] == "pipeline-content.json"
    assert json.loads(base64.b64decode(part["payload"])) == content
    assert slept  # Retry-After honoured between polls
    # Adopted on a re-run: the definition is updated, not duplicated.
    again = PipelineProvider(client).create({**props, "content": json.dumps({"properties": {}})})
    assert again.id == created.id
    assert len(fake.pipelines) == 1
    assert fake.problems == []


def test_throttling_is_retried_after_retry_after(fabric: Fabric) -> None:
    fake, client, slept = fabric
    fake.throttle.add("POST /v1/connections")
    ConnectionProvider(client).create(dict(CONNECTION))
    assert len(created(fake)) == 2
    assert slept[0] == 2.0  # the wait Fabric asked for


def test_api_errors_become_clear_messages(fabric: Fabric) -> None:
    fake, client, _ = fabric
    fake.fail["POST /v1/connections"] = (400, "InvalidConnectionDetails")
    with pytest.raises(FabricError, match=r"POST /connections: HTTP 400 InvalidConnectionDetails"):
        ConnectionProvider(client).create(dict(CONNECTION))


@pytest.mark.parametrize(
    "provider",
    [
        ConnectionProvider,
        ConnectionRoleProvider,
        ShortcutProvider,
        RoleAssignmentProvider,
        PipelineProvider,
    ],
)
def test_providers_survive_the_engines_serialization(provider: Any) -> None:
    restored = dill.loads(base64.b64decode(serialize_provider(provider())))
    assert type(restored).__name__ == provider.__name__


def test_the_stand_in_rejects_what_the_spec_rejects(fabric: Fabric) -> None:
    fake, client, _ = fabric
    client.call(
        "POST",
        f"/workspaces/{WORKSPACE}/roleAssignments",
        {"principal": {"id": PRINCIPAL}, "role": 7},
    )
    assert any("role: 7 is not of type 'string'" in p for p in fake.problems)
    assert any("'type' is a required property" in p for p in fake.problems)


def test_open_enums_accept_values_added_later(fabric: Fabric) -> None:
    # WorkspaceRole is modelAsString ("additional roles may be added over time").
    fake, client, _ = fabric
    body = {"principal": {"id": PRINCIPAL, "type": "User"}, "role": "Steward"}
    client.call("POST", f"/workspaces/{WORKSPACE}/roleAssignments", body)
    assert fake.problems == []


def test_the_stand_in_answers_are_checked_too(fabric: Fabric) -> None:
    fake, client, _ = fabric
    fake.supported_types = [{"type": "SQL", "creationMethods": []}]  # lacks required fields
    client.call("GET", "/connections/supportedConnectionTypes?showAllCreationMethods=true")
    assert any(
        "ListSupportedConnectionTypes response 200" in p and "supportsSkipTestConnection" in p
        for p in fake.problems
    )


ML_CONNECTION = {
    **CONNECTION,
    "kind": "azureml",
    "display_name": "fabml-dev-azureml",
    "subscription_id": "66666666-ffff-4fff-8fff-666666666666",
    "resource_group": "rg-fabml-dev",
    "workspace_name": "mlw-fabml-dev",
    "access": "the principal's invoke role (fabric-access-invoke-endpoint)",
}


def test_the_ml_connection_is_checked_created_and_named_by_the_pipeline(fabric: Fabric) -> None:
    fake, client, _ = fabric
    made = ConnectionProvider(client).create(dict(ML_CONNECTION))
    [body] = created(fake)
    assert body["connectionDetails"]["type"] == "AzureMachineLearning"
    assert {p["name"]: p["value"] for p in body["connectionDetails"]["parameters"]} == {
        "subscriptionId": ML_CONNECTION["subscription_id"],
        "resourceGroupName": "rg-fabml-dev",
        "workspaceName": "mlw-fabml-dev",
    }
    assert body["credentialDetails"]["credentials"]["credentialType"] == "ServicePrincipal"
    outputs = StackOutputs(dict(DEPLOYED), "test")
    [activity] = pipeline_content(outputs, str(made.id), "BatchEndpoint")["properties"][
        "activities"
    ]
    assert activity["externalReferences"] == {"connection": made.id}
    assert fake.problems == []


def test_connections_skip_the_create_test_then_are_tested_until_online(fabric: Fabric) -> None:
    fake, client, _ = fabric
    fake.offline_when_created = 2  # the role assignment is still propagating
    clock: list[float] = []
    ConnectionProvider(client, sleep=clock.append).create(dict(CONNECTION))
    [body] = created(fake)
    assert body["credentialDetails"]["skipTestConnection"] is True  # the type supports it
    tests = [path for method, path, _ in fake.requests if path.endswith("/testConnection")]
    assert len(tests) == 3
    assert clock == [30.0, 30.0]  # spaced as set, between tests only
    assert fake.problems == []


def test_a_connection_still_offline_fails_naming_the_role_assignment(fabric: Fabric) -> None:
    fake, client, _ = fabric
    fake.offline_when_created = 5
    clock: list[float] = []
    with pytest.raises(FabricError) as caught:
        ConnectionProvider(client, sleep=clock.append).create(dict(CONNECTION))
    message = str(caught.value)
    assert "is not Online after 3 test(s) 30 s apart" in message
    assert "AuthorizationPermissionMismatch" in message
    assert "fabric-access-data-lake-access" in message
    assert len(clock) == 2  # bounded: three tests, no more


def test_a_type_fabric_does_not_offer_is_never_created(fabric: Fabric) -> None:
    fake, client, _ = fabric
    fake.supported_types = [t for t in fake.supported_types if t["type"] != "AzureMachineLearning"]
    with pytest.raises(
        FabricError, match="Fabric offers no connection type 'AzureMachineLearning'"
    ):
        ConnectionProvider(client).create(dict(ML_CONNECTION))
    assert created(fake) == []


def test_connection_roles_are_granted_adopted_and_corrected(fabric: Fabric) -> None:
    fake, client, _ = fabric
    connection = str(ConnectionProvider(client).create(dict(ML_CONNECTION)).id)
    props = {
        "connection_id": connection,
        "principal_id": PRINCIPAL,
        "principal_type": "Group",
        "role": "User",
    }
    provider = ConnectionRoleProvider(client)
    first = provider.create(dict(props))
    assert fake.connection_roles[connection][PRINCIPAL]["principal"] == {
        "id": PRINCIPAL,
        "type": "Group",
    }
    again = provider.create({**props, "role": "Owner"})
    assert again.id == first.id
    assert fake.connection_roles[connection][PRINCIPAL]["role"] == "Owner"
    assert (provider.read(str(first.id), dict(props)).outs or {})["role"] == "Owner"
    provider.delete(str(first.id), dict(props))
    assert fake.connection_roles[connection] == {}
    assert fake.problems == []
