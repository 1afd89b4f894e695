"""Makes a batch deployment its endpoint's default, after both exist.

azure-native has no resource for this: the default lives in the endpoint's own properties,
while the deployment needs the endpoint first, so setting it on the endpoint would be a
dependency cycle. This dynamic resource PATCHes `properties.defaults.deploymentName` once the
deployment exists, as `az ml batch-endpoint update --set defaults.deployment_name=...` does.
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

from infra.clients.arm import DEFAULT_ENDPOINT, ArmClient

API_VERSION = "2025-12-01"


class DefaultDeploymentProvider(ResourceProvider):
    """CRUD over an endpoint's default deployment. Kept free of module state: it is pickled."""

    def __init__(self, client: ArmClient | None = None) -> None:
        self._client = client

    def _arm(self, props: dict[str, Any]) -> ArmClient:
        if self._client is not None:
            return self._client
        return ArmClient(endpoint=props.get("arm_endpoint") or DEFAULT_ENDPOINT)

    def _set(self, props: dict[str, Any]) -> dict[str, Any]:
        body = {"properties": {"defaults": {"deploymentName": props["deployment_name"]}}}
        self._arm(props).call_and_wait("PATCH", props["endpoint_id"], API_VERSION, body)
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
