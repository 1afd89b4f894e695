"""Runs the real program under Pulumi's mock runtime and returns the plan."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime import set_all_config, set_mocks
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from fabml.plan.mocks import SECRET_MASK, PlanMocks, RecordingMonitor
from fabml.plan.plan import Plan, PlannedResource
from fabml.plan.stack_file import StackConfig, read_stack_config
from infra import placeholder
from infra.project import PROJECT
from infra.settings import load_offline_settings
from infra.stack import build


def plan_stack(stack: str) -> Plan:
    """The plan of `stacks/Pulumi.<stack>.yaml`."""
    return run_plan(read_stack_config(stack))


def run_plan(config: StackConfig) -> Plan:
    # Settings first: a bad config stops here, before the runtime registers anything.
    settings, placeholders = load_offline_settings(config.stack, config.values)

    mocks = PlanMocks()
    monitor = RecordingMonitor(mocks)
    set_all_config(dict(config.values), list(config.secret_keys))
    runtime_settings.ROOT.set(None)  # a fresh root stack for each plan
    set_mocks(mocks, project=PROJECT, stack=config.stack, preview=False, monitor=monitor)
    # As `pulumi.runtime.test` does: forget RPCs and outputs of an earlier run in this process.
    engine: Any = runtime_settings.SETTINGS
    engine.rpc_manager.clear()
    engine.outputs.clear()

    resolved: dict[str, tuple[Any, bool]] = {}

    async def resolve(outputs: dict[str, pulumi.Input[str]]) -> None:
        for name, value in outputs.items():
            output = pulumi.Output.from_input(value)
            resolved[name] = (await output.future(), await output.is_secret())

    _sync_await(run_pulumi_func(lambda: resolve(build(settings))))

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
        )
        for r in sorted(monitor.registrations, key=lambda r: r.urn)
    ]
    return Plan(
        stack=config.stack,
        environment=settings.environment,
        resources=resources,
        outputs=outputs,
        known_after_deploy=known_after,
        secret_outputs=secret,
        placeholders=placeholders,
    )
