"""The Azure ML workspace and its key vault, storage, logs and monitoring."""

from pathlib import Path

from fabml.plan.plan import Plan
from infra.components.model.config import ModelConfig
from infra.components.workspace.config import (
    DEFAULT_PACKAGE_INDEXES,
    WorkspaceConfig,
    hosts_needed,
)
from infra.project import REPO_ROOT
from tests.conftest import FABRIC, FABRIC_WORKSPACE_ID, plan_of


def test_workspace_uses_its_own_flat_storage(defaults: Plan) -> None:
    workspace = defaults.named("ml-workspace")
    storage = defaults.named("ml-storage")
    lake = defaults.named("data-lake-account")
    assert storage.input("isHnsEnabled") is False
    assert workspace.input("storageAccount").endswith(
        f"/storageAccounts/{storage.input('accountName')}"
    )
    assert lake.input("accountName") not in workspace.input("storageAccount")
    for dependency in ("ml-storage", "ml-key-vault", "ml-app-insights"):
        assert defaults.named(dependency).urn in workspace.dependencies


def test_workspace_identity_and_inbound_access(defaults: Plan) -> None:
    workspace = defaults.named("ml-workspace")
    assert workspace.input("identity") == {"type": "SystemAssigned"}
    # Fabric's pipeline has no private path to a batch endpoint.
    assert workspace.input("publicNetworkAccess") == "Enabled"
    # The declaration the policy pack reads: why inbound public access is on.
    assert workspace.input("tags.fabricInvokesEndpoint") == "true"
    assert workspace.input("managedNetwork") is None


