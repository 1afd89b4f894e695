"""The CrossGuard side: the pack has one policy per rule, and its wrappers report like the rules."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pulumi_policy
import pytest

from policies import pack
from policies.config import CONFIG_DIR, render
from policies.model import ENVIRONMENTS
from policies.offline import plan_resources
from policies.rules import RULES
from tests.conftest import FABRIC, plan_of


def test_build_pack_makes_one_policy_per_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    captured: dict[str, Any] = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: captured.update(kwargs))
    pack.build_pack()  # the real one would start the policy server and block
    assert captured["name"] == "fabml"
    assert captured["enforcement_level"] == pulumi_policy.EnforcementLevel.MANDATORY
    made = captured["policies"]
    assert [p.name for p in made] == [rule.name for rule in RULES]
    for policy, rule in zip(made, RULES, strict=True):
        expected = (
            pulumi_policy.StackValidationPolicy
            if rule.check_stack
            else pulumi_policy.ResourceValidationPolicy
        )
        assert isinstance(policy, expected)


def _args(resource: Any, config: dict[str, Any]) -> Any:
    return SimpleNamespace(
        resource_type=resource.type,
        props=resource.props,
        urn=resource.urn,
        name=resource.name,
        get_config=lambda: config,
    )


def test_resource_policy_reports_with_fix_and_source() -> None:
    [rule] = [r for r in RULES if r.name == "keyvault-purge-protection-in-prod"]
    policy = pack._resource_policy(rule, pulumi_policy)
    vault = next(
        r for r in plan_resources(plan_of("dev", fabric=FABRIC)) if r.type == rule.types[0]
    )
    reported: list[tuple[str, str | None]] = []
    policy.validate(
        _args(vault, {"environment": "prod"}), lambda m, u=None: reported.append((m, u))
    )
    assert len(reported) == 1
    message, urn = reported[0]
    assert urn == vault.urn
    assert "enablePurgeProtection is not true in prod" in message
    assert "Source: Azure Policy 0b60c0b2" in message
    # Without a config file the resource's own environment tag decides: dev is not checked.
    reported.clear()
    policy.validate(_args(vault, {}), lambda m, u=None: reported.append((m, u)))
    assert reported == []


def test_stack_policy_sees_dependencies() -> None:
    [rule] = [r for r in RULES if r.name == "stack-endpoint-has-default-deployment"]
    policy = pack._stack_policy(rule, pulumi_policy)
    resources = plan_resources(plan_of("dev", fabric=FABRIC))
    by_urn: dict[str, Any] = {}
    policy_resources = []
    for r in resources:
        by_urn[r.urn] = SimpleNamespace(urn=r.urn)
    for r in resources:
        if r.type == "pulumi-python:dynamic/scoring:DefaultDeployment":
            continue  # without it the endpoint has no default
        policy_resources.append(
            SimpleNamespace(
                resource_type=r.type,
                props=r.props,
                urn=r.urn,
                name=r.name,
                dependencies=[by_urn[d] for d in sorted(r.dependencies)],
            )
        )
    reported: list[str] = []
    args = SimpleNamespace(resources=policy_resources, get_config=lambda: {})
    policy.validate(args, lambda m, u=None: reported.append(m))
    assert len(reported) == 1
    assert "no default deployment" in reported[0]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_committed_policy_config_matches_the_rule_table(environment: str) -> None:
    committed = (CONFIG_DIR / f"{environment}.json").read_text()
    assert committed == render(environment), "run `python -m policies.config`"
    levels = {name: c["enforcementLevel"] for name, c in json.loads(committed).items()}
    if environment == "prod":
        assert set(levels.values()) == {"mandatory"}
    else:
        assert "advisory" in levels.values()


def test_pack_runs_on_the_projects_environment() -> None:
    import yaml

    manifest = yaml.safe_load((CONFIG_DIR.parent / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"] == {
        "name": "python",
        "options": {"toolchain": "uv", "virtualenv": "../.venv"},
    }


def test_readme_shows_the_enforcement_table() -> None:
    from policies.config import markdown_table
    from tests.conftest import REPO

    assert markdown_table() in (REPO / "README.md").read_text()
