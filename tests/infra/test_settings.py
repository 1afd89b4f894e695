"""Settings: defaults per environment; a clear error for every bad value, before any resource."""

from __future__ import annotations

from typing import Any

import pytest

from fabml.plan import runner
from infra.naming import Names
from infra.settings import PLACEHOLDER_GUID, SettingsError, load_offline_settings, load_settings
from tests.conftest import FABRIC, config_for

SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
BASE = {
    "azure-native:subscriptionId": SUBSCRIPTION,
    "fabml:environment": "dev",
    "fabml:location": "swedencentral",
    "fabml:owner": "team",
    "fabml:costCenter": "cc-1",
    "fabml:fabric": '{"principalObjectId": "%s", "principalClientId": "%s"}'
    % (FABRIC["principalObjectId"], FABRIC["principalClientId"]),
}


def _with(**changes: Any) -> dict[str, Any]:
    config = dict(BASE)
    for key, value in changes.items():
        if value is None:
            config.pop(f"fabml:{key}", None)
        else:
            config[f"fabml:{key}"] = value
    return config


def test_dev_defaults_are_cheap_and_destroyable() -> None:
    settings = load_settings("dev", BASE)
    assert settings.compute.low_priority is True
    assert settings.protection.protect_stateful is False
    assert settings.data_lake.network_default_action == "Allow"
    assert settings.workspace.purge_protection is False
    assert settings.datastore.name == "trusted_blob"
    assert settings.deployment.mini_batch_size == 2


def test_prod_defaults_protect_and_lock_down() -> None:
    config = _with(
        environment="prod",
        fabric=BASE["fabml:fabric"][:-1]
        + ', "workspaceId": "%s"}' % ("33333333-3333-3333-3333-333333333333"),
        workspace=PRIVATE_DEPLOYER,
    )
    settings = load_settings("prod", config)
    assert settings.protection.protect_stateful is True
    assert settings.data_lake.network_default_action == "Deny"
    assert settings.data_lake.soft_delete_days == 14
    assert settings.workspace.managed_network == "AllowOnlyApprovedOutbound"
    assert settings.workspace.purge_protection is True
    assert settings.compute.low_priority is False


def test_a_stack_overrides_its_profile() -> None:
    settings = load_settings("dev", _with(compute='{"maxNodes": 4}'))
    assert settings.compute.max_nodes == 4
    assert settings.compute.low_priority is True  # the rest of the profile stays


