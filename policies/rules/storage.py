"""The data lake and the workspace storage."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from infra.catalog import DATA_LAKE_PURPOSE
from policies.model import (
    BLOB,
    DATASTORE,
    KEY_VAULT,
    ML_WORKSPACE,
    STORAGE_ACCOUNT,
    Context,
    Finding,
    Resource,
    Rule,
    everywhere,
    is_unknown,
    prod_only_mandatory,
)


def is_data_lake(account: Resource) -> bool:
    return account.tags.get("purpose") == DATA_LAKE_PURPOSE or account.get("isHnsEnabled") is True


def _hierarchical_namespace(account: Resource, _: Context) -> Iterable[str]:
    if account.tags.get("purpose") == DATA_LAKE_PURPOSE and account.get("isHnsEnabled") is not True:
        yield "the Fabric data lake must have isHnsEnabled: true (OneLake shortcuts need ADLS Gen2)"


def _secure_transfer(account: Resource, _: Context) -> Iterable[str]:
    if account.get("enableHttpsTrafficOnly") is False:
        yield "enableHttpsTrafficOnly is false: plain HTTP would be accepted"


def _tls(account: Resource, _: Context) -> Iterable[str]:
    if account.get("minimumTlsVersion") not in ("TLS1_2", "TLS1_3"):
        yield f"minimumTlsVersion is {account.get('minimumTlsVersion')!r}, not TLS1_2 or newer"


def _public_blobs(account: Resource, _: Context) -> Iterable[str]:
    if account.get("allowBlobPublicAccess") is not False:
        yield "allowBlobPublicAccess is not false: containers could be made public"


def _network(account: Resource, context: Context) -> Iterable[str]:
    action = account.get("networkRuleSet.defaultAction")
    if action is None:
        yield "no networkRuleSet: Azure's default admits every network; state it explicitly"
    elif context.environment == "prod" and is_data_lake(account) and action != "Deny":
        yield f"networkRuleSet.defaultAction is {action!r} in prod; the data lake must deny"


def _infrastructure_encryption(account: Resource, _: Context) -> Iterable[str]:
    if account.get("encryption.requireInfrastructureEncryption") is not True:
        yield "encryption.requireInfrastructureEncryption is not true (double encryption at rest)"


def workspace_storage(resources: Sequence[Resource]) -> Resource | None:
    """The ML workspace's own (system) storage account: the one its `storageAccount` names.

    Neither a tag nor a dependency says it: tags are the code's to write, and in prod the
    workspace also depends on the data lake (private-endpoint rules). Where the ID is not
    known yet, the one dependency of the workspace that is not a data lake and that no
    datastore uses; anything ambiguous exempts nothing.
    """
    accounts = [r for r in resources if r.type == STORAGE_ACCOUNT]
    candidates: list[Resource] = []
    for workspace in (r for r in resources if r.type == ML_WORKSPACE):
        reference = workspace.get("storageAccount")
        if isinstance(reference, str) and not is_unknown(reference):
            candidates += [
                a
                for a in accounts
                if isinstance(a.get("accountName"), str)
                and reference.lower()
                .rstrip("/")
                .endswith(f"/storageaccounts/{a.get('accountName')}".lower())
            ]
        else:
            used = {d.get("properties.accountName") for d in resources if d.type == DATASTORE}
            candidates += [
                a
                for a in accounts
                if a.urn in workspace.dependencies
                and not is_data_lake(a)
                and a.get("accountName") not in used
            ]
    only = {c.urn: c for c in candidates}
    if len(only) != 1:
        return None
    [account] = only.values()
    return None if is_data_lake(account) else account


def _shared_key(resources: Sequence[Resource], context: Context) -> Iterable[Finding]:
    # Outside prod, shared keys are accepted in two places only: the workspace's own storage
    # (storage-shared-key-workspace-storage reports it) and a data lake that an account-key
    # datastore uses. In prod no account is exempt here, whatever it is for or tagged.
    key_datastores = {
        d.get("properties.accountName")
        for d in resources
        if d.type == DATASTORE and d.get("properties.credentials.credentialsType") == "AccountKey"
    }
    own_storage = workspace_storage(resources)
    for account in resources:
        if account.type != STORAGE_ACCOUNT or account.get("allowSharedKeyAccess") is False:
            continue
        if own_storage is not None and account.urn == own_storage.urn:
            continue
        if context.environment != "prod" and account.get("accountName") in key_datastores:
            continue  # an account-key datastore (fabml:datastore.auth = accountKey) uses it
        yield Finding(account, "allowSharedKeyAccess is not false")


def _blob_uploads_need_shared_key(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    # azure-native's storage.Blob signs its upload with the account key: on an account with
    # shared key off the upload fails in `up`, after everything before it was created.
    off = {
        a.get("accountName"): a
        for a in resources
        if a.type == STORAGE_ACCOUNT and a.get("allowSharedKeyAccess") is False
    }
    for blob in resources:
        account = blob.get("accountName") if blob.type == BLOB else None
        if isinstance(account, str) and account in off:
            yield Finding(
                blob,
                f"uploads with the account key to {account}, whose shared-key access is off",
            )


def _shared_key_workspace_storage(
    resources: Sequence[Resource], context: Context
) -> Iterable[Finding]:
    # Outside prod the workspace's system datastores may still use the account key.
    if context.environment != "prod":
        return
    account = workspace_storage(resources)
    if account is not None and account.get("allowSharedKeyAccess") is not False:
        yield Finding(
            account,
            "the ML workspace's own storage keeps shared-key access on in prod: its system "
            "datastores use identities and the model upload Entra ID, nothing needs the key",
        )


def _workspace_storage_closed(resources: Sequence[Resource], context: Context) -> Iterable[Finding]:
    if context.environment != "prod":
        return
    account = workspace_storage(resources)
    if account is None:
        return
    action = account.get("networkRuleSet.defaultAction")
    if account.get("publicNetworkAccess") != "Disabled" and action != "Deny":
        yield Finding(
            account,
            f"the ML workspace's own storage admits every network in prod (defaultAction "
            f"{action!r}): deny, reached through the managed network and trusted services",
        )


def _workspace_storage_zrs(resources: Sequence[Resource], context: Context) -> Iterable[Finding]:
    if context.environment != "prod":
        return
    account = workspace_storage(resources)
    sku = account.get("sku.name") if account is not None else None
    if account is not None and not str(sku).split("_")[-1].startswith(("ZRS", "GZRS", "RAGZRS")):
        yield Finding(
            account, f"the ML workspace's own storage is {sku!r} in prod; it must be zone-redundant"
        )


def _prefix(value: object) -> int | None:
    """The prefix length of an IPv4 address or CIDR range (a bare address is a /32)."""
    try:
        network = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return None
    return network.prefixlen if network.version == 4 else None


def _ip_rules(resource: Resource) -> list[object]:
    if resource.type == STORAGE_ACCOUNT:
        return [r.get("iPAddressOrRange") for r in resource.get("networkRuleSet.ipRules") or []]
    if resource.type == KEY_VAULT:
        return [r.get("value") for r in resource.get("properties.networkAcls.ipRules") or []]
    return list(resource.get("ipAllowlist") or [])


def _narrow_ip_rules(resource: Resource, context: Context) -> Iterable[str]:
    for value in _ip_rules(resource):
        if is_unknown(value):
            continue
        prefix = _prefix(value)
        if prefix is None:
            yield f"IP rule {value!r} is not an IPv4 address or CIDR range"
        elif prefix < context.min_ip_prefix:
            yield (
                f"IP rule {value!r} admits a /{prefix}; the {context.environment} limit is "
                f"/{context.min_ip_prefix}"
            )


def _resource_access_rules(account: Resource, _: Context) -> Iterable[str]:
    for rule in account.get("networkRuleSet.resourceAccessRules") or []:
        resource_id = str(rule.get("resourceId", "")) if isinstance(rule, dict) else ""
        tenant = str(rule.get("tenantId", "")) if isinstance(rule, dict) else ""
        if is_unknown(resource_id):
            continue
        segments = resource_id.strip("/").split("/")
        if "*" in resource_id or "*" in tenant or len(segments) < 8 or "" in segments:
            yield (
                f"resource access rule {resource_id!r} (tenant {tenant!r}) admits more than one "
                "resource instance"
            )


RULES = (
    Rule(
        name="storage-hierarchical-namespace",
        description="The Fabric data lake is ADLS Gen2 (hierarchical namespace on).",
        source="project rule (Fabric OneLake shortcuts support ADLS Gen2 only)",
        fix="set isHnsEnabled: true on the data lake (it cannot be changed after creation)",
        enforcement=everywhere(),
        types=(STORAGE_ACCOUNT,),
        check=_hierarchical_namespace,
    ),
    Rule(
        name="storage-secure-transfer",
        description="Storage accepts HTTPS only.",
        source="Azure Policy 404c3081-a854-4457-ae30-26a93ef643f9; Checkov CKV_AZURE_3",
        fix="set enableHttpsTrafficOnly: true",
        enforcement=everywhere(),
        types=(STORAGE_ACCOUNT,),
        check=_secure_transfer,
    ),
    Rule(
        name="storage-min-tls",
        description="Storage requires TLS 1.2 or newer.",
        source="Azure Policy fe83a0eb-a853-422d-aac2-1bffd182c5d0; Checkov CKV_AZURE_44",
        fix="set minimumTlsVersion: TLS1_2",
        enforcement=everywhere(),
        types=(STORAGE_ACCOUNT,),
        check=_tls,
    ),
    Rule(
        name="storage-no-public-blob-access",
        description="No container of the account can be made public.",
        source="Azure Policy 4fa4b6c0-31ca-4c0d-b10d-24b96f62a751; Checkov CKV_AZURE_190",
        fix="set allowBlobPublicAccess: false",
        enforcement=everywhere(),
        types=(STORAGE_ACCOUNT,),
        check=_public_blobs,
    ),
    Rule(
        name="storage-network-default-deny",
        description="Every account states its firewall; the prod data lake denies by default.",
        source="Azure Policy 34c877ad-507e-4c82-993e-3452a6e0ad3c; Checkov CKV_AZURE_35",
        fix="set networkRuleSet (prod: fabml:dataLake.networkDefaultAction Deny, with the Fabric "
        "workspace ID and a managed network)",
        enforcement=everywhere(),
        types=(STORAGE_ACCOUNT,),
        check=_network,
    ),
    Rule(
        name="storage-shared-key-off",
        description="Shared-key access is off on every account: in prod whatever the account is "
        "for or tagged; elsewhere an account-key datastore's lake may keep it. The workspace's "
        "own storage is judged by storage-shared-key-workspace-storage.",
        source="Azure Policy 8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54; Checkov CKV2_AZURE_40",
        fix="set allowSharedKeyAccess: false (outside prod the data lake needs it only for "
        "fabml:datastore.auth = accountKey; prod datastores use identity)",
        enforcement=everywhere(),
        check_stack=_shared_key,
    ),
    Rule(
        name="storage-blob-upload-needs-shared-key",
        description="Files uploaded with azure-native storage.Blob go to an account that "
        "allows shared-key access (the provider signs the upload with the account key).",
        source="project rule (azure-native storage.Blob authenticates with the account key)",
        fix="upload to a closed account with Entra ID (the ModelUpload resource, "
        "infra/components/model/upload.py), as prod does",
        enforcement=everywhere(),
        check_stack=_blob_uploads_need_shared_key,
    ),
    Rule(
        name="storage-shared-key-workspace-storage",
        description="The ML workspace's own storage account (the one its storageAccount names) "
        "has shared-key access off in prod; elsewhere its system datastores may use the key.",
        source="Azure Policy 8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54; Checkov CKV2_AZURE_40",
        fix="set fabml:workspace.managedNetwork in prod (the program then turns the key off, "
        "uses identity system datastores and uploads the model with Entra ID)",
        enforcement=prod_only_mandatory(),
        check_stack=_shared_key_workspace_storage,
    ),
    Rule(
        name="storage-workspace-storage-network-deny",
        description="In prod the ML workspace's own storage denies public traffic by default "
        "(the workspace reaches it through its managed network and as a trusted service).",
        source="Azure Policy 34c877ad-507e-4c82-993e-3452a6e0ad3c; Checkov CKV_AZURE_35",
        fix="set fabml:workspace.managedNetwork in prod; admit the deployer with "
        "fabml:workspace.deployerIpRanges",
        enforcement=prod_only_mandatory(),
        check_stack=_workspace_storage_closed,
    ),
    Rule(
        name="storage-workspace-storage-zone-redundant",
        description="In prod the ML workspace's own storage (model files, job state) survives "
        "a zone outage.",
        source="Azure reliability guidance (storage redundancy); project rule",
        fix="set fabml:workspace.storageSku Standard_ZRS (the prod profile's default)",
        enforcement=prod_only_mandatory(),
        check_stack=_workspace_storage_zrs,
    ),
    Rule(
        name="network-ip-rules-narrow",
        description="Firewall IP rules (storage, key vault, workspace) admit IPv4 ranges no "
        "wider than the environment's prefix limit.",
        source="MCSB NS-2; project rule",
        fix="list narrower ranges in fabml:dataLake.allowedIpRanges (prod: /24 or narrower)",
        enforcement=everywhere(),
        types=(STORAGE_ACCOUNT, KEY_VAULT, ML_WORKSPACE),
        check=_narrow_ip_rules,
    ),
    Rule(
        name="storage-resource-access-rules-specific",
        description="Resource instance rules name one resource: no wildcard resource ID or tenant.",
        source="project rule (Fabric trusted workspace access admits one workspace)",
        fix="set fabml:fabric.workspaceId to the one Fabric workspace",
        enforcement=everywhere(),
        types=(STORAGE_ACCOUNT,),
        check=_resource_access_rules,
    ),
    Rule(
        name="storage-infrastructure-encryption",
        description="Storage encrypts at the infrastructure layer too.",
        source="Azure Policy 4733ea7b-a883-42fe-8cac-97454c2a9e4a",
        fix="set encryption.requireInfrastructureEncryption: true (at creation only)",
        enforcement=prod_only_mandatory(),
        types=(STORAGE_ACCOUNT,),
        check=_infrastructure_encryption,
    ),
)
