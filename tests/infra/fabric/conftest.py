"""A local Fabric REST stand-in that checks every request and every answer it gives against the
published OpenAPI, and refuses what Fabric refuses: a connection of a type, creation method,
parameter or credential Fabric does not offer, or one skipping a test its type cannot skip."""

from __future__ import annotations

import ast
import base64
import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from infra.clients.fabric import FabricClient
from tests.fabric_spec import FabricSpec
from tests.local_server import JsonHandler, serving

SPEC = FabricSpec()


def connection_type(
    name: str, parameters: dict[str, bool], credentials: list[str], skip: bool
) -> dict[str, Any]:
    """A ConnectionCreationMetadata whose one creation method is named like the type."""
    return {
        "type": name,
        "creationMethods": [
            {
                "name": name,
                "parameters": [
                    {"name": p, "dataType": "Text", "required": required}
                    for p, required in parameters.items()
                ],
            }
        ],
        "supportedCredentialTypes": credentials,
        "supportedConnectionEncryptionTypes": ["NotEncrypted"],
        "supportsSkipTestConnection": skip,
    }


# What the stand-in offers: the types the project relies on, between others.
SUPPORTED_TYPES = [
    connection_type("SQL", {"server": True, "database": False}, ["Basic", "OAuth2"], False),
    connection_type(
        "AzureDataLakeStorage",
        {"server": True, "path": True},
        ["Key", "OAuth2", "ServicePrincipal", "WorkspaceIdentity", "SharedAccessSignature"],
        True,
    ),
    connection_type("Web", {"url": True}, ["Anonymous", "Basic", "OAuth2"], True),
    connection_type(
        "AzureMachineLearning",
        {"subscriptionId": True, "resourceGroupName": True, "workspaceName": True},
        ["OAuth2", "ServicePrincipal", "WorkspaceIdentity"],
        True,
    ),
]
WORKSPACE = "11111111-aaaa-4aaa-8aaa-111111111111"
# Each item type's own API, which decides what a principal may do to it through /items.
TYPED_PATHS = {
    "MLModel": "mlModels",
    "Notebook": "notebooks",
    "Dataflow": "dataflows",
    "DataPipeline": "dataPipelines",
}
LAKEHOUSE = "22222222-bbbb-4bbb-8bbb-222222222222"


