"""The CrossGuard pack: each rule wrapped for `pulumi preview --policy-pack policies`.

Building the pack starts Pulumi's policy server, so only policies/__main__.py calls build_pack().
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.config import MAX_NODES
from policies.model import ENVIRONMENTS, Context, Resource, Rule
from policies.rules import RULES

CONFIG_SCHEMA: dict[str, dict[str, Any]] = {
    "environment": {"type": "string", "enum": list(ENVIRONMENTS)},
    "maxNodes": {"type": "integer", "minimum": 1},
}


def _context(config: Mapping[str, Any], tagged: str | None) -> Context:
    # Without a policy config file the resources' own environment tag decides, then prod.
    environment = str(config.get("environment") or tagged or "prod")
    if environment not in ENVIRONMENTS:
        environment = "prod"
    return Context(environment, int(config.get("maxNodes") or MAX_NODES[environment]))


def _resource_policy(rule: Rule, policy_types: Any) -> Any:
    def validate(args: Any, report_violation: Any) -> None:
        resource = Resource(args.resource_type, args.name, args.urn, args.props)
        if resource.type not in rule.types or rule.check is None:
            return
        context = _context(args.get_config(), resource.tags.get("environment"))
        for message in rule.check(resource, context):
            report_violation(f"{message}. Fix: {rule.fix}. Source: {rule.source}", args.urn)

    return policy_types.ResourceValidationPolicy(
        name=rule.name,
        description=f"{rule.description} ({rule.source})",
        validate=validate,
        config_schema=policy_types.PolicyConfigSchema(properties=CONFIG_SCHEMA),
        remediation_steps=rule.fix,
    )


def _stack_policy(rule: Rule, policy_types: Any) -> Any:
    def validate(args: Any, report_violation: Any) -> None:
        assert rule.check_stack is not None
        resources = [
            Resource(
                r.resource_type,
                r.name,
                r.urn,
                r.props,
                frozenset(d.urn for d in r.dependencies),
            )
            for r in args.resources
        ]
        tagged = next((r.tags.get("environment") for r in resources if r.tags), None)
        for finding in rule.check_stack(resources, _context(args.get_config(), tagged)):
            urn = finding.resource.urn if finding.resource else None
            report_violation(f"{finding.message}. Fix: {rule.fix}. Source: {rule.source}", urn)

    return policy_types.StackValidationPolicy(
        name=rule.name,
        description=f"{rule.description} ({rule.source})",
        validate=validate,
        config_schema=policy_types.PolicyConfigSchema(properties=CONFIG_SCHEMA),
        remediation_steps=rule.fix,
    )


def policies(policy_types: Any) -> list[Any]:
    """One CrossGuard policy per rule; `policy_types` is the pulumi_policy module."""
    return [
        _stack_policy(rule, policy_types)
        if rule.check_stack is not None
        else _resource_policy(rule, policy_types)
        for rule in RULES
    ]


def build_pack() -> Any:
    import pulumi_policy

    return pulumi_policy.PolicyPack(
        name="fabml",
        description="Security, cost and Fabric-compatibility guardrails for the fabml stacks.",
        enforcement_level=pulumi_policy.EnforcementLevel.MANDATORY,
        policies=policies(pulumi_policy),
    )
