"""The Azure built-in roles the stack assigns: GUIDs and names, as plain data.

One source for the program (infra/components/roles.py grants them) and the policy pack
(policies/roles.py allows exactly these), so a role added to one is known to the other.
"""

from __future__ import annotations

STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
AZUREML_DATA_SCIENTIST = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
BUILT_IN_ROLES = {
    STORAGE_BLOB_DATA_READER: "Storage Blob Data Reader",
    STORAGE_BLOB_DATA_CONTRIBUTOR: "Storage Blob Data Contributor",
    AZUREML_DATA_SCIENTIST: "AzureML Data Scientist",
}
