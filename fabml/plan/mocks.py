"""The mock engine: answers registrations like Azure would, and records what was asked.

Values Azure decides at deploy time (principal IDs, the subscription) come back as readable
placeholders such as `<compute-identity.principalId>`; values that follow from the inputs
(ARM IDs, endpoint URLs) are computed the way Azure forms them. Any output containing a
placeholder is "known after deploy".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import Mocks
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

from fabml.plan import sdk_internals as wire
from infra import catalog, placeholder
from infra.project import REPO_ROOT

SUBSCRIPTION = placeholder.SUBSCRIPTION
TENANT = placeholder.after_deploy("tenantId")
STACK_TYPE = "pulumi:pulumi:Stack"
DYNAMIC_PROVIDER_INPUT = "__provider"


class PlanMocks(Mocks):
    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "subscriptionId": SUBSCRIPTION,
                "tenantId": TENANT,
                "clientId": placeholder.after_deploy("deployer.clientId"),
                "objectId": placeholder.after_deploy("deployer.objectId"),
            }, []
        if args.token == "azure-native:storage:listStorageAccountKeys":
            key = placeholder.after_deploy(f"{args.args.get('accountName')}.key1")
            return {"keys": [{"keyName": "key1", "value": key, "permissions": "FULL"}]}, []
        return {}, []

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        state: dict[str, Any] = dict(inputs)
        identity = inputs.get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
            # Inputs list the identities' IDs; Azure answers with a map keyed by those IDs.
            state["identity"] = {
                **identity,
                "userAssignedIdentities": {i: {} for i in identity["userAssignedIdentities"]},
            }
        if args.typ.startswith("pulumi-python:dynamic"):
            # Outputs a dynamic provider fills in at create time (IDs of Fabric items).
            dynamic = catalog.lookup(args.typ)
            for key in dynamic.computed if dynamic else ():
                state[key] = placeholder.after_deploy(f"{args.name}.{key}")
            return f"{args.name}-id", state
        kind = catalog.lookup(args.typ)
        if kind is not None and kind.id_template:
            # Formed the way Azure forms it, from the inputs that name the resource.
            resource_id = kind.id_template.format_map(
                _Defaulting({**inputs, "subscriptionId": SUBSCRIPTION})
            )
            state["name"] = inputs.get(kind.name_input)
            state.update(self._computed(kind, args.name, inputs))
            return resource_id, state
        return f"{args.name}-id", state

    def _computed(
        self, kind: catalog.ResourceType, logical: str, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        """Outputs Azure fills in, for the types whose outputs the program reads."""
        if kind is catalog.STORAGE_ACCOUNT:
            account = inputs["accountName"]
            return {
                "primaryEndpoints": {
                    service: f"https://{account}.{service}.core.windows.net/"
                    for service in ("blob", "dfs", "file", "queue", "table", "web")
                }
            }
        if kind is catalog.USER_ASSIGNED_IDENTITY:
            return {
                "principalId": placeholder.after_deploy(f"{logical}.principalId"),
                "clientId": placeholder.after_deploy(f"{logical}.clientId"),
                "tenantId": TENANT,
            }
        if kind is catalog.BATCH_ENDPOINT:
            endpoint = inputs["endpointName"]
            properties = dict(inputs.get("properties") or {})
            properties["scoringUri"] = (
                f"https://{endpoint}.{inputs.get('location')}.inference.ml.azure.com/jobs"
            )
            return {"properties": properties}
        return {}


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return placeholder.after_deploy(key)


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    deleted_with: str | None
    dependencies: list[str]
    inputs: dict[str, Any]
    secret_paths: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)


class RecordingMonitor(MockMonitor):
    """MockMonitor that keeps each registration's parent, dependencies and options."""

    def __init__(self, mocks: PlanMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # As the engine does: the root stack is not part of a child's qualified type.
        if parent and parent.split("::")[2] == STACK_TYPE:
            parent = ""
        return super().make_urn(parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            return response
        secret_paths: list[str] = []
        inputs = _plain(request.object, "", secret_paths)
        if DYNAMIC_PROVIDER_INPUT in inputs:
            # The pickled provider: code, not configuration, and kilobytes of base64.
            inputs[DYNAMIC_PROVIDER_INPUT] = "[serialized dynamic provider]"
            secret_paths.remove(DYNAMIC_PROVIDER_INPUT)
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                protect=bool(request.protect),
                deleted_with=request.deletedWith or None,
                dependencies=sorted(set(request.dependencies)),
                inputs=inputs,
                secret_paths=secret_paths,
                # Kept so that a guard like the endpoint's ignored `properties.defaults` is in
                # the plan, where a test sees it go.
                ignore_changes=list(request.ignoreChanges),
            )
        )
        return response


SECRET_MASK = "[secret]"


def _plain(value: Any, path: str, secret_paths: list[str]) -> Any:
    """JSON-ready inputs from the wire, each secret masked where it sits and its path noted.

    Read from the protobuf itself: the SDK's deserializer would lift a nested secret up to its
    top-level property and hide everything beside it.
    """
    if isinstance(value, struct_pb2.Struct):
        if wire.SIG_KEY in value:
            if value[wire.SIG_KEY] == wire.SECRET_SIG:
                secret_paths.append(path or ".")
                return SECRET_MASK
            if value[wire.SIG_KEY] == wire.ASSET_SIG and "path" in value:
                return _file_asset(str(value["path"]))
            return f"[{value[wire.SIG_KEY]}]"
        return {
            key: _plain(item, f"{path}.{key}" if path else key, secret_paths)
            for key, item in value.items()
        }
    if isinstance(value, struct_pb2.ListValue):
        return [_plain(item, f"{path}[{i}]", secret_paths) for i, item in enumerate(value)]
    if value == wire.UNKNOWN:
        return "(unknown)"
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire carries every number as a double
    return value


def _file_asset(path: str) -> dict[str, str]:
    """An uploaded file, by repository path and content hash: the plan changes with the file."""
    file = Path(path)
    digest = hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else "(missing)"
    shown = file.resolve().relative_to(REPO_ROOT).as_posix() if file.is_absolute() else path
    return {"file": shown, "sha256": digest}
