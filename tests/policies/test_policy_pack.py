"""The CrossGuard side: the pack has one policy per rule, and its wrappers report like the rules."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pulumi_policy
import pytest

from fabml.plan.policy_check import plan_resources
from policies import pack
from policies.config import CONFIG_DIR, render
from policies.model import ENVIRONMENTS
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
    # With dev's config, dev's rules judge.
    reported.clear()
    policy.validate(_args(vault, {"environment": "dev"}), lambda m, u=None: reported.append((m, u)))
    assert reported == []


def test_without_a_config_file_prod_rules_judge_whatever_the_tags_say() -> None:
    # The bypass: the code under review tags its resources `environment: dev`; the pack used
    # to believe the tag when no policy config file was passed.
    [rule] = [r for r in RULES if r.name == "keyvault-purge-protection-in-prod"]
    policy = pack._resource_policy(rule, pulumi_policy)
    vault = next(
        r for r in plan_resources(plan_of("dev", fabric=FABRIC)) if r.type == rule.types[0]
    )
    assert vault.tags["environment"] == "dev"
    reported: list[str] = []
    policy.validate(_args(vault, {}), lambda m, u=None: reported.append(m))
    assert len(reported) == 1


def test_a_versioned_module_type_is_judged_like_the_plain_type() -> None:
    # The bypass: `azure-native:storage/v20230101:StorageAccount` skipped every rule.
    [rule] = [r for r in RULES if r.name == "storage-min-tls"]
    policy = pack._resource_policy(rule, pulumi_policy)
    account = next(
        r for r in plan_resources(plan_of("dev", fabric=FABRIC)) if r.name == "data-lake-account"
    )
    args = _args(account, {"environment": "dev"})
    args.resource_type = "azure-native:storage/v20230101:StorageAccount"
    args.props = {**account.props, "minimumTlsVersion": "TLS1_0"}
    reported: list[str] = []
    policy.validate(args, lambda m, u=None: reported.append(m))
    assert len(reported) == 1
    assert "TLS1_0" in reported[0]


def test_crossguard_reads_protect_from_the_resource_options() -> None:
    [rule] = [r for r in RULES if r.name == "protect-stateful-in-prod"]
    policy = pack._resource_policy(rule, pulumi_policy)
    vault = next(
        r for r in plan_resources(plan_of("dev", fabric=FABRIC)) if r.name == "ml-key-vault"
    )
    reported: list[str] = []
    for protect, expected in ((True, 0), (False, 1)):
        args = _args(vault, {"environment": "prod"})
        args.opts = SimpleNamespace(protect=protect)
        reported.clear()
        policy.validate(args, lambda m, u=None: reported.append(m))
        assert len(reported) == expected


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


def test_known_types_passes_what_crossguard_also_lists_and_refuses_a_template() -> None:
    # CrossGuard's stack policies see the stack, providers and components too (the offline
    # runner passes custom resources only).
    [rule] = [r for r in RULES if r.name == "resource-types-known"]
    policy = pack._stack_policy(rule, pulumi_policy)

    def resource(type_: str, name: str) -> SimpleNamespace:
        return SimpleNamespace(
            resource_type=type_, props={}, urn=f"urn:{name}", name=name, dependencies=[]
        )

    listed = [
        resource("pulumi:pulumi:Stack", "fabml-dev"),
        resource("pulumi:providers:azure-native", "default"),
        resource("fabml:workspace:MlWorkspace", "ml"),
        resource("azure-native:storage/v20230101:StorageAccount", "lake"),
    ]
    reported: list[str] = []
    args = SimpleNamespace(resources=listed, get_config=lambda: {"environment": "dev"})
    policy.validate(args, lambda m, u=None: reported.append(m))
    assert reported == []
    args.resources = [*listed, resource("azure-native:resources:Deployment", "anything")]
    policy.validate(args, lambda m, u=None: reported.append(m))
    assert len(reported) == 1
    assert "azure-native:resources:Deployment" in reported[0]
