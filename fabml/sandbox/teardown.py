"""Tear a non-prod stack down so it can come up again at once: destroy, and purge what it owns.

Order matters: the workspace is force-deleted while it still exists (its tags can be read and
ARM offers no REST purge once it is soft-deleted), then `pulumi destroy` removes the rest, then
the soft-deleted vault is purged. Every purge is checked in Azure first (`purge.Purger`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from fabml.sandbox.automation import Pulumi
from fabml.sandbox.purge import Purger, Refused, refuse_protected
from infra.clients.arm import ArmClient
from infra.clients.http import sign_in_errors
from infra.settings import StackSettings


@dataclass
class DestroyReport:
    stack: str
    purged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # What was refused or failed: the stack's teardown is not complete (exit status 1).
    problems: list[str] = field(default_factory=list)


def teardown(
    pulumi: Pulumi,
    arm: Callable[[], ArmClient],
    settings: StackSettings,
    *,
    config: Mapping[str, str] | None,
    progress: Callable[[str], None],
) -> DestroyReport:
    """Destroy `settings.stack` and purge its soft-deleted names; Refused stops it before any
    destroy if the workspace to force-delete is not the stack's."""
    with sign_in_errors():
        stack = settings.stack
        refuse_protected(settings)
        report = DestroyReport(stack)
        outputs = pulumi.outputs(stack)
        subscription = outputs.get("subscriptionId")
        purger = None
        if not subscription:
            report.notes.append("no subscriptionId output (the stack never deployed): no purge")
        else:
            purger = Purger(arm(), str(subscription), settings)
            purger.check_targets(outputs.get("resourceGroupName"), outputs.get("workspaceName"))
            progress(f"{stack}: deleting the Azure ML workspace for good")
            if purger.workspace():
                report.purged.append(f"Azure ML workspace {purger.names.ml_workspace}")
        progress(f"{stack}: pulumi destroy")
        pulumi.destroy(stack, config)
        if purger is not None:
            progress(f"{stack}: purging the soft-deleted Key Vault")
            try:
                if purger.key_vault():
                    report.purged.append(f"Key Vault {purger.names.key_vault}")
            except Refused as refused:
                report.problems.append(str(refused))
        return report


def as_json(items: Any) -> str:
    if isinstance(items, list):
        return json.dumps([asdict(i) for i in items], indent=2, sort_keys=True) + "\n"
    return json.dumps(asdict(items), indent=2, sort_keys=True) + "\n"