@dataclass
class FakeFabric:
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    shortcuts: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    connection_roles: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    supported_types: list[dict[str, Any]] = field(default_factory=lambda: list(SUPPORTED_TYPES))
    offline_tests: dict[str, int] = field(default_factory=dict)  # connection -> Offline answers
    offline_when_created: int = 0  # Offline answers a new connection gives (roles propagating)
    pipelines: dict[str, dict[str, Any]] = field(default_factory=dict)
    operations: dict[str, int] = field(default_factory=dict)  # polls seen per operation
    results: dict[str, Any] = field(default_factory=dict)  # operation -> its result
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)  # operation -> its call
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    throttle: set[str] = field(default_factory=set)  # "METHOD /path" answered 429 once
    fail: dict[str, tuple[int, str]] = field(default_factory=dict)
    page_size: int = 100
    ids: Iterator[int] = field(default_factory=itertools.count)
    # The Dataflow route.
    # "ServicePrincipal" (the default deployer): refused where the spec refuses principals.
    caller: str = "ServicePrincipal"
    ml_models: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    notebooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    job_failure: dict[str, str] | None = None  # the failureReason a notebook run ends with
    activation_failure: dict[str, str] | None = None  # the failureDetails an activation ends with
    registered: list[dict[str, bytes]] = field(default_factory=list)  # files each run logged
    dataflows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def refusal(self, body: dict[str, Any]) -> str | None:
        """Why Fabric would refuse this connection, if it would."""
        details = body["connectionDetails"]
        offered = next((t for t in self.supported_types if t["type"] == details["type"]), None)
        if offered is None:
            return f"unknown connection type {details['type']}"
        method = next(
            (m for m in offered["creationMethods"] if m["name"] == details["creationMethod"]),
            None,
        )
        if method is None:
            return f"unknown creation method {details['creationMethod']}"
        sent = {p["name"] for p in details["parameters"]}
        declared = {p["name"]: p["required"] for p in method["parameters"]}
        if not sent <= set(declared) or not {n for n, r in declared.items() if r} <= sent:
            return f"parameters {sorted(sent)} do not fit {declared}"
        credentials = body["credentialDetails"]
        if credentials["credentials"]["credentialType"] not in offered["supportedCredentialTypes"]:
            return "credential type not supported"
        if credentials.get("skipTestConnection") and not offered["supportsSkipTestConnection"]:
            return "skipTestConnection not supported"
        return None

    def accepted(self, base_url: str, result: Any, origin: tuple[str, str]) -> dict[str, str]:
        """A long-running operation: 202 now, `result` from /operations/{id}/result later."""
        op = self.new_id()
        self.operations[op] = 0
        self.results[op] = result
        self.origins[op] = origin
        return {
            "Location": f"{base_url}/v1/operations/{op}",
            "x-ms-operation-id": op,
            "Retry-After": "0",
        }

    def stores(self) -> list[dict[str, dict[str, Any]]]:
        """Where the workspace's items are, for the core /items API."""
        return [self.ml_models, self.notebooks, self.dataflows, self.pipelines]

    def store_of(self, item_id: str) -> dict[str, dict[str, Any]] | None:
        return next((s for s in self.stores() if item_id in s), None)

    def principal_may(self, method: str, url: str) -> bool:
        """Whether Fabric lets a service principal make this call, by the operation's identity
        table in the spec; an /items call whose support depends on the item type ("when the
        item type in the call is supported") is judged by that type's own operation."""
        support = SPEC.principals(method, url)
        if support.startswith("When the item type"):
            parts = urlparse(url).path.split("/")  # "", v1, workspaces, ws, items, id, ...
            store = self.store_of(parts[5]) if len(parts) > 5 else None
            typed = TYPED_PATHS.get(store[parts[5]].get("type", "")) if store else None
            if typed is None:
                return True
            parts[4] = typed
            support = SPEC.principals(method, urlparse(url)._replace(path="/".join(parts)).geturl())
        return support != "No"

    def new_id(self) -> str:
        return str(uuid.UUID(int=next(self.ids) + 1))

    def page(self, items: list[dict[str, Any]], path: str, query: str) -> dict[str, Any]:
        token = parse_qs(query).get("continuationToken", ["0"])[0]
        start = int(token)
        body: dict[str, Any] = {"value": items[start : start + self.page_size]}
        if start + self.page_size < len(items):
            body["continuationToken"] = str(start + self.page_size)
            # `path` may carry the list's filter (?type=...), which the next page keeps.
            joiner = "&" if "?" in path else "?"
            body["continuationUri"] = f"{path}{joiner}continuationToken={start + self.page_size}"
        return body


def _error(code: str, message: str) -> dict[str, Any]:
    return {"errorCode": code, "message": message, "requestId": str(uuid.uuid4())}


def _run_registration(fake: FakeFabric, workspace: str, notebook: dict[str, Any]) -> None:
    """What the notebook does in Fabric: read its inline files, register a version by name."""
    [part] = [p for p in notebook["definition"]["parts"] if p["path"].endswith(".ipynb")]
    cells = json.loads(base64.b64decode(part["payload"]))["cells"]
    tree = ast.parse("".join(cells[0]["source"]))
    constants = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("MODEL_NAME", "FILES")
    }
    fake.registered.append(
        {name: base64.b64decode(payload) for name, (_, payload) in constants["FILES"].items()}
    )
    model = next(
        (m for m in fake.ml_models.values() if m["displayName"] == constants["MODEL_NAME"]), None
    )
    if model is None:  # MLflow creates the item when the workspace has none of that name
        mid = fake.new_id()
        model = fake.ml_models[mid] = {
            "id": mid,
            "displayName": constants["MODEL_NAME"],
            "type": "MLModel",
            "workspaceId": workspace,
        }
    versions = fake.versions.setdefault(model["id"], {})
    name = str(len(versions) + 1)
    versions[name] = {"versionName": name, "status": "Deactivated", "polls": 0}


def _public(item: dict[str, Any]) -> dict[str, Any]:
    """An item as the API returns it: no definition, no stand-in bookkeeping."""
    return {k: v for k, v in item.items() if k not in ("definition", "polls")}


def _version_body(version: dict[str, Any]) -> dict[str, Any]:
    body = _public(version)
    body["inputSignature"] = [{"type": "long", "name": "age", "required": True}]
    return body


