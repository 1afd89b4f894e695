"""What the offline plan stands in for settings a stack file does not hold yet.

A shipped stack file leaves the Fabric identities (and a sandbox template its expiry) unset;
the offline plan fills them with placeholders so it can run, and lists what it filled. A
deployment refuses those placeholders (`load_settings`).
"""

from __future__ import annotations

from typing import Any

from infra import placeholder
from infra.settings.profiles import profile_for


def fill_placeholders(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The stack file's values with placeholders for missing identities, and the keys filled."""
    filled: list[str] = []
    given = values.get("fabric")
    if given is not None and not isinstance(given, dict):
        return values, filled  # a malformed section is reported as it is
    values = dict(values)
    fabric = values["fabric"] = dict(given or {})
    wanted = ["principalObjectId", "principalClientId"]
    if _lake_denies(values):
        wanted.append("workspaceId")  # the firewall's resource-instance rule needs it
    for key in wanted:
        if fabric.get(key) is None:
            fabric[key] = placeholder.UNSET_GUID
            filled.append(f"fabml:fabric.{key}")
    if values.get("environment") == "sandbox" and values.get("expiresOn") is None:
        values["expiresOn"] = placeholder.UNSET_DATE
        filled.append("fabml:expiresOn")
    return values, filled


def _lake_denies(values: dict[str, Any]) -> bool:
    lake = values.get("dataLake")
    if lake is None:
        lake = {}
    if not isinstance(lake, dict):
        return False
    action = lake.get("networkDefaultAction")
    if action is None:
        action = profile_for(values.get("environment")).data_lake.network_default_action
    return action == "Deny"
