"""Fabric items as Pulumi dynamic resources, over the Fabric REST API.

Each provider creates, reads, updates and deletes through FabricClient (throttling and
long-running operations handled there), adopts an item that already has the same name instead
of failing, and keeps no module state, since the engine pickles providers into the state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from infra.clients.fabric import FABRIC_API, FabricClient, FabricError
from infra.fabric import requests
from infra.fabric.connection_types import check_connection_type

SHORTCUT_FOLDER = "Files"


class _FabricProvider(ResourceProvider):
    # Inputs whose change cannot be applied in place.
    replace_on: tuple[str, ...] = ()

    def __init__(self, client: FabricClient | None = None) -> None:
        self._client = client

    def client(self, props: dict[str, Any]) -> FabricClient:
        return self._client or FabricClient(base_url=props.get("api_url") or FABRIC_API)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in news if k != "__provider" and olds.get(k) != news.get(k)]
        replaces = [k for k in changed if k in self.replace_on]
        # Same names on both sides: the old item must go before the new one is made.
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=True)


class ConnectionProvider(_FabricProvider):
    """A shareable cloud connection: the data lake's (`kind` adls, the default of stacks
    deployed before there were two) or the Azure ML workspace's (`kind` azureml).

    Before creating, Fabric is asked whether it offers the type, creation method, parameters
    and credential (infra/fabric/connection_types.py); the connection is created without
    Fabric's own test where the type allows it, since the principal's Azure role assignments
    take minutes to reach the data plane, then tested with bounded, spaced attempts.
    """

    tested = True  # tested with testConnection once created (the Web connections are not)
    must_skip_test: bool | None = None  # None: skip Fabric's own test where the type allows
    replace_on = (
        "kind",
        "display_name",
        "dfs_url",
        "container",
        "path",
        "subscription_id",
        "resource_group",
        "workspace_name",
        "credential",
    )

    def __init__(
        self, client: FabricClient | None = None, sleep: Callable[[float], None] | None = None
    ) -> None:
        super().__init__(client)
        self._sleep = sleep

    def _body(self, props: dict[str, Any], skip_test: bool = False) -> dict[str, Any]:
        credentials = {
            "tenant_id": props.get("tenant_id"),
            "client_id": props.get("client_id"),
            "client_secret": props.get("client_secret"),
            "skip_test": skip_test,
        }
        if props.get("kind", "adls") == "azureml":
            return requests.ml_connection(
                props["display_name"],
                props["subscription_id"],
                props["resource_group"],
                props["workspace_name"],
                props["credential"],
                **credentials,
            )
        return requests.adls_connection(
            props["display_name"],
            props["dfs_url"],
            requests.adls_path(props["container"], props.get("path")),
            props["credential"],
            **credentials,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        fabric = self.client(props)
        body = self._body(props)
        details = body["connectionDetails"]
        offered = check_connection_type(
            fabric,
            details["type"],
            details["creationMethod"],
            [p["name"] for p in details["parameters"]],
            body["credentialDetails"]["credentials"]["credentialType"],
            self.must_skip_test,
        )
        existing = next(
            (
                c
                for c in fabric.pages("/connections")
                if c.get("displayName") == props["display_name"]
            ),
            None,
        )
        if existing is not None:
            connection_id = existing["id"]
        else:
            body = self._body(props, skip_test=offered.skip_test)
            connection_id = fabric.call("POST", "/connections", body, expect=("id",)).body["id"]
        if self.tested:
            self._test(fabric, connection_id, props)
        return CreateResult(id_=connection_id, outs={**props, "connection_id": connection_id})

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        body = self._body(news)
        patch = {
            "connectivityType": body["connectivityType"],
            "credentialDetails": body["credentialDetails"],
        }
        fabric = self.client(news)
        fabric.call("PATCH", f"/connections/{id_}", patch)
        self._test(fabric, id_, news)
        return UpdateResult(outs={**news, "connection_id": id_})

    def _test(self, fabric: FabricClient, connection_id: str, props: dict[str, Any]) -> None:
        """Test until Online, `test_attempts` times `test_interval_seconds` apart."""
        attempts = max(int(props.get("test_attempts") or 1), 1)
        interval = float(props.get("test_interval_seconds") or 0)
        sleep = getattr(self, "_sleep", None) or time.sleep  # unpickled from old state: no _sleep
        seen = ""
        for attempt in range(attempts):
            if attempt:
                sleep(interval)
            try:
                answer = fabric.call("POST", f"/connections/{connection_id}/testConnection").body
            except FabricError as error:  # e.g. IncorrectCredentials while a role propagates
                seen = str(error)
                continue
            answer = answer or {}
            if answer.get("status") == "Online":
                return
            errors = answer.get("errors") or []
            seen = "; ".join(f"{e.get('errorCode')}: {e.get('message')}" for e in errors)
            seen = f"{answer.get('status')}" + (f" ({seen})" if seen else "")
        raise FabricError(
            f"connection {props['display_name']} ({connection_id}) is not Online after "
            f"{attempts} test(s) {interval:.0f} s apart: {seen}. Check "
            f"{props.get('access') or 'the credential'}"
            " (Azure role assignments can take minutes to apply; `pulumi up` again tests again)"
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        response = self.client(props).call("GET", f"/connections/{id_}", ok_404=True)
        return ReadResult(id_=id_ if response.status != 404 else "", outs=props)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.client(props).call("DELETE", f"/connections/{id_}", ok_404=True)


class ShortcutProvider(_FabricProvider):
    replace_on = ("workspace_id", "lakehouse_id", "name")

    def _path(self, props: dict[str, Any]) -> str:
        return f"/workspaces/{props['workspace_id']}/items/{props['lakehouse_id']}/shortcuts"

    def _put(self, props: dict[str, Any]) -> dict[str, Any]:
        body = requests.shortcut(
            props["name"],
            props["dfs_url"],
            props["container"],
            props["folder"],
            props["connection_id"],
        )
        # CreateOrOverwrite: an existing shortcut of that name is adopted and brought in line.
        self.client(props).call(
            "POST", f"{self._path(props)}?shortcutConflictPolicy=CreateOrOverwrite", body
        )
        return dict(props)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(
            id_=f"{self._path(props)}/{SHORTCUT_FOLDER}/{props['name']}", outs=self._put(props)
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._put(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = f"{self._path(props)}/{SHORTCUT_FOLDER}/{quote(props['name'])}"
        response = self.client(props).call("GET", path, ok_404=True)
        return ReadResult(id_=id_ if response.status != 404 else "", outs=props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        path = f"{self._path(props)}/{SHORTCUT_FOLDER}/{quote(props['name'])}"
        self.client(props).call("DELETE", path, ok_404=True)


class RoleAssignmentProvider(_FabricProvider):
    """A principal's Fabric workspace role; adopts and corrects an assignment the principal
    already has."""

    replace_on = ("workspace_id", "principal_id")

    def _path(self, props: dict[str, Any]) -> str:
        return f"/workspaces/{props['workspace_id']}/roleAssignments"

    def create(self, props: dict[str, Any]) -> CreateResult:
        fabric = self.client(props)
        path = self._path(props)
        existing = next(
            (
                a
                for a in fabric.pages(path)
                if (a.get("principal") or {}).get("id") == props["principal_id"]
            ),
            None,
        )
        if existing is None:
            body = requests.role_assignment(
                props["principal_id"],
                props["role"],
                props.get("principal_type", "ServicePrincipal"),
            )
            assignment_id = fabric.call("POST", path, body, expect=("id",)).body["id"]
        else:
            assignment_id = existing["id"]
            if existing.get("role") != props["role"]:
                fabric.call("PATCH", f"{path}/{assignment_id}", {"role": props["role"]})
        return CreateResult(id_=assignment_id, outs=dict(props))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.client(news).call("PATCH", f"{self._path(news)}/{id_}", {"role": news["role"]})
        return UpdateResult(outs=dict(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        response = self.client(props).call("GET", f"{self._path(props)}/{id_}", ok_404=True)
        if response.status == 404:
            return ReadResult(id_="", outs=props)
        return ReadResult(id_=id_, outs={**props, "role": response.body.get("role")})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.client(props).call("DELETE", f"{self._path(props)}/{id_}", ok_404=True)


class ConnectionRoleProvider(RoleAssignmentProvider):
    """A principal's role on a connection (Owner, User or UserWithReshare): the same calls
    under `/connections/{id}/roleAssignments`."""

    replace_on = ("connection_id", "principal_id", "principal_type")

    def _path(self, props: dict[str, Any]) -> str:
        return f"/connections/{props['connection_id']}/roleAssignments"


class _DefinitionItemProvider(_FabricProvider):
    """An item created with its definition (`POST /workspaces/{id}/<collection>`), adopted by
    name and brought in line with `updateDefinition`."""

    replace_on = ("workspace_id",)
    collection = ""  # the item type's path segment, e.g. dataPipelines
    id_output = ""  # the output that carries the item's ID

    def _item(self, props: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _definition(self, _fabric: FabricClient, _path: str, props: dict[str, Any]) -> Any:
        """The definition an existing item at `_path` gets."""
        return self._item(props)["definition"]

    def _path(self, props: dict[str, Any]) -> str:
        return f"/workspaces/{props['workspace_id']}/{self.collection}"

    def create(self, props: dict[str, Any]) -> CreateResult:
        fabric = self.client(props)
        path = self._path(props)
        existing = next(
            (p for p in fabric.pages(path) if p.get("displayName") == props["display_name"]), None
        )
        if existing is not None:
            item_id = existing["id"]
            definition = self._definition(fabric, f"{path}/{item_id}", props)
            fabric.call("POST", f"{path}/{item_id}/updateDefinition", {"definition": definition})
        else:
            item_id = fabric.call("POST", path, self._item(props), expect=("id",)).body["id"]
        return CreateResult(id_=item_id, outs={**props, self.id_output: item_id})

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        path = f"{self._path(news)}/{id_}"
        fabric = self.client(news)
        fabric.call("PATCH", path, {"displayName": news["display_name"]})
        definition = self._definition(fabric, path, news)
        fabric.call("POST", f"{path}/updateDefinition", {"definition": definition})
        return UpdateResult(outs={**news, self.id_output: id_})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        response = self.client(props).call("GET", f"{self._path(props)}/{id_}", ok_404=True)
        return ReadResult(id_=id_ if response.status != 404 else "", outs=props)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.client(props).call("DELETE", f"{self._path(props)}/{id_}", ok_404=True)


class PipelineProvider(_DefinitionItemProvider):
    collection = "dataPipelines"
    id_output = "pipeline_id"

    def _item(self, props: dict[str, Any]) -> dict[str, Any]:
        import json

        return requests.pipeline_item(props["display_name"], json.loads(props["content"]))


class FabricConnection(Resource, module="fabric", name="Connection"):
    connection_id: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        secret_opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["client_secret"])
        )
        super().__init__(ConnectionProvider(), name, {**props, "connection_id": None}, secret_opts)


class OneLakeShortcut(Resource, module="fabric", name="Shortcut"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(ShortcutProvider(), name, props, opts)


class ConnectionRoleAssignment(Resource, module="fabric", name="ConnectionRoleAssignment"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(ConnectionRoleProvider(), name, props, opts)


class WorkspaceRoleAssignment(Resource, module="fabric", name="WorkspaceRoleAssignment"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(RoleAssignmentProvider(), name, props, opts)


class DataPipeline(Resource, module="fabric", name="DataPipeline"):
    pipeline_id: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(PipelineProvider(), name, {**props, "pipeline_id": None}, opts)
