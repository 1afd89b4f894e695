"""Property-based: whatever a stack's config holds, one line per problem or a safe deployment.

Bounded examples (hypothesis, the same on every run) over the settings models: a valid config
with a few settings replaced by values at, past and far past their bounds. Each is either
refused with a `SettingsError` of one line per problem, none of which echoes the secret, or
accepted; an accepted config's offline plan must then pass every mandatory rule of the
environment its stack is judged by, prod's above all. Nothing else may escape.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from fabml.plan.policy_check import check_plan
from fabml.plan.runner import run_plan
from fabml.plan.stack_file import StackConfig
from infra.settings import SettingsError, StackSettings, load_settings
from tests.conftest import BOUNDED, FABRIC, FABRIC_WORKSPACE_ID, REPO

SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
SECRET = "s3cret-never-shown"
BASE: dict[str, Any] = {
    "environment": "prod",
    "location": "swedencentral",
    "owner": "data-platform",
    "costCenter": "cc-1042",
    "fabric": {**FABRIC, "workspaceId": FABRIC_WORKSPACE_ID},
    "workspace": {"deployerNetwork": "privateNetwork"},
}

_octet = st.integers(0, 255)
_ip = st.builds(lambda *o: ".".join(map(str, o)), _octet, _octet, _octet, _octet)
_ranges = st.lists(
    st.one_of(
        st.builds(lambda ip, prefix: f"{ip}/{prefix}", _ip, st.integers(0, 33)),
        _ip,
        st.sampled_from(["0.0.0.0/0", "::/0", "10.0.0.0/8", "203.0.113.0/24", "x", ""]),
    ),
    max_size=3,
)


# Settings a change may replace, each drawn at, past or far past its bounds (or of the wrong
# type). A few per example: so that some configs are accepted and their plans judged.
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "environment": st.sampled_from(["dev", "prod", "sandbox", "staging", ""]),
    "location": st.sampled_from(["westeurope", "West Europe", "x"]),
    "nameSuffix": st.text("abcXYZ09-!", max_size=8),
    "expiresOn": st.sampled_from(["2030-01-01", "1970-01-01", "tomorrow", ""]),
    "fabricPrincipalSecret": st.just(SECRET),
    "dataLake.sku": st.sampled_from(
        ["Standard_LRS", "Standard_ZRS", "Standard_GZRS", "Premium_LRS"]
    ),
    "dataLake.allowedIpRanges": _ranges,
    "dataLake.softDeleteDays": st.integers(-2, 400),
    "dataLake.networkDefaultAction": st.sampled_from(["Allow", "Deny", "Open"]),
    "workspace.keyVaultRetentionDays": st.integers(0, 120),
    "workspace.managedNetwork": st.sampled_from(
        ["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound", "Open"]
    ),
    "workspace.publicNetworkAccess": st.sampled_from(["Enabled", "Disabled"]),
    "workspace.purgeProtection": st.booleans(),
    "workspace.deployerIpRanges": _ranges,
    "workspace.deployerNetwork": st.sampled_from(["ipRanges", "privateNetwork", "vpn"]),
    "workspace.storageSku": st.sampled_from(["Standard_LRS", "Standard_ZRS", "Standard_GRS"]),
    "workspace.logRetentionDays": st.integers(0, 800),
    "fabric.invokesEndpoint": st.booleans(),
    "compute.maxNodes": st.integers(-1, 150),
    "compute.lowPriority": st.booleans(),
    "compute.dataRole": st.sampled_from(["reader", "contributor", "owner"]),
    "deployment.instanceCount": st.integers(0, 30),
    "deployment.miniBatchSize": st.integers(-1, 2000),
    "deployment.errorThreshold": st.integers(-2, 100),
    "datastore.auth": st.sampled_from(["identity", "accountKey", "sasToken"]),
    "access.invokeRole": st.sampled_from(["custom", "dataScientist", "owner"]),
    "access.dataRole": st.sampled_from(["reader", "contributor"]),
    "model.name": st.text("ab9.-_", max_size=6),
    "protection.protectStateful": st.booleans(),
}
_CHANGES = st.lists(st.sampled_from(sorted(_VALUES)), max_size=3, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({key: _VALUES[key] for key in keys})
)
# Stack names and the environment each is named for ("analytics" names none: prod's base).
_STACKS = {"prod": "prod", "prod-eu": "prod", "dev": "dev", "sandbox-pr-7": "sandbox"}


def _config(stack: str, changes: dict[str, Any]) -> dict[str, str]:
    """As Pulumi hands config to the program: strings, structured values as JSON."""
    merged: dict[str, Any] = {**BASE, "environment": _STACKS.get(stack, "prod")}
    if merged["environment"] == "sandbox":
        merged["expiresOn"] = "2030-01-01"
    for key, value in changes.items():
        section, _, field = key.partition(".")
        if field:
            merged[section] = {**merged.get(section, {}), field: value}
        else:
            merged[section] = value
    config = {"azure-native:subscriptionId": SUBSCRIPTION}
    for key, value in merged.items():
        config[f"fabml:{key}"] = json.dumps(value) if isinstance(value, dict) else str(value)
    return config


def _load(
    stack: str, config: dict[str, str], secret_keys: list[str]
) -> StackSettings | SettingsError:
    try:
        return load_settings(stack, config, secret_keys=secret_keys)
    except SettingsError as error:
        return error


@BOUNDED
@given(
    stack=st.sampled_from([*_STACKS, "analytics"]),
    changes=_CHANGES,
    secret_stored_as_secret=st.booleans(),
)
def test_a_config_is_refused_in_lines_or_accepted_and_passes_its_rules(
    stack: str, changes: dict[str, Any], secret_stored_as_secret: bool
) -> None:
    config = _config(stack, changes)
    secret_keys = ["fabml:fabricPrincipalSecret"] if secret_stored_as_secret else []
    settings = _load(stack, config, secret_keys)
    if isinstance(settings, SettingsError):
        refusal = settings
        assert refusal.problems
        for problem in refusal.problems:
            assert problem
            assert "\n" not in problem
            assert any(k in problem for k in ("fabml:", "stack", "azure-native:")), problem
        assert SECRET not in str(refusal)
        event("refused")
        return
    event(f"accepted as {settings.environment}")
    plan = run_plan(StackConfig(stack, REPO / "stacks", config, tuple(secret_keys)))
    report = check_plan(plan)
    assert report.environment == settings.environment
    mandatory = [v for v in report.verdicts if v.level == "mandatory"]
    assert not mandatory, [v.line() for v in mandatory]