def _handler(fake: FakeFabric) -> type[JsonHandler]:
    class Handler(JsonHandler):
        method = "GET"

        def send_json(
            self, status: int, body: Any = None, headers: dict[str, str] | None = None
        ) -> None:
            # What the stand-in answers must be what Fabric may answer, too.
            parts = urlparse(self.path).path.split("/")
            is_result = parts[2:3] == ["operations"] and parts[-1] == "result"
            origin = fake.origins.get(parts[3]) if is_result else None
            fake.problems.extend(
                SPEC.check_response(self.method, self.url, status, body, origin=origin)
            )
            super().send_json(status, body, headers)

        @property
        def url(self) -> str:
            return f"https://api.fabric.microsoft.com{self.path}"

        def _route(self, method: str) -> None:
            self.method = method
            url = urlparse(self.path)
            body = (
                self.read_json() if self.headers.get("Content-Length") not in (None, "0") else None
            )
            fake.requests.append((method, self.path, body))
            if self.headers.get("Authorization") != "Bearer fabric-token":
                fake.problems.append(f"{method} {self.path}: no Fabric token")
            fake.problems.extend(
                SPEC.check(method, f"https://api.fabric.microsoft.com{self.path}", body)
            )
            key = f"{method} {url.path}"
            if key in fake.throttle:
                fake.throttle.discard(key)
                self.send_json(429, _error("RequestBlocked", "throttled"), {"Retry-After": "2"})
                return
            if key in fake.fail:
                status, code = fake.fail.pop(key)
                self.send_json(status, _error(code, f"{code} for {url.path}"))
                return
            if fake.caller == "ServicePrincipal" and not fake.principal_may(method, self.url):
                self.send_json(
                    403,
                    _error(
                        "PrincipalTypeNotSupported",
                        "Caller identity type is not supported: the spec admits users only",
                    ),
                )
                return
            parts = [unquote(p) for p in url.path.split("/")[2:]]  # after /v1
            if not self._route_dataflow(method, parts, body, url):
                self._dispatch(method, parts, body, url)

        def _dispatch(self, method: str, parts: list[str], body: Any, url: Any) -> None:  # noqa: PLR0912, PLR0915 - the route table
            match (method, parts):
                case ("GET", ["connections"]):
                    self.send_json(
                        200,
                        fake.page(
                            list(fake.connections.values()), self.base_url + url.path, url.query
                        ),
                    )
                case ("GET", ["connections", "supportedConnectionTypes"]):
                    if parse_qs(url.query).get("showAllCreationMethods") != ["true"]:
                        fake.problems.append("supportedConnectionTypes without all methods")
                    page = fake.page(fake.supported_types, self.base_url + url.path, url.query)
                    if "continuationUri" in page:
                        # As the spec's own example: a URI of another path; use the token.
                        page["continuationUri"] = page["continuationUri"].replace(
                            "supportedConnectionTypes", "supportedConnections"
                        )
                    self.send_json(200, page)
                case ("POST", ["connections"]) if fake.refusal(body):
                    self.send_json(400, _error("InvalidConnectionDetails", str(fake.refusal(body))))
                case ("POST", ["connections", cid, "testConnection"]):
                    if cid not in fake.connections:
                        self.send_json(404, _error("EntityNotFound", cid))
                        return
                    offline = fake.offline_tests.get(cid, 0)
                    fake.offline_tests[cid] = max(offline - 1, 0)
                    result = (
                        {
                            "status": "Offline",
                            "errors": [
                                {"errorCode": "AuthorizationPermissionMismatch", "message": "403"}
                            ],
                        }
                        if offline
                        else {"status": "Online", "errors": []}
                    )
                    self.send_json(
                        202, None, fake.accepted(self.base_url, result, (method, self.url))
                    )
                case ("GET", ["connections", cid, "roleAssignments"]):
                    items = list(fake.connection_roles.get(cid, {}).values())
                    self.send_json(200, fake.page(items, self.base_url + url.path, url.query))
                case ("POST", ["connections", cid, "roleAssignments"]):
                    rid = body["principal"]["id"]
                    fake.connection_roles.setdefault(cid, {})[rid] = {"id": rid, **body}
                    self.send_json(201, fake.connection_roles[cid][rid])
                case ("GET" | "PATCH" | "DELETE", ["connections", cid, "roleAssignments", rid]):
                    self._item(method, fake.connection_roles.get(cid, {}), rid, body)
                case ("POST", ["connections"]):
                    cid = fake.new_id()
                    fake.offline_tests[cid] = fake.offline_when_created
                    fake.connections[cid] = {
                        "id": cid,
                        "displayName": body["displayName"],
                        "connectivityType": body["connectivityType"],
                        "connectionDetails": {
                            "type": body["connectionDetails"]["type"],
                            "path": ";".join(
                                p["value"] for p in body["connectionDetails"]["parameters"]
                            ),
                        },
                        "privacyLevel": "Organizational",
                        "credentialDetails": {
                            "credentialType": body["credentialDetails"]["credentials"][
                                "credentialType"
                            ],
                            "singleSignOnType": "None",
                            "connectionEncryption": "NotEncrypted",
                            "skipTestConnection": body["credentialDetails"]["skipTestConnection"],
                        },
                    }
                    self.send_json(201, fake.connections[cid])
                case ("GET" | "PATCH" | "DELETE", ["connections", cid]):
                    self._item(method, fake.connections, cid, body)
                case ("POST", ["workspaces", _, "items", _, "shortcuts"]):
                    existed = body["name"] in fake.shortcuts
                    target = {**body["target"], "type": "AdlsGen2"}
                    fake.shortcuts[body["name"]] = {**body, "target": target}
                    self.send_json(200 if existed else 201, fake.shortcuts[body["name"]])
                case ("GET" | "DELETE", ["workspaces", _, "items", _, "shortcuts", _, name]):
                    self._item(method, fake.shortcuts, name, body)
                case ("GET", ["workspaces", _, "roleAssignments"]):
                    self.send_json(
                        200,
                        fake.page(list(fake.roles.values()), self.base_url + url.path, url.query),
                    )
                case ("POST", ["workspaces", _, "roleAssignments"]):
                    rid = fake.new_id()
                    fake.roles[rid] = {
                        "id": rid,
                        "principal": body["principal"],
                        "role": body["role"],
                    }
                    self.send_json(201, fake.roles[rid])
                case ("GET" | "PATCH" | "DELETE", ["workspaces", _, "roleAssignments", rid]):
                    self._item(method, fake.roles, rid, body)
                case ("GET", ["workspaces", ws, "dataPipelines"]):
                    self.send_json(
                        200,
                        fake.page(
                            list(fake.pipelines.values()), self.base_url + url.path, url.query
                        ),
                    )
                case ("POST", ["workspaces", ws, "dataPipelines"]):
                    pid = fake.new_id()
                    fake.pipelines[pid] = {
                        "id": pid,
                        "displayName": body["displayName"],
                        "type": "DataPipeline",
                        "workspaceId": ws,
                        "definition": body["definition"],
                    }
                    item = {k: v for k, v in fake.pipelines[pid].items() if k != "definition"}
                    self.send_json(
                        202, None, fake.accepted(self.base_url, item, (method, self.url))
                    )
                case ("POST", ["workspaces", _, "dataPipelines", pid, "getDefinition"]):
                    if pid not in fake.pipelines:
                        self.send_json(404, _error("EntityNotFound", pid))
                        return
                    definition = {"definition": fake.pipelines[pid]["definition"]}
                    self.send_json(
                        202, None, fake.accepted(self.base_url, definition, (method, self.url))
                    )
                case ("POST", ["workspaces", _, "dataPipelines", pid, "updateDefinition"]):
                    fake.pipelines[pid]["definition"] = body["definition"]
                    self.send_json(200, None)
                case ("GET" | "PATCH" | "DELETE", ["workspaces", _, "dataPipelines", pid]):
                    self._item(method, fake.pipelines, pid, body)
                case ("GET", ["operations", op]):
                    fake.operations[op] += 1
                    status = "Running" if fake.operations[op] < 2 else "Succeeded"
                    self.send_json(
                        200,
                        {
                            "status": status,
                            "createdTimeUtc": "2026-11-23T00:00:00Z",
                            "lastUpdatedTimeUtc": "2026-11-23T00:00:00Z",
                            "percentComplete": 100 if status == "Succeeded" else 50,
                        },
                        {"Retry-After": "0", "x-ms-operation-id": op},
                    )
                case ("GET", ["operations", op, "result"]):
                    result = fake.results[op]
                    if result is None:
                        self.send_json(400, _error("OperationHasNoResult", op))
                    elif isinstance(result, dict):
                        self.send_json(200, result)
                    else:
                        item = fake.pipelines[result]
                        self.send_json(200, {k: v for k, v in item.items() if k != "definition"})
                case _:
                    fake.problems.append(f"no route for {method} {url.path}")
                    self.send_json(404, _error("EntityNotFound", url.path))

        def _accepted(self, result: Any) -> None:
            """202 and a long-running operation whose result is `result` (None: no result)."""
            op = fake.new_id()
            fake.operations[op] = 0
            fake.results[op] = result
            self.send_json(
                202,
                None,
                {
                    "Location": f"{self.base_url}/v1/operations/{op}",
                    "x-ms-operation-id": op,
                    "Retry-After": "0",
                },
            )

        def _list(self, items: dict[str, dict[str, Any]], url: Any) -> None:
            public = [_public(i) for i in items.values()]
            self.send_json(200, fake.page(public, self.base_url + url.path, url.query))

        def _route_dataflow(self, method: str, parts: list[str], body: Any, url: Any) -> bool:  # noqa: PLR0912, PLR0915 - the route table
            defined = {
                "notebooks": (fake.notebooks, "Notebook"),
                "dataflows": (fake.dataflows, "Dataflow"),
            }
            match (method, parts):
                case ("GET", ["workspaces", _, "mlModels"]):
                    self._list(fake.ml_models, url)
                case ("POST", ["workspaces", ws, "mlModels"]):
                    mid = fake.new_id()
                    fake.ml_models[mid] = {
                        "id": mid,
                        "displayName": body["displayName"],
                        "description": body.get("description", ""),
                        "type": "MLModel",
                        "workspaceId": ws,
                    }
                    self.send_json(201, fake.ml_models[mid])
                case ("GET" | "DELETE", ["workspaces", _, "mlModels", mid]):
                    self._item(method, fake.ml_models, mid, body)
                case ("GET", ["workspaces", _, "mlmodels", mid, "endpoint", "versions"]):
                    items = [_version_body(v) for v in fake.versions.get(mid, {}).values()]
                    self.send_json(200, {"value": items})
                case ("GET", ["workspaces", _, "mlmodels", mid, "endpoint", "versions", name]):
                    version = fake.versions.get(mid, {}).get(name)
                    if version is None:
                        self.send_json(404, _error("EntityNotFound", name))
                        return True
                    if version["status"] == "Activating":
                        version["polls"] += 1
                        if version["polls"] > 1 and fake.activation_failure:
                            version["status"] = "Failed"
                            version["failureDetails"] = fake.activation_failure
                        elif version["polls"] > 1:
                            version["status"] = "Active"
                    self.send_json(200, _version_body(version), {"Retry-After": "0"})
                case (
                    "POST",
                    ["workspaces", _, "mlmodels", mid, "endpoint", "versions", name, verb],
                ):
                    version = fake.versions[mid][name]
                    version["status"] = "Activating" if verb == "activate" else "Deactivated"
                    self._accepted(None)
                case ("PATCH", ["workspaces", _, "mlmodels", mid, "endpoint", "versions", name]):
                    version = fake.versions[mid][name]
                    if version["status"] != "Active":
                        self.send_json(400, _error("VersionNotActive", f"{name} is not active"))
                        return True
                    version["scaleRule"] = body["scaleRule"]
                    self.send_json(200, _version_body(version))
                case ("GET" | "PATCH", ["workspaces", _, "mlmodels", mid, "endpoint"]):
                    endpoint = fake.endpoints.setdefault(
                        mid,
                        {
                            "defaultVersionAssignmentBehavior": "NotConfigured",
                            "defaultVersionName": "",
                        },
                    )
                    if method == "PATCH":
                        version = fake.versions[mid].get(body["defaultVersionName"]) or {}
                        if version.get("status") != "Active":
                            self.send_json(400, _error("VersionNotActive", "not active"))
                            return True
                        endpoint.update(body)
                    version = fake.versions[mid].get(endpoint["defaultVersionName"])
                    info = (
                        _version_body(version)
                        if version
                        else {"versionName": "", "status": "Deactivated"}
                    )
                    self.send_json(200, {**endpoint, "defaultVersionInfo": info})
                case ("GET", ["workspaces", _, "notebooks" | "dataflows" as kind]):
                    self._list(defined[kind][0], url)
                case ("POST", ["workspaces", ws, "notebooks" | "dataflows" as kind]):
                    store, item_type = defined[kind]
                    iid = fake.new_id()
                    store[iid] = {
                        "id": iid,
                        "displayName": body["displayName"],
                        "description": body.get("description", ""),
                        "type": item_type,
                        "workspaceId": ws,
                        "definition": body["definition"],
                    }
                    if kind == "notebooks":  # answered as a long-running operation
                        self._accepted(_public(store[iid]))
                    else:
                        self.send_json(201, _public(store[iid]))
                case ("POST", ["workspaces", _, "notebooks" | "dataflows" as kind, iid, verb]):
                    store = defined[kind][0]
                    if verb == "getDefinition":
                        self.send_json(200, {"definition": store[iid]["definition"]})
                    else:  # updateDefinition
                        store[iid]["definition"] = body["definition"]
                        self.send_json(200, None)
                case (
                    "GET" | "PATCH" | "DELETE",
                    ["workspaces", _, "notebooks" | "dataflows" as kind, iid],
                ):
                    self._item(method, defined[kind][0], iid, body)
                case ("GET", ["workspaces", _, "items"]):
                    wanted = parse_qs(url.query).get("type")
                    items = [
                        _public(i)
                        for store in fake.stores()
                        for i in store.values()
                        if not wanted or i.get("type") in wanted
                    ]
                    listed = self.base_url + url.path + (f"?type={wanted[0]}" if wanted else "")
                    self.send_json(200, fake.page(items, listed, url.query))
                case ("GET" | "DELETE", ["workspaces", _, "items", iid]):
                    self._item(method, fake.store_of(iid) or {}, iid, body)
                case ("POST", ["workspaces", _, "items", nid, "jobs", _, "instances"]) if (
                    fake.store_of(nid) is None
                ):
                    self.send_json(404, _error("ItemNotFound", f"{nid} not found"))
                case ("POST", ["workspaces", _, "items", nid, "jobs", job_type, "instances"]) if (
                    nid in fake.notebooks and job_type != "RunNotebook"
                ):
                    self.send_json(400, _error("InvalidJobType", f"a notebook runs no {job_type}"))
                case ("POST", ["workspaces", ws, "items", nid, "jobs", job_type, "instances"]):
                    jid = fake.new_id()
                    fake.jobs[jid] = {
                        "id": jid,
                        "itemId": nid,
                        "jobType": job_type,
                        "invokeType": "Manual",
                        "status": "NotStarted",
                        "polls": 0,
                    }
                    self.send_json(
                        202,
                        None,
                        {
                            "Location": f"{self.base_url}/v1/workspaces/{ws}/items/{nid}"
                            f"/jobs/instances/{jid}",
                            "Retry-After": "0",
                        },
                    )
                case ("GET", ["workspaces", ws, "items", nid, "jobs", "instances", jid]):
                    job = fake.jobs[jid]
                    job["polls"] += 1
                    if job["status"] == "NotStarted":
                        job["status"] = "InProgress"
                    elif job["status"] == "InProgress":
                        if fake.job_failure is None:
                            _run_registration(fake, ws, fake.notebooks[nid])
                            job["status"] = "Completed"
                        else:
                            job["status"] = "Failed"
                            job["failureReason"] = {
                                **fake.job_failure,
                                "requestId": str(uuid.uuid4()),
                            }
                    self.send_json(200, _public(job), {"Retry-After": "0"})
                case _:
                    return False
            return True

        def _item(self, method: str, items: dict[str, Any], key: str, body: Any) -> None:
            if key not in items:
                self.send_json(404, _error("EntityNotFound", f"{key} not found"))
            elif method == "DELETE":
                del items[key]
                self.send_json(200, None)
            elif method == "PATCH":
                items[key].update(body)
                self.send_json(200, items[key])
            else:
                self.send_json(200, {k: v for k, v in items[key].items() if k != "definition"})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PATCH(self) -> None:
            self._route("PATCH")

        def do_DELETE(self) -> None:
            self._route("DELETE")

    return Handler


@pytest.fixture
def fabric() -> Iterator[tuple[FakeFabric, FabricClient, list[float]]]:
    fake = FakeFabric()
    slept: list[float] = []
    with serving(_handler(fake)) as base:
        client = FabricClient(
            base_url=f"{base}/v1",
            token=lambda scope: "fabric-token",
            sleep=slept.append,
            timeout_seconds=10,
        )
        yield fake, client, slept
