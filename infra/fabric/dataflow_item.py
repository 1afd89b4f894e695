"""The Dataflow Gen2 item and its two Web connections, as Pulumi dynamic resources.

The Dataflow is created with its definition (`POST /workspaces/{id}/dataflows`; parts
queryMetadata.json, mashup.pq, .platform) and brought in line with `updateDefinition` when one
of that name exists. The Web connections (login.microsoftonline.com for the token,
api.fabric.microsoft.com for the scores) are checked against the tenant's supported connection
types before `POST /connections`. Running the Dataflow is left to a user: the spec says service
principals cannot run a Dataflow job.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from infra.clients.fabric import FabricClient
from infra.fabric import dataflow, requests
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

    def _item(self, props: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
        parts = json.loads(props["parts"])
        if secret:
            parts["mashup.pq"] = dataflow.with_parameter_value(parts["mashup.pq"], secret)
        return requests.dataflow_item(props["display_name"], parts)

    def _secret_set(self, fabric: FabricClient, path: str) -> str | None:
        """The ClientSecret a person set in Fabric, so a new definition does not wipe it.

        Read from the current definition and kept in this process only: never in the
        resource's inputs, outputs or state.
        """
        answer = fabric.call("POST", f"{path}/getDefinition").body or {}
        for part in (answer.get("definition") or {}).get("parts") or []:
            if part.get("path") == "mashup.pq":
                return dataflow.parameter_value(base64.b64decode(part["payload"]).decode())
        return None

    def create(self, props: dict[str, Any]) -> CreateResult:
        fabric = self.client(props)
        path = f"/workspaces/{props['workspace_id']}/dataflows"
        item = self._item(props)
        existing = next(
            (d for d in fabric.pages(path) if d.get("displayName") == props["display_name"]), None
        )
        if existing is not None:
            dataflow_id = existing["id"]
            item = self._item(props, self._secret_set(fabric, f"{path}/{dataflow_id}"))
            fabric.call(
                "POST", f"{path}/{dataflow_id}/updateDefinition", {"definition": item["definition"]}
            )
        else:
            dataflow_id = (fabric.call("POST", path, item).body or {})["id"]
        return CreateResult(id_=dataflow_id, outs={**props, "dataflow_id": dataflow_id})

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        path = f"/workspaces/{news['workspace_id']}/dataflows/{id_}"
        fabric = self.client(news)
        item = self._item(news, self._secret_set(fabric, path))
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
