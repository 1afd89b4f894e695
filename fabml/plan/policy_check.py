"""The offline runner: every rule over a plan's resources, with the environment's levels."""

from __future__ import annotations

from fabml.plan.plan import Plan
from policies.config import context_for
from policies.model import ENVIRONMENTS, Report, Resource, Verdict
from policies.rules import RULES


def plan_resources(plan: Plan) -> list[Resource]:
    return [
        Resource(
            type=r.type,
            name=r.name,
            urn=r.urn,
            props=r.inputs,
            dependencies=frozenset(plan.custom_dependencies(r)),
            secret_paths=tuple(r.secret_paths),
        )
        for r in plan.resources
        if r.custom
    ]


def check_plan(plan: Plan, environment: str | None = None) -> Report:
    environment = environment or plan.environment
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment {environment!r} is not one of {', '.join(ENVIRONMENTS)}")
    context = context_for(environment)
    resources = plan_resources(plan)
    report = Report(environment=environment, rules_run=len(RULES))
    for rule in RULES:
        level = rule.enforcement[environment]
        if level == "disabled":
            continue
        for finding in rule.findings(resources, context):
            where = finding.resource.name if finding.resource else "the stack"
            report.verdicts.append(Verdict(rule, level, where, finding.message))
    return report
