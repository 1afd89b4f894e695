"""The Azure ML workspace and its key vault, storage, logs and monitoring."""

from fabml.plan.plan import Plan


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
