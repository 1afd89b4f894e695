"""Every rule of the pack, in one list: the single table both runners and the config read."""

from policies.model import Rule
from policies.rules import (
    access,
    keyvault,
    machine_learning,
    protection,
    storage,
    tags,
    wiring,
)

RULES: tuple[Rule, ...] = (
    *storage.RULES,
    *machine_learning.RULES,
    *keyvault.RULES,
    *access.RULES,
    *tags.RULES,
    *wiring.RULES,
    *protection.RULES,
)