# (config changes, the key the message names, words the message must contain)
INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"environment": "qa"}, "fabml:environment = 'qa'", "'dev', 'prod' or 'sandbox'"),
    ({"environment": None}, "fabml:environment is required", "dev, prod or sandbox"),
    ({"location": "West Europe"}, "fabml:location = 'West Europe'", "lowercase"),
    ({"owner": None}, "fabml:owner is required", "Owner"),
    ({"fabric": None}, "fabml:fabric is required", "principal"),
    (
        {
            "fabric": '{"principalObjectId": "nope", "principalClientId": "%s"}'
            % FABRIC["principalClientId"]
        },
        "fabml:fabric.principalObjectId = 'nope'",
        "GUID",
    ),
    (
        {"fabric": '{"principalObjectId": "%s"}' % FABRIC["principalObjectId"]},
        "fabml:fabric.principalClientId is required",
        "client",
    ),
    ({"compute": '{"maxNodes": 0}'}, "fabml:compute.maxNodes = 0", "greater than or equal to 1"),
    ({"compute": '{"maxNodes": "many"}'}, "fabml:compute.maxNodes = 'many'", "integer"),
    (
        {"compute": '{"idleSecondsBeforeScaleDown": 3600}'},
        "fabml:compute.idleSecondsBeforeScaleDown = 3600",
        "less than or equal to 900",
    ),
    (
        {"compute": '{"name": "1cluster"}'},
        "fabml:compute.name = '1cluster'",
        "starts with a letter",
    ),
    ({"compute": '{"maxNode": 3}'}, "fabml:compute.maxNode is not a known setting", "maxNodes"),
    (
        {"deployment": '{"outputAction": "append_row"}'},
        "fabml:deployment.outputAction = 'append_row'",
        "'AppendRow' or 'SummaryOnly'",
    ),
    (
        {"deployment": '{"instanceCount": 9}'},
        "fabml:deployment.instanceCount is 9",
        "maxNodes is 2",
    ),
    ({"deployment": '{"errorThreshold": -2}'}, "fabml:deployment.errorThreshold = -2", "-1"),
    (
        {"deployment": '{"outputFileName": "out.parquet"}'},
        "fabml:deployment.outputFileName = 'out.parquet'",
        ".csv",
    ),
    (
        {"datastore": '{"auth": "sas"}'},
        "fabml:datastore.auth = 'sas'",
        "'identity' or 'accountKey'",
    ),
    (
        {"datastore": '{"name": "trusted-blob"}'},
        "fabml:datastore.name = 'trusted-blob'",
        "underscores",
    ),
    (
        {"dataLake": '{"containerName": "Scoring"}'},
        "fabml:dataLake.containerName = 'Scoring'",
        "lowercase",
    ),
    (
        {"dataLake": '{"containerName": "a--b"}'},
        "fabml:dataLake.containerName = 'a--b'",
        "consecutive",
    ),
    (
        {"dataLake": '{"allowedIpRanges": ["10.0.0.0/8"]}'},
        "fabml:dataLake.allowedIpRanges",
        "public IPv4",
    ),
    ({"dataLake": '{"softDeleteDays": 400}'}, "fabml:dataLake.softDeleteDays = 400", "365"),
    (
        {"dataLake": '{"networkDefaultAction": "Deny"}'},
        "fabml:fabric.workspaceId is not set",
        "resource-instance",
    ),
    (
        {
            "dataLake": '{"networkDefaultAction": "Deny"}',
            "fabric": BASE["fabml:fabric"][:-1]
            + ', "workspaceId": "%s"}' % FABRIC["principalObjectId"],
        },
        "fabml:workspace.managedNetwork is 'Disabled'",
        "AllowOnlyApprovedOutbound",
    ),
    (
        {"workspace": '{"publicNetworkAccess": "Disabled"}'},
        "fabml:workspace.publicNetworkAccess is 'Disabled'",
        "no private path",
    ),
    (
        {"workspace": '{"keyVaultRetentionDays": 3}'},
        "fabml:workspace.keyVaultRetentionDays = 3",
        "7",
    ),
    (
        {
            "protection": '{"protectStateful": false}',
            "environment": "prod",
            "fabric": BASE["fabml:fabric"][:-1]
            + ', "workspaceId": "%s"}' % FABRIC["principalObjectId"],
        },
        "fabml:protection.protectStateful is false in prod",
        "protect",
    ),
    ({"model": '{"path": "no/such/folder"}'}, "fabml:model.path = 'no/such/folder'", "MLmodel"),
    ({"model": '{"version": "latest"}'}, "fabml:model.version = 'latest'", "immutable"),
    ({"expiresOn": "next week"}, "fabml:expiresOn = 'next week'", "date"),
    ({"nameSuffix": "ABC!"}, "fabml:nameSuffix = 'ABC!'", "lowercase"),
    ({"stack": "x"}, "fabml:stack is reserved", "stack name"),
    ({"environment": "sandbox"}, "fabml:expiresOn is required for sandbox", "sandbox create"),
    (
        {"environment": "sandbox", "expiresOn": "1970-01-01"},
        "fabml:expiresOn is the placeholder",
        "real date",
    ),
    ({"compute": "{not json"}, "fabml:compute: not valid JSON", "JSON"),
    (
        {"fabric": BASE["fabml:fabric"][:-1] + ', "enabled": true}'},
        "fabml:fabric.lakehouseId is required when fabml:fabric.enabled is true",
        "enabled",
    ),
    (
        {
            "fabric": BASE["fabml:fabric"][:-1] + ', "enabled": true, "workspaceId": "%s", '
            '"lakehouseId": "%s", "mlConnectionId": "%s"}' % ((FABRIC["principalObjectId"],) * 3)
        },
        "fabml:fabricPrincipalSecret is required",
        "--secret",
    ),
    (
        # Without mlConnectionId the Azure ML connection is created, and signs in too.
        {
            "fabric": BASE["fabml:fabric"][:-1] + ', "enabled": true, "workspaceId": "%s", '
            '"lakehouseId": "%s", "connectionCredential": "WorkspaceIdentity"}'
            % ((FABRIC["principalObjectId"],) * 2)
        },
        "fabml:fabricPrincipalSecret is required",
        "fabml:fabric.mlConnectionCredential to WorkspaceIdentity",
    ),
]


