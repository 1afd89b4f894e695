"""Enforcement by environment: the table, and the policy config files generated from it.

    python -m policies.config          # rewrites policies/config/<environment>.json and
                                       # prints the README's enforcement table

`pulumi preview --policy-pack policies --policy-pack-config policies/config/prod.json` reads
one of those files; the offline runner reads the same table directly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# The numbers live in infra/limits.py, which settings read too: one source for both.
from infra.limits import (
    MAX_NODES,
    MIN_IP_PREFIX,
    MIN_KEY_VAULT_RETENTION_DAYS,
)
from policies.model import ENVIRONMENTS, Context
from policies.rules import RULES

CONFIG_DIR = Path(__file__).resolve().parent / "config"


def context_for(environment: str) -> Context:
    return Context(
        environment=environment,
        max_nodes=MAX_NODES[environment],
        min_ip_prefix=MIN_IP_PREFIX[environment],
        min_key_vault_retention_days=MIN_KEY_VAULT_RETENTION_DAYS[environment],
    )


def policy_config(environment: str) -> dict[str, Any]:
    context = context_for(environment)
    return {
        rule.name: {
            "enforcementLevel": rule.enforcement[environment],
            "environment": context.environment,
            "maxNodes": context.max_nodes,
            "minIpPrefix": context.min_ip_prefix,
            "minKeyVaultRetentionDays": context.min_key_vault_retention_days,
        }
        for rule in RULES
    }


def render(environment: str) -> str:
    return json.dumps(policy_config(environment), indent=2, sort_keys=True) + "\n"


def markdown_table() -> str:
    """The enforcement table README.md shows (a test keeps the two equal)."""
    rows = ["| rule | source | dev | sandbox | prod |", "|---|---|---|---|---|"]
    rows += [
        f"| `{rule.name}` | {rule.source} | "
        + " | ".join(rule.enforcement[environment] for environment in ENVIRONMENTS)
        + " |"
        for rule in RULES
    ]
    return "\n".join(rows) + "\n"


def main() -> int:
    CONFIG_DIR.mkdir(exist_ok=True)
    for environment in ENVIRONMENTS:
        (CONFIG_DIR / f"{environment}.json").write_text(render(environment))
        print(f"wrote {CONFIG_DIR / f'{environment}.json'}", file=sys.stderr)
    sys.stdout.write(markdown_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
