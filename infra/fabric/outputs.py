"""Stack outputs as the Fabric item definitions read them (the kit loads them from file or plan)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StackOutputs:
    values: dict[str, str]
    source: str
    # Names whose values exist only after `pulumi up` (the offline plan shows placeholders).
    unknown: frozenset[str] = frozenset()

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def shown(self, name: str) -> str:
        value = self.values[name]
        return f"{value} (known after deploy)" if name in self.unknown else value