@pytest.mark.parametrize(("changes", "key", "words"), INVALID, ids=[k for _, k, _ in INVALID])
def test_invalid_values_are_named_with_what_is_allowed(
    changes: dict[str, Any], key: str, words: str
) -> None:
    # A stack whose name fixes no environment, so each case meets only its own refusal.
    with pytest.raises(SettingsError) as caught:
        load_settings("analytics", _with(**changes))
    message = str(caught.value)
    assert key in message
    assert words in message
    assert "Traceback" not in message


def test_bad_config_registers_no_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[object] = []
    monkeypatch.setattr(runner, "build", lambda settings: called.append(settings) or {})
    bad = config_for("dev", compute={"maxNodes": -1})
    with pytest.raises(SettingsError, match="fabml:compute.maxNodes"):
        runner.run_plan(bad)
    assert called == []


def test_placeholders_only_offline() -> None:
    config = _with(fabric=None)
    settings, filled = load_offline_settings("dev", config)
    assert filled == ["fabml:fabric.principalObjectId", "fabml:fabric.principalClientId"]
    assert settings.fabric.principal_object_id == PLACEHOLDER_GUID
    # Prod also needs the Fabric workspace for its firewall rule.
    _, filled = load_offline_settings(
        "prod", _with(fabric=None, environment="prod", workspace=PRIVATE_DEPLOYER)
    )
    assert "fabml:fabric.workspaceId" in filled
    # A sandbox template has no expiry: the plan stands one in; `fabml sandbox create` stamps it.
    settings, filled = load_offline_settings("sandbox-x", _with(environment="sandbox"))
    assert filled == ["fabml:expiresOn"]
    assert settings.tags["expiresOn"] == "1970-01-01"
    # A deployment refuses the placeholder even when someone writes it into the stack file.
    placeholder = '{"principalObjectId": "%s", "principalClientId": "%s"}' % (
        PLACEHOLDER_GUID,
        FABRIC["principalClientId"],
    )
    with pytest.raises(SettingsError, match="fabml:fabric.principalObjectId is the placeholder"):
        load_settings("dev", _with(fabric=placeholder))


def test_environment_variables_do_not_change_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCATION", "westeurope")
    monkeypatch.setenv("ENVIRONMENT", "prod")
    settings = load_settings("dev", BASE)
    assert (settings.location, settings.environment) == ("swedencentral", "dev")


def test_every_setting_is_described() -> None:
    from pydantic import BaseModel

    from infra.settings import StackSettings

    def walk(model: type[BaseModel]) -> None:
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation)

    walk(StackSettings)


def test_a_secret_is_a_string_whatever_it_starts_with_and_never_echoed() -> None:
    # Secrets are never parsed as JSON: a client secret may start with `[` (and the offline
    # plan's mask for a `secure:` value once did, failing "not valid JSON").
    config = _with(fabricPrincipalSecret='["hunter2"]')
    settings = load_settings("dev", config, secret_keys={"fabml:fabricPrincipalSecret"})
    assert settings.fabric_principal_secret is not None
    assert settings.fabric_principal_secret.get_secret_value() == '["hunter2"]'
    assert "hunter2" not in repr(settings)


def test_a_plaintext_secret_is_refused_naming_the_command_that_stores_it() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings("dev", _with(fabricPrincipalSecret="hunter2"), secret_keys=())
    message = str(caught.value)
    assert "fabml:fabricPrincipalSecret is in plain text" in message
    assert "`pulumi config set --secret fabml:fabricPrincipalSecret <value>`" in message
    assert "hunter2" not in message


