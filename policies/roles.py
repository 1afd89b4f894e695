"""The built-in roles the stack may assign, and a role ID's GUID.

A leaf of plain data: the access rules (policies/rules/access.py) and the access map
(policies/access_map.py) both read it, so the map need not import the rules package, whose
__init__ imports the wiring rules that import the map.
"""

from __future__ import annotations

from policies.model import is_unknown

STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
AZUREML_DATA_SCIENTIST = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
BUILT_IN_ROLES = {
    STORAGE_BLOB_DATA_READER: "Storage Blob Data Reader",
    STORAGE_BLOB_DATA_CONTRIBUTOR: "Storage Blob Data Contributor",
    AZUREML_DATA_SCIENTIST: "AzureML Data Scientist",
}


def role_guid(role_definition_id: object) -> str | None:
    if not isinstance(role_definition_id, str) or is_unknown(role_definition_id):
        return None
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
