"""Reading a stack's config into `StackSettings`, for a deployment or for the offline plan.

Both engines read the same thing: `pulumi up` gets the stack's config from the Pulumi CLI
(PULUMI_CONFIG), the offline plan puts the stack file's values into the runtime config with
`pulumi.runtime.set_all_config`. `load_settings()` turns that into a frozen `StackSettings` or
raises `SettingsError` with one line per problem, before any resource is registered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from infra import placeholder
from infra.project import PROJECT
from infra.settings.errors import SettingsError, describe
from infra.settings.offline import fill_placeholders
from infra.settings.stack_settings import StackSettings


def project_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The `fabml:` keys of a Pulumi config map, structured values decoded from JSON."""
    values: dict[str, Any] = {}
    prefix = f"{PROJECT}:"
    for key, raw in config.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        value = raw
        if isinstance(raw, str) and raw[:1] in "{[":
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise SettingsError([f"{key}: not valid JSON ({exc.msg})"]) from None
        values[name] = value
    return values


def runtime_config() -> dict[str, Any]:
    """The whole config of the running program, from either engine."""
    from pulumi.runtime import config as runtime

    return {**runtime.get_config_env(), **runtime.CONFIG.get()}


SUBSCRIPTION_KEY = "azure-native:subscriptionId"


def configured_subscription(config: Mapping[str, Any]) -> str | None:
    """The subscription the stack's config names for the azure-native provider, if any."""
    value = config.get(SUBSCRIPTION_KEY)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _validate(stack: str, values: dict[str, Any], subscription_id: str) -> StackSettings:
    for reserved, what, source in (
        ("stack", "the stack name", "Pulumi"),
        ("subscriptionId", "the subscription", f"{SUBSCRIPTION_KEY} or the sign-in"),
    ):
        if reserved in values:
            raise SettingsError(
                [f"fabml:{reserved} is reserved: {what} comes from {source}"], stack
            )
    try:
        return StackSettings(stack=stack, subscription_id=subscription_id, **values)
    except ValidationError as exc:
        problems = [describe(error, StackSettings) for error in exc.errors()]
        raise SettingsError(
            [line for problem in problems for line in problem.split("\n")], stack
        ) from None


def load_settings(
    stack: str, config: Mapping[str, Any] | None = None, *, subscription_id: str | None = None
) -> StackSettings:
    """Validate a stack's config for a deployment. `config` defaults to the program's config.

    The subscription is `azure-native:subscriptionId` from the config, else `subscription_id`
    (the program passes the signed-in client's): global names depend on it.
    """
    config = runtime_config() if config is None else config
    subscription = configured_subscription(config) or subscription_id
    if not subscription:
        raise SettingsError(
            [f"no subscription: set {SUBSCRIPTION_KEY} or sign in to one (global names need it)"],
            stack,
        )
    settings = _validate(stack, project_config(config), subscription)
    if settings.expires_on is not None and placeholder.is_unset(settings.expires_on.isoformat()):
        raise SettingsError(
            [f"fabml:expiresOn is the placeholder {placeholder.UNSET_DATE}; set a real date"],
            stack,
        )
    fabric = settings.fabric
    used = [
        key
        for key, value in (
            ("fabml:fabric.principalObjectId", fabric.principal_object_id),
            ("fabml:fabric.principalClientId", fabric.principal_client_id),
            ("fabml:fabric.workspaceId", fabric.workspace_id),
        )
        if placeholder.is_unset(value)
    ]
    if used:
        raise SettingsError(
            [
                f"{key} is the placeholder {placeholder.UNSET_GUID}; set the real ID with "
                f"`pulumi config set --path {key} <id>`"
                for key in used
            ],
            stack,
        )
    return settings


def load_offline_settings(stack: str, config: Mapping[str, Any]) -> tuple[StackSettings, list[str]]:
    """Validate for the offline plan: missing Fabric identities get placeholders, listed.

    Names are made for `azure-native:subscriptionId` when the stack file sets it, else for the
    placeholder subscription (`settings.subscription_id` says which).
    """
    values, filled = fill_placeholders(project_config(config))
    subscription = configured_subscription(config) or placeholder.SUBSCRIPTION
    return _validate(stack, values, subscription), filled