def test_a_deployment_reads_which_keys_are_secrets_from_the_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    from pulumi.runtime import config as runtime

    config = {**_with(fabricPrincipalSecret="hunter2")}
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", "[]")
    runtime.set_all_config({}, [])
    with pytest.raises(SettingsError, match="is in plain text"):
        load_settings("dev")
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", '["fabml:fabricPrincipalSecret"]')
    assert load_settings("dev").fabric_principal_secret is not None
    # Today's language host passes config and its secret keys in the run request instead.
    monkeypatch.delenv("PULUMI_CONFIG")
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS")
    runtime.set_all_config(config, [])
    with pytest.raises(SettingsError, match="is in plain text"):
        load_settings("dev")
    runtime.set_all_config(config, ["fabml:fabricPrincipalSecret"])
    try:
        assert load_settings("dev").fabric_principal_secret is not None
    finally:
        runtime.set_all_config({}, [])


def test_a_section_that_is_not_a_mapping_names_no_python_class() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings("dev", _with(compute="[1]"))
    message = str(caught.value)
    assert "fabml:compute = [1]: Input should be a valid dictionary" in message
    assert "Config" not in message
    assert "instance of" not in message


def test_a_deployment_needs_a_subscription_and_names_hash_it() -> None:
    config = {k: v for k, v in BASE.items() if k != "azure-native:subscriptionId"}
    with pytest.raises(SettingsError, match="no subscription"):
        load_settings("dev", config)
    given = load_settings("dev", config, subscription_id=SUBSCRIPTION)
    configured = load_settings("dev", BASE, subscription_id="ignored-when-configured")
    assert given.subscription_id == configured.subscription_id == SUBSCRIPTION
    assert given.names == configured.names == Names.for_stack("dev", subscription_id=SUBSCRIPTION)
    with pytest.raises(SettingsError, match="fabml:subscriptionId is reserved"):
        load_settings("dev", _with(subscriptionId=SUBSCRIPTION))


PROD_FABRIC = BASE["fabml:fabric"][:-1] + ', "workspaceId": "%s"}' % (
    "33333333-3333-3333-3333-333333333333"
)

# Prod's workspace storage is closed: a prod config says how the deployer gets in.
PRIVATE_DEPLOYER = '{"deployerNetwork": "privateNetwork"}'


@pytest.mark.parametrize(
    ("stack", "changes", "refused"),
    [
        ("prod", {"environment": "prod", "fabric": PROD_FABRIC}, True),
        ("prod", {"environment": "prod", "fabric": PROD_FABRIC, "workspace": "{}"}, True),
        ("dev", {"workspace": '{"managedNetwork": "AllowInternetOutbound"}'}, True),
        (
            "prod",
            {"environment": "prod", "fabric": PROD_FABRIC, "workspace": PRIVATE_DEPLOYER},
            False,
        ),
        (
            "prod",
            {
                "environment": "prod",
                "fabric": PROD_FABRIC,
                "workspace": '{"deployerIpRanges": ["203.0.113.7"]}',
            },
            False,
        ),
        ("dev", {}, False),  # open storage: the deployer comes in like anyone
    ],
)
def test_a_closed_workspace_storage_needs_the_deployers_way_in(
    stack: str, changes: dict[str, Any], refused: bool
) -> None:
    if not refused:
        assert load_settings(stack, _with(**changes))
        return
    with pytest.raises(SettingsError) as caught:
        load_settings(stack, _with(**changes))
    [line] = caught.value.problems
    assert line.startswith(
        "fabml:workspace.deployerNetwork is 'ipRanges' but fabml:workspace.deployerIpRanges "
        "is empty: the locked workspace storage"
    )
    assert "'privateNetwork'" in line


