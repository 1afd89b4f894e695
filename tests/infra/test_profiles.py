"""Environment profiles are typed: a profile value is checked like a stack file's value."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from infra.components.compute.config import ComputeConfig, ComputeProfile
from infra.components.workspace.config import WorkspaceProfile
from infra.settings import PROFILES, Profile, load_offline_settings
from infra.settings.offline import fill_placeholders

BASE: dict[str, Any] = {
    "fabml:environment": "prod",
    "fabml:location": "swedencentral",
    "fabml:owner": "team",
    "fabml:costCenter": "cc-1",
    # Prod's closed workspace storage needs the deployer's way in (README, "Prod").
    "fabml:workspace": '{"deployerNetwork": "privateNetwork"}',
}


def test_a_profile_value_outside_the_settings_range_is_refused() -> None:
    # Key Vault retention is 7-90 days, in a profile as in a stack file.
    with pytest.raises(ValidationError, match="key_vault_retention_days|keyVaultRetentionDays"):
        WorkspaceProfile(
            managed_network="Disabled",
            key_vault_retention_days=3,
            purge_protection=False,
            log_retention_days=30,
        )


def test_a_profile_cannot_name_a_setting_that_does_not_exist() -> None:
    dev = PROFILES["dev"].model_dump()
    dev["compute"]["maxNode"] = 3  # a typo of maxNodes
    with pytest.raises(ValidationError, match="maxNode"):
        Profile.model_validate(dev)


def test_profile_fields_are_the_config_fields_the_environment_decides() -> None:
    # The config inherits its profile's fields: one declaration, one description.
    assert set(ComputeProfile.model_fields) < set(ComputeConfig.model_fields)
    assert PROFILES["sandbox"].compute.max_nodes == 1
    assert PROFILES["dev"].compute.max_nodes == 2
    assert PROFILES["prod"].protection.protect_stateful is True


def test_defaults_are_keyed_as_the_stack_file_spells_them() -> None:
    defaults = PROFILES["prod"].defaults()
    assert defaults["dataLake"] == {
        "sku": "Standard_ZRS",
        "softDeleteDays": 14,
        "networkDefaultAction": "Deny",
    }
    assert defaults["deployment"] == {"instanceCount": 2}


def test_the_workspace_id_is_filled_only_where_the_firewall_denies() -> None:
    # Prod denies by profile; a prod stack that opens its firewall needs no Fabric workspace.
    _, filled = fill_placeholders({"environment": "prod"})
    assert "fabml:fabric.workspaceId" in filled
    _, filled = fill_placeholders(
        {"environment": "prod", "dataLake": {"networkDefaultAction": "Allow"}}
    )
    assert "fabml:fabric.workspaceId" not in filled
    _, filled = fill_placeholders(
        {"environment": "dev", "dataLake": {"networkDefaultAction": "Deny"}}
    )
    assert "fabml:fabric.workspaceId" in filled


def test_filling_leaves_the_callers_config_alone() -> None:
    values: dict[str, Any] = {"environment": "sandbox", "fabric": {}}
    fill_placeholders(values)
    assert values == {"environment": "sandbox", "fabric": {}}


def test_offline_loading_of_one_stack_does_not_leak_into_the_next() -> None:
    first, filled = load_offline_settings("prod", BASE)
    assert "fabml:fabric.workspaceId" in filled
    config = {**BASE, "fabml:environment": "dev"}
    second, filled = load_offline_settings("dev", config)
    assert "fabml:fabric.workspaceId" not in filled
    assert second.fabric.workspace_id is None
    assert first.fabric.workspace_id is not None
