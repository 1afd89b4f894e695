"""Rules across the stack: what no single resource shows, but breaks Fabric or the batch job.

Who reaches what is read from the access map (`policies/access_map.py`), the same rows
`fabml plan --access` prints: one source of truth for roles and network paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from policies import access_map
from policies.model import (
    BATCH_DEPLOYMENT,
    BATCH_ENDPOINT,
    DEFAULT_DEPLOYMENT,
    ML_WORKSPACE,
    STORAGE_ACCOUNT,
    Context,
    Finding,
    Resource,
    Rule,
    everywhere,
)
from policies.rules.storage import is_data_lake, workspace_storage


def _of(resources: Sequence[Resource], type_: str) -> list[Resource]:
    return [r for r in resources if r.type == type_]


def _fabric_lakes(resources: Sequence[Resource]) -> list[Resource]:
    """The data lakes a datastore points at."""
    return [a for a in access_map.datastore_accounts(resources) if is_data_lake(a)]


def _edges(
    edges: Sequence[access_map.Edge], identity: str, target: Resource, roles: frozenset[str]
) -> list[access_map.Edge]:
    """Edges of `identity` to `target` with one of `roles` ("custom": the stack's own role).

    A role not known before the update (computed) is judged once known, by `pulumi up`.
    """
    return [
        e
        for e in edges
        if e.identity == identity
        and e.resource == target.name
        and (
            e.role_guid in roles
            or not e.role_guid[:1].isalnum()
            or ("custom" in roles and e.role.startswith("custom"))
        )
    ]


def _compute_identity_can_mount(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    edges = access_map.access_map(resources)
    for lake in _fabric_lakes(resources):
        if not _edges(edges, access_map.COMPUTE, lake, access_map.STORAGE_DATA_ROLES):
            yield Finding(lake, "no compute identity has a storage data role on this data lake")
    # The job also reads the model from the workspace's own storage (the model datastore).
    models = workspace_storage(resources)
    if models is not None and not _edges(
        edges, access_map.COMPUTE, models, access_map.STORAGE_DATA_ROLES
    ):
        yield Finding(models, "no compute identity has a storage data role on the model storage")


def _fabric_principal_can_invoke(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    edges = access_map.access_map(resources)
    for workspace in _of(resources, ML_WORKSPACE):
        invoke = _edges(edges, access_map.FABRIC, workspace, access_map.INVOKE_ROLES)
        invokers = {e.principal for e in invoke}
        if not invokers:
            yield Finding(workspace, "no service principal may invoke this workspace's endpoints")
            continue
        for lake in _fabric_lakes(resources):
            data = _edges(edges, access_map.FABRIC, lake, access_map.STORAGE_DATA_ROLES)
            if not invokers & {e.principal for e in data}:
                yield Finding(lake, "the principal that invokes the endpoint cannot reach the data")


def _default_deployment(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    for endpoint in _of(resources, BATCH_ENDPOINT):
        deployments = {
            d.urn for d in _of(resources, BATCH_DEPLOYMENT) if endpoint.urn in d.dependencies
        }
        if not any(
            endpoint.urn in d.dependencies and d.dependencies & deployments
            for d in _of(resources, DEFAULT_DEPLOYMENT)
        ):
            yield Finding(endpoint, "the endpoint has no default deployment set after a deployment")


def _locked_lake_paths(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    edges = access_map.access_map(resources)
    for lake in _of(resources, STORAGE_ACCOUNT):
        if lake.get("networkRuleSet.defaultAction") != "Deny" or not is_data_lake(lake):
            continue
        paths = {e.identity: e.network for e in edges if e.resource == lake.name}
        if paths.get(access_map.FABRIC, access_map.NONE) == access_map.NONE:
            yield Finding(
                lake,
                "denies public traffic but has no Fabric workspace resource-"
                "instance rule: the OneLake shortcut would break",
            )
        if paths.get(access_map.COMPUTE, access_map.NONE) == access_map.NONE:
            missing = {"blob", "dfs"} - access_map.managed_endpoints(resources, lake)
            yield Finding(
                lake,
                f"denies public traffic but no Azure ML managed private endpoint "
                f"reaches its {', '.join(sorted(missing)) or 'blob, dfs'}: batch jobs could not "
                "mount it",
            )


RULES = (
    Rule(
        name="stack-compute-identity-can-mount",
        description="The compute identity has a data role on the data lake the datastore uses "
        "and on the workspace storage that holds the model.",
        source="project rule (batch jobs mount the data with the compute identity)",
        fix="keep the compute's role assignments on the data lake (fabml:compute.dataRole) and "
        "on the model storage",
        enforcement=everywhere(),
        check_stack=_compute_identity_can_mount,
    ),
    Rule(
        name="stack-fabric-principal-can-invoke",
        description="The Fabric principal may invoke the endpoint and reach the data.",
        source="project rule (the caller's identity reads and writes with credential-less data)",
        fix="keep the fabric-access role assignments (fabml:access)",
        enforcement=everywhere(),
        check_stack=_fabric_principal_can_invoke,
    ),
    Rule(
        name="stack-endpoint-has-default-deployment",
        description="The batch endpoint has a default deployment, set after it exists.",
        source="project rule (Fabric invokes the default deployment unless told otherwise)",
        fix="keep the scoring component's default-deployment resource",
        enforcement=everywhere(),
        check_stack=_default_deployment,
    ),
    Rule(
        name="stack-locked-lake-keeps-fabric-and-jobs",
        description="A data lake that denies public traffic admits the Fabric workspace and the "
        "Azure ML managed network (blob and dfs).",
        source="project rule (Fabric trusted workspace access; Azure ML managed network)",
        fix="set fabml:fabric.workspaceId and fabml:workspace.managedNetwork",
        enforcement=everywhere(),
        check_stack=_locked_lake_paths,
    ),
)
