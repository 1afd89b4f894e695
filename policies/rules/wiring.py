"""Rules across the stack: what no single resource shows, but breaks Fabric or the batch job.

Links between resources are found by name where the plan knows it and by dependency where it
does not (IDs and names computed during the update, as in `pulumi preview`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from policies.model import (
    BATCH_DEPLOYMENT,
    BATCH_ENDPOINT,
    DATASTORE,
    DEFAULT_DEPLOYMENT,
    ML_COMPUTE,
    ML_WORKSPACE,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    STORAGE_ACCOUNT,
    USER_ASSIGNED_IDENTITY,
    Context,
    Finding,
    Resource,
    Rule,
    everywhere,
    is_unknown,
)
from policies.rules.access import (
    AZUREML_DATA_SCIENTIST,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
    role_guid,
)
from policies.rules.storage import is_data_lake

STORAGE_ROLES = {STORAGE_BLOB_DATA_READER, STORAGE_BLOB_DATA_CONTRIBUTOR}


def _of(resources: Sequence[Resource], type_: str) -> list[Resource]:
    return [r for r in resources if r.type == type_]


def _targets(reference: object, target: Resource, dependent: Resource, segment: str) -> bool:
    """Does `dependent` point at `target` through `reference` (an ARM ID or a name)?"""
    name = (
        target.get("accountName") if target.type == STORAGE_ACCOUNT else target.get("workspaceName")
    )
    if isinstance(reference, str) and not is_unknown(reference) and isinstance(name, str):
        return reference == name or reference.rstrip("/").endswith(f"/{segment}/{name}")
    return target.urn in dependent.dependencies


def _fabric_lakes(resources: Sequence[Resource]) -> list[Resource]:
    """The data lakes a datastore points at."""
    lakes = [a for a in _of(resources, STORAGE_ACCOUNT) if is_data_lake(a)]
    return [
        lake
        for lake in lakes
        if any(
            _targets(d.get("properties.accountName"), lake, d, "storageAccounts")
            for d in _of(resources, DATASTORE)
        )
    ]


def _grants(
    resources: Sequence[Resource], target: Resource, segment: str, roles: set[str]
) -> list[Resource]:
    custom = {str(d.get("roleDefinitionId")).lower() for d in _of(resources, ROLE_DEFINITION)}
    custom_urns = {d.urn for d in _of(resources, ROLE_DEFINITION)}
    found = []
    for grant in _of(resources, ROLE_ASSIGNMENT):
        guid = role_guid(grant.get("roleDefinitionId"))
        # An unknown role (computed during the update) is judged once known, by `pulumi up`.
        role_ok = (
            guid is None
            or guid in roles
            or ("custom" in roles and (guid in custom or bool(grant.dependencies & custom_urns)))
        )
        if role_ok and _targets(grant.get("scope"), target, grant, segment):
            found.append(grant)
    return found


def _compute_identity_can_mount(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    identities = {
        i.urn: i
        for c in _of(resources, ML_COMPUTE)
        for i in _of(resources, USER_ASSIGNED_IDENTITY)
        if i.urn in c.dependencies
    }
    for lake in _fabric_lakes(resources):
        grants = _grants(resources, lake, "storageAccounts", STORAGE_ROLES)
        if not any(g.dependencies & set(identities) for g in grants):
            yield Finding(lake, "no compute identity has a storage data role on this data lake")


def _principal_grants(resources: Sequence[Resource]) -> list[Resource]:
    identities = {i.urn for i in _of(resources, USER_ASSIGNED_IDENTITY)}
    return [g for g in _of(resources, ROLE_ASSIGNMENT) if not g.dependencies & identities]


def _fabric_principal_can_invoke(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    principal_grants = {g.urn for g in _principal_grants(resources)}
    for workspace in _of(resources, ML_WORKSPACE):
        invokers = {
            g.get("principalId")
            for g in _grants(resources, workspace, "workspaces", {"custom", AZUREML_DATA_SCIENTIST})
            if g.urn in principal_grants
        }
        if not invokers:
            yield Finding(workspace, "no service principal may invoke this workspace's endpoints")
            continue
        for lake in _fabric_lakes(resources):
            readers = {
                g.get("principalId")
                for g in _grants(resources, lake, "storageAccounts", STORAGE_ROLES)
            }
            if not invokers & readers:
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
    for lake in _of(resources, STORAGE_ACCOUNT):
        if lake.get("networkRuleSet.defaultAction") != "Deny" or not is_data_lake(lake):
            continue
        rules = lake.get("networkRuleSet.resourceAccessRules") or []
        if not any("/Microsoft.Fabric/workspaces/" in str(r.get("resourceId")) for r in rules):
            yield Finding(
                lake,
                "denies public traffic but has no Fabric workspace resource-"
                "instance rule: the OneLake shortcut would break",
            )
        targets: set[str] = set()
        for workspace in _of(resources, ML_WORKSPACE):
            outbound = workspace.get("managedNetwork.outboundRules") or {}
            for rule in outbound.values():
                destination = rule.get("destination") or {}
                if rule.get("type") == "PrivateEndpoint" and _targets(
                    destination.get("serviceResourceId"), lake, workspace, "storageAccounts"
                ):
                    targets.add(str(destination.get("subresourceTarget")))
        missing = {"blob", "dfs"} - targets
        if missing:
            yield Finding(
                lake,
                f"denies public traffic but no Azure ML managed private endpoint "
                f"reaches its {', '.join(sorted(missing))}: batch jobs could not mount it",
            )


RULES = (
    Rule(
        name="stack-compute-identity-can-mount",
        description="The compute identity has a data role on the data lake the datastore uses.",
        source="project rule (batch jobs mount the data with the compute identity)",
        fix="keep the compute's data-lake role assignment (fabml:compute.dataRole)",
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
