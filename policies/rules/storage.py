"""The data lake and the workspace storage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from infra.catalog import DATA_LAKE_PURPOSE, WORKSPACE_STORAGE_PURPOSE
from policies.model import (
    DATASTORE,
    ML_WORKSPACE,
    STORAGE_ACCOUNT,
    Context,
    Finding,
    Resource,
    Rule,
    everywhere,
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


def _shared_key(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    # Shared keys are needed in two places only: Azure ML's own system datastores on the
    # workspace storage, and a datastore that authenticates with the data lake's account key.
    key_datastores = {
        d.get("properties.accountName")
        for d in resources
        if d.type == DATASTORE and d.get("properties.credentials.credentialsType") == "AccountKey"
    }
    workspace_storage = {dep for w in resources if w.type == ML_WORKSPACE for dep in w.dependencies}
    for account in resources:
        if account.type != STORAGE_ACCOUNT or account.get("allowSharedKeyAccess") is False:
            continue
        if (
            account.tags.get("purpose") == WORKSPACE_STORAGE_PURPOSE
            or account.urn in workspace_storage
        ):
            continue  # Azure ML's system datastores and the model upload use the key
        if account.get("accountName") in key_datastores:
            continue  # an account-key datastore (fabml:datastore.auth = accountKey) uses it
        yield Finding(
            account, "allowSharedKeyAccess is not false though nothing here needs the account key"
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
        description="Shared-key access is off wherever nothing needs the account key.",
        source="Azure Policy 8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54; Checkov CKV2_AZURE_40",
        fix="set allowSharedKeyAccess: false (the data lake needs it only for "
        "fabml:datastore.auth = accountKey; the workspace storage keeps it for Azure ML)",
        enforcement=everywhere(),
        check_stack=_shared_key,
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
