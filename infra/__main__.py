"""The Pulumi program: load the stack's settings, build, export. Nothing else."""

import pulumi
from pulumi_azure_native import authorization

from infra.settings import SettingsError, configured_subscription, load_settings, runtime_config
from infra.stack import build


def _subscription() -> str:
    # Global names hash the subscription and must be plain strings before any resource is
    # registered: the configured one, else the signed-in client's, read with the plain
    # (synchronous) invoke rather than an Output.
    return (
        configured_subscription(runtime_config())
        or authorization.get_client_config().subscription_id
    )


try:  # the configured subscription is validated too: inside, so it is one line as well
    settings = load_settings(pulumi.get_stack(), subscription_id=_subscription())
except SettingsError as error:
    # A configuration mistake: a clear message, no traceback, nothing registered.
    raise pulumi.RunError(str(error)) from None

for name, value in build(settings).items():
    pulumi.export(name, value)
