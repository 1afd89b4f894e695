"""Typed stack settings: the one place configuration is read, defaulted and validated.

- stack_settings.py: the stack model, composed from the components' config models, and the
  rules across sections;
- profiles.py: what dev, sandbox and prod default differently (typed);
- loading.py: config map -> StackSettings, for a deployment or the offline plan;
- offline.py: the placeholders the offline plan fills in for unset identities;
- errors.py: SettingsError and the wording of each problem;
- reference.py: the README's settings table, from the models' descriptions.
"""

from infra.placeholder import UNSET_DATE as PLACEHOLDER_EXPIRY
from infra.placeholder import UNSET_GUID as PLACEHOLDER_GUID
from infra.project import PROJECT, REPO_ROOT
from infra.settings.errors import SettingsError
from infra.settings.loading import (
    SUBSCRIPTION_KEY,
    configured_subscription,
    load_offline_settings,
    load_settings,
    project_config,
    runtime_config,
)
from infra.settings.profiles import PROFILES, Environment, Profile
from infra.settings.stack_settings import StackSettings

__all__ = [
    "PLACEHOLDER_EXPIRY",
    "PLACEHOLDER_GUID",
    "PROFILES",
    "PROJECT",
    "REPO_ROOT",
    "SUBSCRIPTION_KEY",
    "Environment",
    "Profile",
    "SettingsError",
    "StackSettings",
    "configured_subscription",
    "load_offline_settings",
    "load_settings",
    "project_config",
    "runtime_config",
]
