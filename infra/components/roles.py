"""Role assignments: built-in role GUIDs and the one way this project grants a role."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from infra.naming import stable_uuid

STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
AZUREML_DATA_SCIENTIST = "f6c7c914-8db3-469d-8ca1-694a8f32e121"

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
