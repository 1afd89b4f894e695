"""Stack outputs as the Fabric item definitions read them (the kit loads them from file or plan)."""

from __future__ import annotations

from dataclasses import dataclass

from infra import placeholder


@dataclass(frozen=True)
class StackOutputs:
    values: dict[str, str]
    source: str
    # Names whose values the offline plan could only stand in for: settings the stack file lacks
    # and values Azure assigns at deploy time.
    unknown: frozenset[str] = frozenset()

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def shown(self, name: str) -> str:
        value = self.values[name]
        if name not in self.unknown:
            return value
        kind = placeholder.kind_of(value) or placeholder.Kind.AFTER_DEPLOY
        return f"{value} {kind.label}"
