"""What the Pulumi program relies on in the Pulumi SDK beyond its public API: all of it, here.

Apart from fabml/plan/sdk_internals.py (the offline plan's list) because infra never imports
fabml.

- `pulumi.runtime.config.CONFIG`: the whole config map the engine handed the program, which
  `pulumi.runtime.set_all_config` (public) writes. The public API reads one key at a time
  (`pulumi.runtime.get_config`), but the settings need every `fabml:` key, to refuse unknown
  ones, so `infra.settings.runtime_config` reads the map itself.

tests/infra/test_program_sdk_internals.py checks each against the installed SDK and says what moved.
"""

from __future__ import annotations

# The dotted name of the whole config map (a ContextVar holding a dict).
RUNTIME_CONFIG = "pulumi.runtime.config.CONFIG"
