"""Global names: unique per subscription, stable per stack across runs, `nameSuffix` wins."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fabml.plan import runner
from fabml.plan.plan import Plan
from fabml.plan.render import render_text
from infra import placeholder
from tests.conftest import FABRIC, REPO, config_for, in_subscription

SUB_A = "11111111-2222-3333-4444-555555555555"
SUB_B = "99999999-8888-7777-6666-555555555555"
# Names other adopters' deployments could ask for too: storage accounts and vaults are global,
# batch endpoints regional, a soft-deleted workspace's name is kept.
GLOBAL_NAME_INPUTS = {
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:keyvault:Vault": "vaultName",
    "azure-native:machinelearningservices:Workspace": "workspaceName",
    "azure-native:machinelearningservices:BatchEndpoint": "endpointName",
}


def _global_names(plan: Plan) -> set[str]:
    return {
        r.inputs[name_input]
        for type_, name_input in GLOBAL_NAME_INPUTS.items()
        for r in plan.of_type(type_)
    }


def _plan(subscription: str, **sections: object) -> Plan:
    return runner.run_plan(
        in_subscription(config_for("dev", fabric=FABRIC, **sections), subscription)
    )


PROBE = f"""
import json, sys
sys.path.insert(0, {str(REPO)!r})
from fabml.plan import runner
from tests.conftest import FABRIC, config_for, in_subscription
from tests.fabml.plan.test_names_per_subscription import _global_names
plan = runner.run_plan(in_subscription(config_for("dev", fabric=FABRIC), {SUB_A!r}))
print(json.dumps(sorted(_global_names(plan))))
"""


def test_two_subscriptions_share_no_global_name() -> None:
    a, b = _global_names(_plan(SUB_A)), _global_names(_plan(SUB_B))
    assert len(a) == len(b) == 5  # two storage accounts, a vault, a workspace, an endpoint
    assert not a & b


def test_one_subscription_keeps_its_names_in_another_process() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env={**os.environ, "PYTHONHASHSEED": "4242"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == sorted(_global_names(_plan(SUB_A)))


def test_name_suffix_wins_over_the_subscription() -> None:
    a, b = _plan(SUB_A, nameSuffix="q7q7"), _plan(SUB_B, nameSuffix="q7q7")
    assert _global_names(a) == _global_names(b)
    assert all(name.replace("-", "").endswith("q7q7") for name in _global_names(a))


def test_the_plan_says_which_subscription_the_names_are_for(defaults: Plan) -> None:
    assert defaults.names_subscription == placeholder.SUBSCRIPTION
    assert "placeholder subscription <subscriptionId>" in render_text(defaults)
    pinned = _plan(SUB_A)
    assert pinned.to_dict()["namesSubscription"] == SUB_A
    assert f"made for subscription {SUB_A} (azure-native:subscriptionId)" in render_text(pinned)
