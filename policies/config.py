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

from policies.model import ENVIRONMENTS, Context
from policies.rules import RULES

CONFIG_DIR = Path(__file__).resolve().parent / "config"

# Cost cap on AmlCompute max nodes, per environment.
MAX_NODES = {"dev": 4, "sandbox": 2, "prod": 20}
# The widest IP range a firewall rule may admit (storage, key vault, workspace), as a prefix
# length: a developer's or office range in dev, one /24 at most in prod. A /3 is half the
# internet's addresses.
MIN_IP_PREFIX = {"dev": 16, "sandbox": 16, "prod": 24}
# Key Vault soft-delete retention (Azure allows 7-90 days): prod keeps deleted secrets longest.
MIN_KEY_VAULT_RETENTION_DAYS = {"dev": 7, "sandbox": 7, "prod": 90}

# Stack names that fix the environment; any other name takes fabml:environment.
_NAMED = {"dev": "dev", "prod": "prod", "sandbox": "sandbox"}


def stack_environment(stack: str, declared: str | None) -> str:
    """The environment whose rules judge `stack`: from its name and its settings, never from a
    plan alone. A stack named `prod` (or `prod-*`) that declares another environment would be
    judged by laxer rules, so it is refused (ValueError, one line)."""
    allowed = ", ".join(ENVIRONMENTS)
    if declared is not None and declared not in ENVIRONMENTS:
        raise ValueError(
            f"stack {stack!r}: environment {declared!r} is not one of {allowed} (fabml:environment)"
        )
    named = _NAMED.get(stack.split("-", 1)[0])
    if named is not None and declared is not None and declared != named:
        raise ValueError(
            f"stack {stack!r} is named for {named} but fabml:environment is {declared!r}: "
            f"set fabml:environment: {named}, or rename the stack"
        )
    environment = named or declared
    if environment is None:
        raise ValueError(f"stack {stack!r} names no environment: set fabml:environment ({allowed})")
    return environment


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
