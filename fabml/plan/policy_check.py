"""The offline runner: every rule over a plan's resources, with the environment's levels."""

from __future__ import annotations

from fabml.plan.plan import Plan
from infra.errors import UserError
from infra.limits import stack_environment
from policies.config import context_for
from policies.model import Report, Resource, Verdict
from policies.rules import RULES


class StackEnvironmentError(UserError):
    """The stack's name and its environment disagree, or the environment is not one we know."""


def plan_resources(plan: Plan) -> list[Resource]:
    return [
        Resource(
            type=r.type,
            name=r.name,
            urn=r.urn,
            props=r.inputs,
            dependencies=frozenset(plan.custom_dependencies(r)),
            secret_paths=tuple(r.secret_paths),
            protect=r.protect,
        )
        for r in plan.resources
        if r.custom
    ]


def judged_environment(plan: Plan, stricter: str | None = None) -> str:
    """The environment whose rules judge the plan: from the stack's name and its settings
    (the plan records both), never the plan's word alone. `stricter` (prod's rules over a dev
    plan, to see what promotion needs) may only tighten: a prod stack is always judged as prod.
    """
    try:
        environment = stack_environment(plan.stack, plan.environment or None)
        if stricter is not None and stricter != environment:
            if environment == "prod":
                raise ValueError(f"stack {plan.stack!r} is prod: it is judged by prod's rules")
            environment = stack_environment(stricter, stricter)
    except ValueError as error:
        raise StackEnvironmentError(str(error)) from None
    return environment


def check_plan(plan: Plan, environment: str | None = None) -> Report:
    environment = judged_environment(plan, environment)
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
