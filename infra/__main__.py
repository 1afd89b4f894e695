"""The Pulumi program: load the stack's settings, build, export. Nothing else."""

import pulumi

from infra.settings import SettingsError, load_settings
from infra.stack import build

try:
    settings = load_settings(pulumi.get_stack())
except SettingsError as error:
    # A configuration mistake: a clear message, no traceback, nothing registered.
    raise pulumi.RunError(str(error)) from None

for name, value in build(settings).items():
    pulumi.export(name, value)
