"""Fabric items as Pulumi dynamic resources, over the Fabric REST API.

Each provider creates, reads, updates and deletes through FabricClient (throttling and
long-running operations handled there), adopts an item that already has the same name instead
of failing, and keeps no module state, since the engine pickles providers into the state.
"""

from __future__ import annotations

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

from infra.clients.fabric import FABRIC_API, FabricClient
from infra.fabric import requests

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
    replace_on = ("display_name", "dfs_url", "container", "credential")

    def _body(self, props: dict[str, Any]) -> dict[str, Any]:
        return requests.adls_connection(
            props["display_name"],
            props["dfs_url"],
            props["container"],
            props["credential"],
            tenant_id=props.get("tenant_id"),
            client_id=props.get("client_id"),
            client_secret=props.get("client_secret"),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        fabric = self.client(props)
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
            connection_id = fabric.call("POST", "/connections", self._body(props)).body["id"]
        return CreateResult(id_=connection_id, outs={**props, "connection_id": connection_id})

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        body = self._body(news)
        patch = {
            "connectivityType": body["connectivityType"],
            "credentialDetails": body["credentialDetails"],
        }
        self.client(news).call("PATCH", f"/connections/{id_}", patch)
        return UpdateResult(outs={**news, "connection_id": id_})

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
    replace_on = ("workspace_id", "principal_id")

    def create(self, props: dict[str, Any]) -> CreateResult:
        fabric = self.client(props)
        path = f"/workspaces/{props['workspace_id']}/roleAssignments"
        existing = next(
            (
                a
                for a in fabric.pages(path)
                if (a.get("principal") or {}).get("id") == props["principal_id"]
            ),
            None,
        )
        if existing is None:
            body = requests.role_assignment(props["principal_id"], props["role"])
            assignment_id = fabric.call("POST", path, body).body["id"]
        else:
            assignment_id = existing["id"]
            if existing.get("role") != props["role"]:
                fabric.call("PATCH", f"{path}/{assignment_id}", {"role": props["role"]})
        return CreateResult(id_=assignment_id, outs=dict(props))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        path = f"/workspaces/{news['workspace_id']}/roleAssignments/{id_}"
        self.client(news).call("PATCH", path, {"role": news["role"]})
        return UpdateResult(outs=dict(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = f"/workspaces/{props['workspace_id']}/roleAssignments/{id_}"
        response = self.client(props).call("GET", path, ok_404=True)
        if response.status == 404:
            return ReadResult(id_="", outs=props)
        return ReadResult(id_=id_, outs={**props, "role": response.body.get("role")})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        path = f"/workspaces/{props['workspace_id']}/roleAssignments/{id_}"
        self.client(props).call("DELETE", path, ok_404=True)


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
            item_id = (fabric.call("POST", path, self._item(props)).body or {})["id"]
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
    computed = ("connection_id",)

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        secret_opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["client_secret"])
        )
        super().__init__(ConnectionProvider(), name, {**props, "connection_id": None}, secret_opts)


class OneLakeShortcut(Resource, module="fabric", name="Shortcut"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(ShortcutProvider(), name, props, opts)


class WorkspaceRoleAssignment(Resource, module="fabric", name="WorkspaceRoleAssignment"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(RoleAssignmentProvider(), name, props, opts)


class DataPipeline(Resource, module="fabric", name="DataPipeline"):
    pipeline_id: pulumi.Output[str]
    computed = ("pipeline_id",)

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(PipelineProvider(), name, {**props, "pipeline_id": None}, opts)


def __getattr__(name: str) -> dict[str, tuple[str, ...]]:
    """COMPUTED_OUTPUTS: outputs each provider fills in at create time, by type token (the
    offline plan's mocks stand placeholders in for them). Built on first use, since the Dataflow
    route's resources live in modules that build on the providers above."""
    if name != "COMPUTED_OUTPUTS":
        raise AttributeError(name)
    from infra.fabric.dataflow_item import Dataflow, WebConnection
    from infra.fabric.ml_model import FabricMlModel, MlModelEndpoint, MlModelVersion

    classes = (
        FabricConnection,
        DataPipeline,
        WebConnection,
        Dataflow,
        FabricMlModel,
        MlModelVersion,
        MlModelEndpoint,
    )
    return {f"pulumi-python:{cls._resource_type_name}": cls.computed for cls in classes}
