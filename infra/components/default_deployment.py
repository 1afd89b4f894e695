"""Makes a batch deployment its endpoint's default, after both exist.

azure-native has no resource for this: the default lives in the endpoint's own properties,
while the deployment needs the endpoint first, so setting it on the endpoint would be a
dependency cycle. ARM takes the default only in a whole PUT of the endpoint: the PATCH body
(`PartialMinimalTrackedResourceWithIdentity`, Microsoft.MachineLearningServices 2025-12-01)
carries tags and identity only. So this dynamic resource does what azure-ai-ml does for
`az ml batch-endpoint update --set defaults.deployment_name=...`: GET the endpoint, PUT it back
with only `properties.defaults.deploymentName` changed (read-only fields dropped, `If-Match`
with the ETag when ARM returns one) and follow the PUT's long-running operation.

An azure-native update of the endpoint PUTs it without `defaults`. Two things put it back:
`endpoint_spec` (the endpoint's own inputs) changes with any such update, and `read` (run by
`pulumi refresh`) reports the default ARM holds, so the next `up` sees the drift and sets it
again.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from infra.clients.arm import DEFAULT_ENDPOINT, ArmClient, ArmError

API_VERSION = "2025-12-01"
# What a BatchEndpoint PUT takes (BatchEndpointTrackedResource, 2025-12-01); id, name, type,
# systemData and etag are read-only envelope fields.
WRITABLE = ("location", "tags", "identity", "kind", "sku", "properties")
# Read-only in BatchEndpointProperties / EndpointPropertiesBase.
READ_ONLY_PROPERTIES = ("provisioningState", "scoringUri", "swaggerUri")


def put_body(endpoint: dict[str, Any], deployment_name: str) -> dict[str, Any]:
    """The endpoint as ARM returned it, as a PUT body with the default deployment set."""
    body = {key: endpoint[key] for key in WRITABLE if endpoint.get(key) is not None}
    properties = {
        k: v for k, v in (endpoint.get("properties") or {}).items() if k not in READ_ONLY_PROPERTIES
    }
    properties["defaults"] = {"deploymentName": deployment_name}
    body["properties"] = properties
    identity = endpoint.get("identity")
    if isinstance(identity, dict):
        # principalId, tenantId and each user-assigned identity's ids are read-only.
        body["identity"] = {"type": identity.get("type")}
        if identity.get("userAssignedIdentities"):
            body["identity"]["userAssignedIdentities"] = {
                key: {} for key in identity["userAssignedIdentities"]
            }
    return body


class DefaultDeploymentProvider(ResourceProvider):
    """CRUD over an endpoint's default deployment. Kept free of module state: it is pickled."""

    def __init__(self, client: ArmClient | None = None) -> None:
        self._client = client

    def _arm(self, props: dict[str, Any]) -> ArmClient:
        if self._client is not None:
            return self._client
        return ArmClient(endpoint=props.get("arm_endpoint") or DEFAULT_ENDPOINT)

    def _set(self, props: dict[str, Any]) -> dict[str, Any]:
        arm = self._arm(props)
        endpoint_id = props["endpoint_id"]
        status, headers, endpoint = arm.call("GET", endpoint_id, API_VERSION)
        if status == 404 or not isinstance(endpoint, dict):
            raise ArmError(f"GET {endpoint_id}: the batch endpoint does not exist")
        etag = headers.get("etag") or endpoint.get("etag")
        arm.call_and_wait(
            "PUT",
            endpoint_id,
            API_VERSION,
            put_body(endpoint, props["deployment_name"]),
            headers={"If-Match": etag} if etag else None,
        )
        return dict(props)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"{props['endpoint_id']}/defaults", outs=self._set(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [
            k
            for k in ("endpoint_id", "deployment_name", "endpoint_spec")
            if olds.get(k) != news.get(k)
        ]
        return DiffResult(
            changes=bool(changed),
            replaces=["endpoint_id"] if "endpoint_id" in changed else [],
            delete_before_replace=False,
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._set(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        _, _, endpoint = self._arm(props).call("GET", props["endpoint_id"], API_VERSION)
        current = ((endpoint or {}).get("properties") or {}).get("defaults") or {}
        return ReadResult(id_=id_, outs={**props, "deployment_name": current.get("deploymentName")})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # Nothing to undo: a default cannot be unset, and deleting the endpoint removes it.
        return None


class DefaultDeployment(Resource, module="scoring", name="DefaultDeployment"):
    """`endpoint_spec` carries the endpoint's own inputs: when they change, the endpoint is
    re-PUT without defaults, so the default is set again after it."""

    deployment_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        endpoint_id: pulumi.Input[str],
        deployment_name: pulumi.Input[str],
        endpoint_spec: pulumi.Input[str],
        arm_endpoint: str = DEFAULT_ENDPOINT,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            DefaultDeploymentProvider(),
            name,
            {
                "endpoint_id": endpoint_id,
                "deployment_name": deployment_name,
                "endpoint_spec": endpoint_spec,
                "arm_endpoint": arm_endpoint,
            },
            opts,
        )
