"""The shared ADLS Gen2 account: secure in every environment, locked down in prod."""

from fabml.plan.plan import Plan
from tests.conftest import FABRIC_TENANT_ID, FABRIC_WORKSPACE_ID


def test_defaults_are_secure_and_explicit(defaults: Plan) -> None:
    account = defaults.named("data-lake-account")
    assert account.input("kind") == "StorageV2"
    assert account.input("isHnsEnabled") is True
    assert account.input("enableHttpsTrafficOnly") is True
    assert account.input("minimumTlsVersion") == "TLS1_2"
    assert account.input("allowBlobPublicAccess") is False
    assert account.input("allowSharedKeyAccess") is False
    assert account.input("encryption.requireInfrastructureEncryption") is True
    # The SDK's default would be allow-all with no rule set: dev states its choice.
    assert account.input("networkRuleSet") == {
        "bypass": "None",
        "defaultAction": "Allow",
        "ipRules": [],
    }
    assert account.protect is False
    # Which account is which, for reviewers and the policy pack.
    assert account.input("tags.purpose") == "fabric-data-lake"
    assert defaults.named("ml-storage").input("tags.purpose") == "ml-workspace-storage"


def test_dev_keeps_no_deleted_data(defaults: Plan) -> None:
    service = defaults.named("data-lake-blob-service")
    assert service.input("deleteRetentionPolicy") == {"enabled": False}
    assert service.input("containerDeleteRetentionPolicy") == {"enabled": False}


def test_container_is_private_and_on_the_account(defaults: Plan) -> None:
    container = defaults.named("data-lake-container")
    account = defaults.named("data-lake-account")
    assert container.input("containerName") == "scoring"
    assert container.input("publicAccess") == "None"
    assert container.input("accountName") == account.input("accountName")
    assert account.urn in container.dependencies


def test_prod_denies_public_traffic_but_admits_the_fabric_workspace(waf_aligned: Plan) -> None:
    rules = waf_aligned.named("data-lake-account").input("networkRuleSet")
    assert rules["defaultAction"] == "Deny"
    assert rules["bypass"] == "None"
    assert rules["resourceAccessRules"] == [
        {
            "resourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/"
            f"Fabric/providers/Microsoft.Fabric/workspaces/{FABRIC_WORKSPACE_ID}",
            "tenantId": FABRIC_TENANT_ID,
        }
    ]


def test_prod_keeps_and_protects_data(waf_aligned: Plan) -> None:
    service = waf_aligned.named("data-lake-blob-service")
    assert service.input("deleteRetentionPolicy") == {"enabled": True, "days": 14}
    assert service.input("containerDeleteRetentionPolicy") == {"enabled": True, "days": 14}
    assert waf_aligned.named("data-lake-account").protect is True
    assert waf_aligned.named("data-lake-container").protect is True
    assert waf_aligned.named("data-lake-account").input("sku.name") == "Standard_ZRS"


def test_fabric_tenant_defaults_to_the_deployment_tenant() -> None:
    from tests.conftest import FABRIC, plan_of

    plan = plan_of("prod", fabric={**FABRIC, "workspaceId": FABRIC_WORKSPACE_ID})
    rule = plan.named("data-lake-account").input("networkRuleSet.resourceAccessRules")[0]
    assert rule["tenantId"] == "<tenantId>"


def test_maximum_options_reach_the_account(maximum: Plan, account_key: Plan) -> None:
    account = maximum.named("data-lake-account")
    assert account.input("allowSharedKeyAccess") is False
    # An account-key datastore (dev's alone) is the one thing that needs shared-key access.
    assert account_key.named("data-lake-account").input("allowSharedKeyAccess") is True
    assert account.input("networkRuleSet.ipRules") == [
        {"action": "Allow", "iPAddressOrRange": "203.0.113.0/24"}
    ]
    assert maximum.named("data-lake-container").input("containerName") == "heart-data"
    assert maximum.named("data-lake-blob-service").input("deleteRetentionPolicy.days") == 30
    assert account.input("resourceGroupName") == "rg-shared-analytics"
