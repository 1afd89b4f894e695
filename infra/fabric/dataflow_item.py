"""The Dataflow Gen2 item and its two Web connections, as Pulumi dynamic resources.

The Dataflow is created with its definition (`POST /workspaces/{id}/dataflows`; parts
queryMetadata.json, mashup.pq, .platform) and brought in line with `updateDefinition` when one
of that name exists. The Web connections (login.microsoftonline.com for the token,
api.fabric.microsoft.com for the scores) are checked against the tenant's supported connection
types before `POST /connections`. Running the Dataflow is left to a user: the spec says service
principals cannot run a Dataflow job.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from infra.fabric import requests
from infra.fabric.connection_types import check_connection_type
from infra.fabric.resources import ConnectionProvider, _FabricProvider


class WebConnectionProvider(ConnectionProvider):
    replace_on = ("display_name", "url")

    def _body(self, props: dict[str, Any]) -> dict[str, Any]:
        return requests.web_connection(props["display_name"], props["url"])

    def create(self, props: dict[str, Any]) -> CreateResult:
        body = self._body(props)
        details, credentials = body["connectionDetails"], body["credentialDetails"]
        check_connection_type(
            self.client(props),
            details["type"],
            details["creationMethod"],
            details["parameters"],
            credentials["credentials"]["credentialType"],
            credentials["skipTestConnection"],
        )
        return super().create(props)


class DataflowProvider(_FabricProvider):
    replace_on = ("workspace_id",)

    def _item(self, props: dict[str, Any]) -> dict[str, Any]:
        return requests.dataflow_item(props["display_name"], json.loads(props["parts"]))

    def create(self, props: dict[str, Any]) -> CreateResult:
        fabric = self.client(props)
        path = f"/workspaces/{props['workspace_id']}/dataflows"
        item = self._item(props)
        existing = next(
            (d for d in fabric.pages(path) if d.get("displayName") == props["display_name"]), None
        )
        if existing is not None:
            dataflow_id = existing["id"]
            fabric.call(
                "POST", f"{path}/{dataflow_id}/updateDefinition", {"definition": item["definition"]}
            )
        else:
            dataflow_id = (fabric.call("POST", path, item).body or {})["id"]
        return CreateResult(id_=dataflow_id, outs={**props, "dataflow_id": dataflow_id})

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        path = f"/workspaces/{news['workspace_id']}/dataflows/{id_}"
        item = self._item(news)
        fabric = self.client(news)
        fabric.call("PATCH", path, {"displayName": item["displayName"]})
        fabric.call("POST", f"{path}/updateDefinition", {"definition": item["definition"]})
        return UpdateResult(outs={**news, "dataflow_id": id_})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = f"/workspaces/{props['workspace_id']}/dataflows/{id_}"
        response = self.client(props).call("GET", path, ok_404=True)
        return ReadResult(id_=id_ if response.status != 404 else "", outs=props)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        path = f"/workspaces/{props['workspace_id']}/dataflows/{id_}"
        self.client(props).call("DELETE", path, ok_404=True)


class WebConnection(Resource, module="fabric", name="WebConnection"):
    connection_id: pulumi.Output[str]
    computed = ("connection_id",)

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(WebConnectionProvider(), name, {**props, "connection_id": None}, opts)


class Dataflow(Resource, module="fabric", name="Dataflow"):
    dataflow_id: pulumi.Output[str]
    computed = ("dataflow_id",)

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(DataflowProvider(), name, {**props, "dataflow_id": None}, opts)
