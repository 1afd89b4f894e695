"""The plan: one data structure that the table, the JSON, the waves and the policies read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    inputs: dict[str, Any]
    dependencies: list[str]
    custom: bool = True
    protect: bool = False
    deleted_with: str | None = None
    secret_paths: list[str] = field(default_factory=list)
    # Input paths `pulumi up` leaves as the state has them (ResourceOptions.ignore_changes).
    ignore_changes: list[str] = field(default_factory=list)

    def input(self, path: str, default: Any = None) -> Any:
        """A nested input by dotted camelCase path, e.g. `networkRuleSet.defaultAction`."""
        value: Any = self.inputs
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value


@dataclass(frozen=True)
class Plan:
    stack: str
    environment: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    known_after_deploy: list[str] = field(default_factory=list)
    secret_outputs: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    # The subscription the global names were made for: `azure-native:subscriptionId` from the
    # stack file, or the placeholder subscription (then they are not a deployment's names).
    names_subscription: str = ""
    # Who reaches what: `fabml.plan.access.access_rows`, filled in by the runner.
    access: list[dict[str, Any]] = field(default_factory=list)

    @cached_property
    def by_urn(self) -> dict[str, PlannedResource]:
        return {r.urn: r for r in self.resources}

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> PlannedResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]

    def children(self, urn: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.parent == urn]

    def _custom_closure(self, urn: str) -> set[str]:
        """A dependency on a component waits for every custom resource below it."""
        resource = self.by_urn.get(urn)
        if resource is None:
            return set()
        if resource.custom:
            return {urn}
        found: set[str] = set()
        for child in self.children(urn):
            found |= self._custom_closure(child.urn)
        return found

    def custom_dependencies(self, resource: PlannedResource) -> set[str]:
        deps: set[str] = set()
        for urn in resource.dependencies:
            deps |= self._custom_closure(urn)
        return deps

    @cached_property
    def waves(self) -> list[list[PlannedResource]]:
        """Custom resources grouped by depth in the dependency graph: wave N needs waves < N."""
        depth: dict[str, int] = {}

        def depth_of(urn: str, trail: tuple[str, ...] = ()) -> int:
            if urn in depth:
                return depth[urn]
            if urn in trail:
                raise ValueError(f"dependency cycle: {' -> '.join((*trail, urn))}")
            deps = self.custom_dependencies(self.by_urn[urn])
            depth[urn] = 1 + max((depth_of(d, (*trail, urn)) for d in deps), default=0)
            return depth[urn]

        customs = [r for r in self.resources if r.custom]
        for resource in customs:
            depth_of(resource.urn)
        count = max(depth.values(), default=0)
        return [
            sorted((r for r in customs if depth[r.urn] == n), key=lambda r: r.urn)
            for n in range(1, count + 1)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "environment": self.environment,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "parent": r.parent,
                    "custom": r.custom,
                    "protect": r.protect,
                    "deletedWith": r.deleted_with,
                    "ignoreChanges": r.ignore_changes,
                    "inputs": r.inputs,
                    "secretInputs": r.secret_paths,
                    "dependencies": r.dependencies,
                }
                for r in self.resources
            ],
            "outputs": self.outputs,
            "outputsKnownAfterDeploy": self.known_after_deploy,
            "secretOutputs": self.secret_outputs,
            "placeholders": self.placeholders,
            "namesSubscription": self.names_subscription,
            "access": self.access,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        resources = [
            PlannedResource(
                urn=r["urn"],
                type=r["type"],
                name=r["name"],
                parent=r.get("parent"),
                inputs=r.get("inputs") or {},
                dependencies=list(r.get("dependencies") or []),
                custom=bool(r.get("custom", True)),
                protect=bool(r.get("protect", False)),
                deleted_with=r.get("deletedWith"),
                secret_paths=list(r.get("secretInputs") or []),
                ignore_changes=list(r.get("ignoreChanges") or []),
            )
            for r in data["resources"]
        ]
        return cls(
            stack=data["stack"],
            environment=data.get("environment", ""),
            resources=resources,
            outputs=dict(data.get("outputs") or {}),
            known_after_deploy=list(data.get("outputsKnownAfterDeploy") or []),
            secret_outputs=list(data.get("secretOutputs") or []),
            placeholders=list(data.get("placeholders") or []),
            names_subscription=data.get("namesSubscription", ""),
            access=list(data.get("access") or []),
        )