# (stack, config changes, words the one line must contain): what prod's limits refuse.
UNSAFE: list[tuple[str, dict[str, Any], str]] = [
    (
        "prod",
        {
            "environment": "prod",
            "fabric": PROD_FABRIC,
            "dataLake": '{"allowedIpRanges": ["64.0.0.0/3"]}',
        },
        "fabml:dataLake.allowedIpRanges: '64.0.0.0/3' is wider than /24",
    ),
    (
        "prod",
        {
            "environment": "prod",
            "fabric": PROD_FABRIC,
            "workspace": '{"deployerIpRanges": ["203.0.0.0/16"]}',
        },
        "fabml:workspace.deployerIpRanges: '203.0.0.0/16' is wider than /24",
    ),
    (
        "dev",
        {"dataLake": '{"allowedIpRanges": ["64.0.0.0/8"]}'},
        "fabml:dataLake.allowedIpRanges: '64.0.0.0/8' is wider than /16",
    ),
    (
        "prod",
        {"environment": "prod", "fabric": PROD_FABRIC, "workspace": '{"keyVaultRetentionDays": 7}'},
        "fabml:workspace.keyVaultRetentionDays is 7: prod needs at least 90",
    ),
    (
        "prod",
        {"environment": "prod", "fabric": PROD_FABRIC, "dataLake": '{"softDeleteDays": 0}'},
        "fabml:dataLake.softDeleteDays is 0: prod needs at least 14",
    ),
    (
        "prod",
        {
            "environment": "prod",
            "fabric": PROD_FABRIC,
            "workspace": '{"managedNetwork": "AllowInternetOutbound"}',
        },
        "fabml:workspace.managedNetwork is 'AllowInternetOutbound': prod allows no internet",
    ),
    (
        "prod",
        {
            "environment": "prod",
            "fabric": PROD_FABRIC,
            "dataLake": '{"networkDefaultAction": "Deny"}',
            "workspace": '{"managedNetwork": "Disabled"}',
        },
        "fabml:workspace.managedNetwork is 'Disabled'",
    ),
    (
        "prod",
        {"environment": "dev"},
        "stack 'prod' is named for prod but fabml:environment is 'dev'",
    ),
    ("prod-eu", {"environment": "sandbox", "expiresOn": "2030-01-01"}, "named for prod"),
    # Names Azure would refuse (length, characters), caught before any plan.
    ("___", {}, "the stack name '___' makes the key vault name 'kv-fabml--"),
    (
        "dev",
        {"model": '{"name": "9lives"}'},
        "fabml:model.name '9lives' (or set fabml:deployment.endpointName) makes the batch "
        "endpoint name '9lives-dev-",
    ),
    ("___", {}, "which Azure refuses: it allows 3-24 letters, digits and single hyphens"),
]


@pytest.mark.parametrize(("stack", "changes", "words"), UNSAFE, ids=[w for _, _, w in UNSAFE])
def test_settings_refuse_what_the_environment_forbids(
    stack: str, changes: dict[str, Any], words: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(stack, _with(**changes))
    assert words in str(caught.value)


def test_ranges_at_the_environment_prefix_are_accepted() -> None:
    config = _with(
        environment="prod",
        fabric=PROD_FABRIC,
        dataLake='{"allowedIpRanges": ["203.0.113.0/24", "198.51.100.7"]}',
        workspace=PRIVATE_DEPLOYER,
    )
    assert load_settings("prod", config).data_lake.allowed_ip_ranges[0] == "203.0.113.0/24"
    assert load_settings("dev", _with(dataLake='{"allowedIpRanges": ["203.0.0.0/16"]}'))


def test_a_given_endpoint_name_lifts_the_model_name_check() -> None:
    config = _with(model='{"name": "9lives"}', deployment='{"endpointName": "heart-dev"}')
    assert load_settings("dev", config).deployment.endpoint_name == "heart-dev"


@pytest.mark.parametrize("stack", ["dev", "prod", "a", "sandbox-pr-1234", "x" * 60])
def test_every_name_made_for_ordinary_stacks_follows_azure_rules(stack: str) -> None:
    names = Names.for_stack(stack, subscription_id=SUBSCRIPTION)
    assert names.azure_violations() == []
