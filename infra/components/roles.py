"""Role assignments: built-in role GUIDs and the one way this project grants a role."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from infra.builtin_roles import (
    AZUREML_DATA_SCIENTIST,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
)
from infra.naming import stable_uuid

__all__ = [
    "AZUREML_DATA_SCIENTIST",
    "STORAGE_BLOB_DATA_CONTRIBUTOR",
    "STORAGE_BLOB_DATA_READER",
    "STORAGE_DATA_ROLES",
    "grant",
]

STORAGE_DATA_ROLES = {
    "reader": STORAGE_BLOB_DATA_READER,
    "contributor": STORAGE_BLOB_DATA_CONTRIBUTOR,
}


def grant(
    name: str,
    *,
    scope: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    role_definition_id: pulumi.Input[str],
    description: str,
    parent: pulumi.Resource,
    principal_type: str = "ServicePrincipal",
) -> authorization.RoleAssignment:
    """Assign a role to a service principal or managed identity.

    The assignment name is a GUID of scope, principal and role, so a re-run or a re-created stack
    finds the same assignment instead of failing with RoleAssignmentExists. `principal_type` is
    set because a principal created moments ago is not yet visible to RBAC (PrincipalNotFound);
    the deploying identity may be a user instead.
    """
    assignment_name = pulumi.Output.all(scope, principal_id, role_definition_id).apply(
        lambda parts: stable_uuid(*(str(part) for part in parts))
    )
    return authorization.RoleAssignment(
        name,
        role_assignment_name=assignment_name,
        scope=scope,
        principal_id=principal_id,
        principal_type=principal_type,
        role_definition_id=role_definition_id,
        description=description,
        opts=pulumi.ResourceOptions(parent=parent),
    )
