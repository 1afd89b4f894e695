"""Shared fixtures: plans of the program under the mock runtime, by scenario."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from fabml.plan.plan import Plan
from fabml.plan.runner import run_plan
from fabml.plan.stack_file import StackConfig, read_stack_config

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"  # vendored sample and training data (LICENSE, SOURCE.txt beside them)
SPECS = REPO / "tests" / "specs"  # vendored Fabric REST and Pulumi.yaml specs


def tracked() -> list[str]:
    """The repository's files, tracked or new (not ignored): what a fresh clone holds."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    return [p for p in out.decode().split("\0") if p]


PRINCIPAL_OBJECT_ID = "11111111-1111-1111-1111-111111111111"
PRINCIPAL_CLIENT_ID = "22222222-2222-2222-2222-222222222222"
FABRIC_WORKSPACE_ID = "33333333-3333-3333-3333-333333333333"
FABRIC_TENANT_ID = "44444444-4444-4444-4444-444444444444"

# Property-based tests: bounded, and the same examples on every run (CI sees what you saw).
BOUNDED = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FABRIC = {"principalObjectId": PRINCIPAL_OBJECT_ID, "principalClientId": PRINCIPAL_CLIENT_ID}


def config_for(stack: str, **sections: Any) -> StackConfig:
    """A shipped stack file's config with sections replaced, as the CLI would pass it."""
    base = read_stack_config(stack)
    values = dict(base.values)
    for key, value in sections.items():
        values[f"fabml:{key}"] = (
            json.dumps(value) if isinstance(value, (dict, list)) else str(value)
        )
    return StackConfig(stack, base.path, values, base.secret_keys)


def in_subscription(config: StackConfig, subscription: str) -> StackConfig:
    """The config with `azure-native:subscriptionId` set, as a stack pinned to one would hold."""
    values = {**config.values, "azure-native:subscriptionId": subscription}
    return StackConfig(config.stack, config.path, values, config.secret_keys)


@cache
def _plan(stack: str, frozen: str) -> Plan:
    return run_plan(config_for(stack, **json.loads(frozen)))


def plan_of(stack: str, **sections: Any) -> Plan:
    return _plan(stack, json.dumps(sections, sort_keys=True))


@pytest.fixture(scope="session")
def defaults() -> Plan:
    """The dev stack as shipped, with the Fabric principal set: what most users deploy first."""
    return plan_of("dev", fabric=FABRIC)


@pytest.fixture(scope="session")
def waf_aligned() -> Plan:
    """The prod stack: protected, locked-down network, managed network, purge protection."""
    return plan_of(
        "prod", fabric={**FABRIC, "workspaceId": FABRIC_WORKSPACE_ID, "tenantId": FABRIC_TENANT_ID}
    )


MAXIMUM = {
    "fabric": {**FABRIC, "workspaceId": FABRIC_WORKSPACE_ID, "tenantId": FABRIC_TENANT_ID},
    "existingResourceGroup": "rg-shared-analytics",
    "nameSuffix": "zz9x",
    "expiresOn": "2026-12-31",
    "dataLake": {
        "containerName": "heart-data",
        "inputFolder": "incoming/heart",
        "outputFolder": "scored",
        "allowedIpRanges": ["203.0.113.0/24"],
        "softDeleteDays": 30,
    },
    # prod admits no internet outbound (infra/limits.py); the retention is what prod may change.
    "workspace": {"logRetentionDays": 180, "deployerNetwork": "privateNetwork"},
    "compute": {
        "name": "scoring",
        "vmSize": "Standard_E4s_v3",
        "maxNodes": 8,
        "idleSecondsBeforeScaleDown": 900,
        "dataRole": "reader",
        "lowPriority": True,
    },
    "model": {"version": "7"},
    "deployment": {
        "endpointName": "heart-scoring-max",
        "name": "blue",
        "instanceCount": 4,
        "maxConcurrencyPerInstance": 4,
        "miniBatchSize": 10,
        "outputAction": "SummaryOnly",
        "outputFileName": "scores.csv",
        "maxRetries": 5,
        "timeoutSeconds": 600,
        "errorThreshold": 10,
        "loggingLevel": "Warning",
    },
    "datastore": {"name": "fabric_lake"},  # an account key is dev's alone: see ACCOUNT_KEY
    "access": {"invokeRole": "dataScientist", "dataRole": "reader"},
}


# The datastore that signs in with the lake's account key (a secret), which only dev admits.
ACCOUNT_KEY = {"fabric": FABRIC, "datastore": {"name": "fabric_lake", "auth": "accountKey"}}


@pytest.fixture(scope="session")
def account_key() -> Plan:
    """Dev with an account-key datastore: the one plan that carries a secret credential."""
    return plan_of("dev", **ACCOUNT_KEY)


@pytest.fixture(scope="session")
def maximum() -> Plan:
    """Every setting changed from its default: the options all reach the resources."""
    return plan_of("prod", **MAXIMUM)
