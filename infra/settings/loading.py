"""Reading a stack's config into `StackSettings`, for a deployment or for the offline plan.

Both engines read the same thing: `pulumi up` gets the stack's config from the Pulumi CLI
(PULUMI_CONFIG), the offline plan puts the stack file's values into the runtime config with
`pulumi.runtime.set_all_config`. `load_settings()` turns that into a frozen `StackSettings` or
raises `SettingsError` with one line per problem, before any resource is registered.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import SecretStr, ValidationError
from pydantic.alias_generators import to_camel

from infra import placeholder
from infra.components.config import guid
from infra.project import PROJECT
from infra.settings.errors import SettingsError, describe
from infra.settings.offline import fill_placeholders
from infra.settings.stack_settings import StackSettings

# The settings that hold secrets (typed SecretStr): the stack file must hold them encrypted.
SECRET_SETTINGS = tuple(
    f"{PROJECT}:{to_camel(name)}"
    for name, field in StackSettings.model_fields.items()
    if SecretStr in (field.annotation, *typing.get_args(field.annotation))
)


def secret_mistakes(config: Mapping[str, Any], secret_keys: Collection[str]) -> list[str]:
    """One line per secret setting the config holds in plain text, naming the command that
    stores it as a secret instead, and per other setting held as a secret."""
    plain = [
        f"{key} is in plain text: store it as a secret with "
        f"`pulumi config set --secret {key} <value>` (and remove the plain value)"
        for key in SECRET_SETTINGS
        if key in config and key not in secret_keys
    ]
    # Any other setting ends up in names, tags or outputs as plain text: storing it as a
    # secret would only hide it from the offline plan, never from Azure or the state.
    misplaced = [
        f"{key} is stored as a secret, but only {', '.join(SECRET_SETTINGS)} is kept secret "
        f"(this one is written into resources in plain text): "
        f"`pulumi config set {key} <value>` stores it plainly"
        for key in sorted(secret_keys)
        if key.startswith(f"{PROJECT}:") and key not in SECRET_SETTINGS and key in config
    ]
    return plain + misplaced


def project_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The `fabml:` keys of a Pulumi config map, structured values decoded from JSON."""
    values: dict[str, Any] = {}
    prefix = f"{PROJECT}:"
    for key, raw in config.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        value = raw
        # A secret is a string whatever it starts with (and offline, an opaque placeholder).
        if key not in SECRET_SETTINGS and isinstance(raw, str) and raw[:1] in "{[":
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise SettingsError([f"{key}: not valid JSON ({exc.msg})"]) from None
        values[name] = value
    return values


def runtime_config() -> dict[str, Any]:
    """The whole config of the running program, from either engine."""
    from pulumi.runtime import config as runtime

    # No public API lists every key: infra/sdk_internals.py (RUNTIME_CONFIG) records this one.
    return {**runtime.get_config_env(), **runtime.CONFIG.get()}


def runtime_secret_keys(config: Mapping[str, Any]) -> set[str]:
    """The keys of `config` the running program received as secrets, from either engine
    (the environment of an older CLI, or the keys the language host passed)."""
    from pulumi.runtime import config as runtime

    from_env = set(runtime.get_config_secret_keys_env())
    return {key for key in config if key in from_env or runtime.is_config_secret(key)}


SUBSCRIPTION_KEY = "azure-native:subscriptionId"


def configured_subscription(config: Mapping[str, Any]) -> str | None:
    """The subscription the stack's config names for the azure-native provider, if any."""
    value = config.get(SUBSCRIPTION_KEY)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return guid(value.strip())
    except ValueError as error:
        # Global names hash it: a typo would name every resource for a subscription that
        # does not exist before the provider ever says so.
        raise SettingsError([f"{SUBSCRIPTION_KEY} = '{value}': {error}"]) from None


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
    stack: str,
    config: Mapping[str, Any] | None = None,
    *,
    subscription_id: str | None = None,
    secret_keys: Collection[str] | None = None,
) -> StackSettings:
    """Validate a stack's config for a deployment. `config` defaults to the program's config
    (and `secret_keys`, the keys held as secrets, to the program's).

    The subscription is `azure-native:subscriptionId` from the config, else `subscription_id`
    (the program passes the signed-in client's): global names depend on it.
    """
    if config is None:
        config = runtime_config()
        secret_keys = runtime_secret_keys(config) if secret_keys is None else secret_keys
    if secret_keys is not None:
        mistakes = secret_mistakes(config, secret_keys)
        if mistakes:
            raise SettingsError(mistakes, stack)
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
