"""The access map: who reaches what, with which role, by which network path.

One row per edge, built from a plan's resources (role assignments, network rules, the
workspace's managed network): the wiring rules check it and `fabml plan --access` prints it,
so there is one source of truth. A plain function over policy `Resource`s: the policy pack
imports no fabml.

Network paths, from the target's own settings:
- public: the target takes public traffic from anywhere (`defaultAction: Allow`);
- private endpoint: the Azure ML managed network has private endpoints to it (blob and dfs for
  a storage account the jobs mount, which the program declares; the workspace's own storage and
  vault, which Azure ML adds itself once the managed network is on);
- IP rule: the firewall admits listed public addresses (the deployer's, for the model upload);
- private network: the deployer's own private endpoint to the account, outside the program,
  declared by fabml:workspace.deployerNetwork (the model upload's `deployer_network`);
- resource instance rule: the storage firewall admits the Fabric workspace by resource ID;
- trusted service: the firewall lets trusted Azure services (the workspace) bypass it;
- none: nothing admits the identity; the role alone does not help.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from infra import catalog, placeholder
from policies.model import (
    DATASTORE,
    KEY_VAULT,
    ML_COMPUTE,
    ML_WORKSPACE,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    STORAGE_ACCOUNT,
    USER_ASSIGNED_IDENTITY,
    Resource,
    is_unknown,
)
from policies.roles import (
    AZUREML_DATA_SCIENTIST,
    BUILT_IN_ROLES,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
    role_guid,
)

BLOB = catalog.BLOB.token
MODEL_UPLOAD = catalog.MODEL_UPLOAD.token

COMPUTE = "compute identity"
FABRIC = "Fabric principal"
WORKSPACE = "workspace identity"
STUDIO = "studio user"
DEPLOYER = "deploying identity"

PUBLIC = "public"
PRIVATE_ENDPOINT = "private endpoint"
RESOURCE_INSTANCE = "resource instance rule"
TRUSTED = "trusted service"
IP_RULE = "IP rule"
PRIVATE_NETWORK = "private network (declared)"
NONE = "none"

STORAGE_DATA_ROLES = frozenset({STORAGE_BLOB_DATA_READER, STORAGE_BLOB_DATA_CONTRIBUTOR})
INVOKE_ROLES = frozenset({"custom", AZUREML_DATA_SCIENTIST})
# Azure ML gives the workspace's own identity its roles on its storage and vault at creation.
BY_AZURE_ML = "granted by Azure ML at workspace creation"


@dataclass(frozen=True)
class Edge:
    identity: str
    principal: str
    resource: str  # logical name in the plan
    resource_type: str
    role: str
    role_guid: str
    scope: str
    network: str
    grant: str = ""  # the role assignment's URN, when one grants it

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def label(self) -> str:
        return f"{self.identity} -> {self.resource} ({self.role}, {self.network})"


def _of(resources: Sequence[Resource], type_: str) -> list[Resource]:
    return [r for r in resources if r.type == type_]


def _name_of(resource: Resource) -> str | None:
    key = {STORAGE_ACCOUNT: "accountName", KEY_VAULT: "vaultName"}.get(
        resource.type, "workspaceName"
    )
    value = resource.get(key)
    return value if isinstance(value, str) else None


def _points_at(reference: object, target: Resource, dependent: Resource) -> bool:
    """Does `dependent` point at `target` through `reference` (an ARM ID or a name)?"""
    name = _name_of(target)
    if isinstance(reference, str) and not is_unknown(reference) and name:
        ref = reference.rstrip("/").lower()
        # The resource itself, or a scope inside it (a container of a storage account).
        return ref.endswith(f"/{name.lower()}") or f"/{name.lower()}/" in ref or reference == name
    return target.urn in dependent.dependencies


def _acl(target: Resource) -> tuple[str, str, str]:
    """(publicNetworkAccess, defaultAction, bypass) of a storage account or vault."""
    if target.type == KEY_VAULT:
        acl = target.get("properties.networkAcls") or {}
        public = target.get("properties.publicNetworkAccess")
    else:
        acl = target.get("networkRuleSet") or {}
        public = target.get("publicNetworkAccess")
    return (
        str(public or "Enabled"),
        str(acl.get("defaultAction") or "Allow"),
        str(acl.get("bypass") or ""),
    )


def managed_endpoints(resources: Sequence[Resource], target: Resource) -> set[str]:
    """Subresources of `target` the Azure ML managed network reaches by private endpoint."""
    found: set[str] = set()
    for workspace in _of(resources, ML_WORKSPACE):
        for rule in (workspace.get("managedNetwork.outboundRules") or {}).values():
            destination = rule.get("destination") or {}
            if rule.get("type") == "PrivateEndpoint" and _points_at(
                destination.get("serviceResourceId"), target, workspace
            ):
                found.add(str(destination.get("subresourceTarget")))
    return found


def _behind_managed_network(resources: Sequence[Resource], target: Resource) -> bool:
    """The workspace's own storage or vault, with its managed network on: Azure ML adds the
    private endpoints to them itself (the program declares only the data lake's)."""
    name = _name_of(target)
    for workspace in _of(resources, ML_WORKSPACE):
        if (workspace.get("managedNetwork.isolationMode") or "Disabled") == "Disabled":
            continue
        for own in (workspace.get("storageAccount"), workspace.get("keyVault")):
            if isinstance(own, str) and name and own.lower().endswith(f"/{name.lower()}"):
                return True
    return False


def _deployer_comes_privately(resources: Sequence[Resource], target: Resource) -> bool:
    """The model upload to `target` says the deployer reaches it over its own private network
    (fabml:workspace.deployerNetwork): the plan cannot see that path, only the declaration."""
    name = _name_of(target)
    return any(
        upload.get("deployer_network") == "privateNetwork"
        and name is not None
        and f"//{name.lower()}." in str(upload.get("blob_endpoint")).lower()
        for upload in _of(resources, MODEL_UPLOAD)
    )


def network_path(resources: Sequence[Resource], identity: str, target: Resource) -> str:
    if target.type == ML_WORKSPACE:
        return NONE if target.get("publicNetworkAccess") == "Disabled" else PUBLIC
    public, default, bypass = _acl(target)
    if public != "Disabled" and default != "Deny":
        return PUBLIC
    if identity == DEPLOYER and _deployer_comes_privately(resources, target):
        return PRIVATE_NETWORK
    if identity in (COMPUTE, WORKSPACE):
        wanted = {"blob", "dfs"} if target.type == STORAGE_ACCOUNT else {"vault"}
        if wanted <= managed_endpoints(resources, target):
            return PRIVATE_ENDPOINT
        if _behind_managed_network(resources, target):
            return PRIVATE_ENDPOINT
    if public == "Disabled":
        return NONE
    if identity == DEPLOYER and target.get("networkRuleSet.ipRules"):
        return IP_RULE
    if identity == FABRIC and any(
        "/Microsoft.Fabric/workspaces/" in str(rule.get("resourceId"))
        for rule in target.get("networkRuleSet.resourceAccessRules") or []
    ):
        return RESOURCE_INSTANCE
    if identity == WORKSPACE and "AzureServices" in bypass:
        return TRUSTED
    return NONE


def _identity_of(
    grant: Resource, compute_identities: set[str], others: set[str], deployer_grants: set[str]
) -> str:
    if grant.urn in deployer_grants:  # what the program's own model upload waits for
        return DEPLOYER
    if grant.dependencies & compute_identities:
        return COMPUTE
    if grant.dependencies & others:
        return "user-assigned identity"
    if grant.get("principalType") in ("User", "Group"):
        return STUDIO
    return FABRIC


def _role(grant: Resource, resources: Sequence[Resource]) -> tuple[str, str]:
    # Computed during the update: marked as the plan marks every value Azure assigns.
    guid = role_guid(grant.get("roleDefinitionId")) or placeholder.Kind.AFTER_DEPLOY.label
    for definition in _of(resources, ROLE_DEFINITION):
        if definition.urn in grant.dependencies or str(definition.get("roleDefinitionId")) == guid:
            return f"custom: {definition.get('roleName')}", guid
    return BUILT_IN_ROLES.get(guid, "built-in role"), guid


def access_map(resources: Sequence[Resource]) -> list[Edge]:
    """Every edge the plan sets up, sorted by identity then resource."""
    computes = _of(resources, ML_COMPUTE)
    identities = {i.urn for i in _of(resources, USER_ASSIGNED_IDENTITY)}
    compute_identities = {u for u in identities if any(u in c.dependencies for c in computes)}
    targets = _of(resources, STORAGE_ACCOUNT) + _of(resources, KEY_VAULT)
    targets += _of(resources, ML_WORKSPACE)
    deployer_grants = {
        urn for upload in _of(resources, MODEL_UPLOAD) for urn in upload.dependencies
    }
    edges: list[Edge] = []
    for grant in _of(resources, ROLE_ASSIGNMENT):
        identity = _identity_of(
            grant, compute_identities, identities - compute_identities, deployer_grants
        )
        role, guid = _role(grant, resources)
        scope = str(grant.get("scope"))
        for target in targets:
            if _points_at(grant.get("scope"), target, grant):
                network = network_path(resources, identity, target)
                principal = str(grant.get("principalId"))
                edges.append(
                    Edge(
                        identity,
                        principal,
                        target.name,
                        target.type,
                        role,
                        guid,
                        scope,
                        network,
                        grant=grant.urn,
                    )
                )
                break
    for workspace in _of(resources, ML_WORKSPACE):
        for target in targets:
            # Only the workspace's own storage and vault: its inputs name them by ARM ID.
            own = workspace.get("storageAccount") if target.type == STORAGE_ACCOUNT else None
            own = own or (workspace.get("keyVault") if target.type == KEY_VAULT else None)
            name = _name_of(target)
            if isinstance(own, str) and name and own.lower().endswith(f"/{name.lower()}"):
                edges.append(
                    Edge(
                        WORKSPACE,
                        f"{workspace.name} (system-assigned)",
                        target.name,
                        target.type,
                        BY_AZURE_ML,
                        "",
                        own,
                        network_path(resources, WORKSPACE, target),
                    )
                )
    # The program uploads the model files itself: the deploying identity writes to that
    # account, with its key (azure-native `storage.Blob` signs with shared key).
    for account in _of(resources, STORAGE_ACCOUNT):
        if any(_points_at(b.get("accountName"), account, b) for b in _of(resources, BLOB)):
            network = network_path(resources, DEPLOYER, account)
            edges.append(
                Edge(
                    DEPLOYER,
                    "(signed-in identity)",
                    account.name,
                    account.type,
                    "account key (shared key, via listKeys)",
                    "",
                    str(_name_of(account)),
                    network,
                )
            )
    return sorted(edges, key=lambda e: (e.identity, e.resource, e.role))


def datastore_accounts(resources: Sequence[Resource]) -> list[Resource]:
    """The storage accounts a datastore points at (what the compute identity mounts)."""
    return [
        account
        for account in _of(resources, STORAGE_ACCOUNT)
        if any(
            _points_at(d.get("properties.accountName"), account, d)
            for d in _of(resources, DATASTORE)
        )
    ]