def test_key_vault_uses_rbac_and_soft_delete(defaults: Plan) -> None:
    vault = defaults.named("ml-key-vault").inputs["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert vault["enableSoftDelete"] is True
    assert vault["softDeleteRetentionInDays"] == 7
    assert "enablePurgeProtection" not in vault  # dev vaults can be purged and re-created
    assert vault["tenantId"] == "<tenantId>"


def test_application_insights_is_workspace_based(defaults: Plan) -> None:
    insights = defaults.named("ml-app-insights")
    logs = defaults.named("ml-logs")
    assert insights.input("ingestionMode") == "LogAnalytics"
    assert insights.input("workspaceResourceId").endswith(
        f"/workspaces/{logs.input('workspaceName')}"
    )


def test_resource_logs_go_to_log_analytics(defaults: Plan) -> None:
    diagnostics = defaults.named("ml-diagnostics")
    assert diagnostics.input("logs") == [{"categoryGroup": "allLogs", "enabled": True}]
    assert diagnostics.input("resourceUri").endswith(
        f"/workspaces/{defaults.named('ml-workspace').input('workspaceName')}"
    )


def test_prod_routes_outbound_through_private_endpoints_to_the_lake(waf_aligned: Plan) -> None:
    network = waf_aligned.named("ml-workspace").input("managedNetwork")
    lake_name = waf_aligned.named("data-lake-account").input("accountName")
    assert network["isolationMode"] == "AllowOnlyApprovedOutbound"
    rules = network["outboundRules"]
    for rule, target in (("data-lake-blob", "blob"), ("data-lake-dfs", "dfs")):
        assert rules[rule]["type"] == "PrivateEndpoint"
        assert rules[rule]["destination"]["subresourceTarget"] == target
        assert rules[rule]["destination"]["serviceResourceId"].endswith(
            f"/storageAccounts/{lake_name}"
        )
    assert waf_aligned.named("ml-workspace").input("publicNetworkAccess") == "Enabled"


def test_prod_protects_and_keeps_state(waf_aligned: Plan) -> None:
    vault = waf_aligned.named("ml-key-vault")
    assert vault.input("properties.enablePurgeProtection") is True
    assert vault.input("properties.softDeleteRetentionInDays") == 90
    for name in ("ml-workspace", "ml-key-vault", "ml-storage", "resource-group"):
        assert waf_aligned.named(name).protect is True
    assert waf_aligned.named("ml-logs").input("retentionInDays") == 90


def test_dev_protects_nothing(defaults: Plan) -> None:
    assert [r.name for r in defaults.resources if r.protect] == []


def test_prod_builds_its_network_at_deploy_with_the_package_indexes(waf_aligned: Plan) -> None:
    workspace = waf_aligned.named("ml-workspace")
    assert workspace.input("provisionNetworkNow") is True
    network = workspace.input("managedNetwork")
    assert network["firewallSku"] == "Standard"
    fqdn = {
        rule["destination"]
        for rule in network["outboundRules"].values()
        if rule["type"] == "FQDN" and rule["category"] == "UserDefined"
    }
    assert fqdn == set(DEFAULT_PACKAGE_INDEXES)


def test_package_index_defaults_cover_the_committed_model() -> None:
    conda = REPO_ROOT / ModelConfig().path / "conda.yaml"
    needed = hosts_needed(conda)
    assert {"conda.anaconda.org", "pypi.org", "files.pythonhosted.org"} <= needed
    assert needed <= set(WorkspaceConfig.model_fields["package_indexes"].get_default())


def test_package_hosts_follow_the_conda_file(tmp_path: Path) -> None:
    conda = tmp_path / "conda.yaml"
    conda.write_text("channels: [defaults, 'https://conda.example.org/x']\ndependencies: [numpy]\n")
    assert hosts_needed(conda) == {"repo.anaconda.com", "conda.example.org"}
    conda.write_text("dependencies: [python=3.11, pip, {pip: [mlflow]}]\n")
    assert hosts_needed(conda) == {"repo.anaconda.com", "pypi.org", "files.pythonhosted.org"}


def test_firewall_sku_and_indexes_are_settings() -> None:
    plan = plan_of(
        "prod",
        fabric={**FABRIC, "workspaceId": FABRIC_WORKSPACE_ID},
        workspace={
            "firewallSku": "Basic",
            "packageIndexes": ["pypi.org"],
            "deployerNetwork": "privateNetwork",
        },
    )
    network = plan.named("ml-workspace").input("managedNetwork")
    assert network["firewallSku"] == "Basic"
    assert [r["destination"] for r in network["outboundRules"].values() if r["type"] == "FQDN"] == [
        "pypi.org"
    ]


def test_internet_outbound_has_no_fqdn_rules_but_is_built_at_deploy() -> None:
    # Azure accepts FQDN rules (and so the firewall) only with AllowOnlyApprovedOutbound.
    workspace = {"managedNetwork": "AllowInternetOutbound", "deployerIpRanges": ["203.0.113.7"]}
    plan = plan_of("dev", fabric=FABRIC, workspace=workspace)
    workspace = plan.named("ml-workspace")
    network = workspace.input("managedNetwork")
    assert "firewallSku" not in network
    assert all(r["type"] == "PrivateEndpoint" for r in network["outboundRules"].values())
    assert workspace.input("provisionNetworkNow") is True


def test_prod_closes_the_workspace_storage_and_vault(waf_aligned: Plan) -> None:
    storage = waf_aligned.named("ml-storage")
    assert storage.input("allowSharedKeyAccess") is False
    assert storage.input("sku") == {"name": "Standard_ZRS"}
    assert storage.input("networkRuleSet") == {"defaultAction": "Deny", "bypass": "AzureServices"}
    vault = waf_aligned.named("ml-key-vault").inputs["properties"]
    assert vault["publicNetworkAccess"] == "Disabled"
    assert vault["networkAcls"]["defaultAction"] == "Deny"
    assert waf_aligned.named("ml-workspace").input("systemDatastoresAuthMode") == "Identity"


def test_deployer_ranges_open_the_prod_workspace_storage_to_the_deployer_only() -> None:
    plan = plan_of(
        "prod",
        fabric={**FABRIC, "workspaceId": FABRIC_WORKSPACE_ID},
        workspace={"deployerIpRanges": ["203.0.113.0/28"]},
    )
    rules = plan.named("ml-storage").input("networkRuleSet")
    assert rules["defaultAction"] == "Deny"
    assert rules["ipRules"] == [{"iPAddressOrRange": "203.0.113.0/28", "action": "Allow"}]


def test_dev_keeps_its_open_workspace_storage_and_vault(defaults: Plan) -> None:
    storage = defaults.named("ml-storage")
    assert storage.input("allowSharedKeyAccess") is True
    assert storage.input("sku") == {"name": "Standard_LRS"}
    assert storage.input("networkRuleSet.defaultAction") == "Allow"
    assert defaults.named("ml-key-vault").input("properties.publicNetworkAccess") == "Enabled"
    workspace = defaults.named("ml-workspace")
    assert workspace.input("provisionNetworkNow") is None
    assert workspace.input("systemDatastoresAuthMode") is None
