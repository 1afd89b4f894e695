"""The built-in roles the stack may assign (infra/builtin_roles.py, the program's own list),
and a role ID's GUID.

A leaf: the access rules (policies/rules/access.py) and the access map
(policies/access_map.py) both read it, so the map need not import the rules package, whose
__init__ imports the wiring rules that import the map.
"""

from __future__ import annotations

from infra.builtin_roles import (
    AZUREML_DATA_SCIENTIST,
    BUILT_IN_ROLES,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
)
from policies.model import is_unknown

__all__ = [
    "AZUREML_DATA_SCIENTIST",
    "BUILT_IN_ROLES",
    "STORAGE_BLOB_DATA_CONTRIBUTOR",
    "STORAGE_BLOB_DATA_READER",
    "role_guid",
]


def role_guid(role_definition_id: object) -> str | None:
    if not isinstance(role_definition_id, str) or is_unknown(role_definition_id):
        return None
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
