"""Runs the real program under Pulumi's mock runtime and returns the plan."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import pulumi
import pulumi.runtime

from fabml.plan.access import access_rows
from fabml.plan.mocks import SECRET_MASK, PlanMocks, RecordingMonitor
from fabml.plan.plan import Plan, PlannedResource
from fabml.plan.stack_file import StackConfig, read_stack_config
from infra import placeholder
from infra.catalog import PROJECT
from infra.settings import load_offline_settings
from infra.stack import build

T = TypeVar("T")


def plan_stack(stack: str) -> Plan:
    """The plan of `stacks/Pulumi.<stack>.yaml`."""
    return run_plan(read_stack_config(stack))


def run_under_mocks(
    monitor: RecordingMonitor,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Sequence[str],
    program: Callable[[], Awaitable[T]],
) -> T:
    """Runs `program` to completion under the mock runtime (not preview: `apply` runs)."""
    pulumi.runtime.set_all_config(dict(config), list(secret_keys))
    # A fresh root stack for each run: the process may have run a plan before.
    pulumi.runtime.reset_options(project=PROJECT, stack=stack, preview=False)
    pulumi.runtime.set_mocks(
        monitor.mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor
    )
    results: list[T] = []

    async def run() -> None:
        results.append(await program())

    # Awaits the program, then every registration and output it started.
    pulumi.runtime.test(run)()
    return results[0]


def run_plan(config: StackConfig) -> Plan:
    # Settings first: a bad config stops here, before the runtime registers anything.
    settings, placeholders = load_offline_settings(config.stack, config.values)

    mocks = PlanMocks()
    monitor = RecordingMonitor(mocks)

    async def resolve() -> dict[str, tuple[Any, bool]]:
        resolved: dict[str, tuple[Any, bool]] = {}
        for name, value in build(settings).items():
            output = pulumi.Output.from_input(value)
            resolved[name] = (await output.future(), await output.is_secret())
        return resolved

    resolved = run_under_mocks(monitor, config.stack, config.values, config.secret_keys, resolve)

    outputs: dict[str, Any] = {}
    known_after: list[str] = []
    secret: list[str] = []
    for name, (value, is_secret) in resolved.items():
        if is_secret:
            secret.append(name)
        elif placeholder.kind_of(str(value)) is placeholder.Kind.AFTER_DEPLOY:
            known_after.append(name)
        outputs[name] = SECRET_MASK if is_secret else value

    resources = [
        PlannedResource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            parent=r.parent,
            inputs=r.inputs,
            dependencies=r.dependencies,
            custom=r.custom,
            protect=r.protect,
            deleted_with=r.deleted_with,
            secret_paths=r.secret_paths,
            ignore_changes=r.ignore_changes,
        )
        for r in sorted(monitor.registrations, key=lambda r: r.urn)
    ]
    plan = Plan(
        stack=config.stack,
        environment=settings.environment,
        resources=resources,
        outputs=outputs,
        known_after_deploy=known_after,
        secret_outputs=secret,
        placeholders=placeholders,
        names_subscription=settings.subscription_id,
    )
    return dataclasses.replace(plan, access=access_rows(plan))
