"""What the offline plan relies on in the Pulumi SDK beyond its public API: all of it, here.

The plan runs on public API: `pulumi.runtime.set_all_config`, `reset_options`, `set_mocks` with
our own `MockMonitor` (its `monitor=` argument) and `pulumi.runtime.test`, which runs a program
to completion and forgets an earlier run's RPCs and outputs. What has no public form:

- The markers of Pulumi's wire format for property values. The recorder reads each registration
  from the protobuf itself, because the SDK's deserializer lifts a nested secret up to its
  top-level property and hides everything beside it. They are protocol constants, the same in
  every language SDK; the Python SDK keeps its copies under private names (`SDK_NAMES`).
- The `MockMonitor` methods the recorder overrides (`MONITOR_OVERRIDES`), called by the SDK
  with these parameters, and its `mocks` attribute.

tests/fabml/plan/test_sdk_internals.py checks each against the installed SDK and says what moved.
The Pulumi program's own (infra never imports fabml) are in infra/sdk_internals.py.
"""

from __future__ import annotations

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# Where the installed SDK keeps each marker.
SDK_NAMES = {
    "pulumi.runtime.rpc._special_sig_key": SIG_KEY,
    "pulumi.runtime.rpc._special_secret_sig": SECRET_SIG,
    "pulumi.runtime.rpc._special_asset_sig": ASSET_SIG,
    "pulumi.runtime.rpc.UNKNOWN": UNKNOWN,
}

# MockMonitor methods the recorder overrides, with the parameters the SDK calls them with.
MONITOR_OVERRIDES = {
    "RegisterResource": ("self", "request"),
    "make_urn": ("self", "parent", "type_", "name"),
}
