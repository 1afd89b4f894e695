"""Role assignments and definitions: narrow scopes, known roles, explicit principal types."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from infra.invoke_actions import INVOKE_ACTION_REASONS
from policies.model import (
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    Context,
    Finding,
    Resource,
    Rule,
    everywhere,
    is_unknown,
)
from policies.roles import BUILT_IN_ROLES, role_guid


def _narrow_scope(scope: object) -> bool:
    return not isinstance(scope, str) or is_unknown(scope) or "/resourcegroups/" in scope.lower()


def _scope(resource: Resource, _: Context) -> Iterable[str]:
    scopes = (
        [resource.get("scope")]
        if resource.type == ROLE_ASSIGNMENT
        else [resource.get("scope"), *(resource.get("assignableScopes") or [])]
    )
    for scope in scopes:
        if scope is not None and not _narrow_scope(scope):
            yield f"scope {scope!r} is a subscription or management group: grant within the group"


def _principal_type(assignment: Resource, _: Context) -> Iterable[str]:
    if not assignment.get("principalType"):
        yield "principalType is not set (new principals then fail with PrincipalNotFound)"


def _allowed_roles(resources: Sequence[Resource], _: Context) -> Iterable[Finding]:
    # The stack's own custom roles are allowed here because role-custom-actions judges what
    # they hold. A known role ID is judged whatever the assignment depends on: depending on a
    # custom role does not make Owner acceptable.
    custom = {
        guid
        for d in resources
        if d.type == ROLE_DEFINITION and (guid := role_guid(d.get("roleDefinitionId")))
    }
    for assignment in (r for r in resources if r.type == ROLE_ASSIGNMENT):
        guid = role_guid(assignment.get("roleDefinitionId"))
        if guid is None:
            continue  # computed during the update: `pulumi up` checks it again once known
        if guid not in BUILT_IN_ROLES and guid not in custom:
            yield Finding(assignment, f"role {guid} is not on the allow-list")


# Whatever the list says, these never belong in a role this stack defines: they grant every
# action, every write or delete, or the right to grant rights.
_FORBIDDEN = ("*", "*/write", "*/delete")
_AUTHORIZATION = "microsoft.authorization/"


def _permissions(definition: Resource) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for permission in definition.get("permissions") or []:
        if not isinstance(permission, dict):
            found.append(("permissions", permission))
            continue
        for key in ("actions", "dataActions"):
            found += [(key, action) for action in permission.get(key) or []]
    return found


def _custom_actions(definition: Resource, _: Context) -> Iterable[str]:
    """A custom role holds only Microsoft's documented actions for invoking batch endpoints."""
    allowed = {action.lower() for action in INVOKE_ACTION_REASONS}
    for key, action in _permissions(definition):
        if not isinstance(action, str):
            yield f"{key} holds {action!r}, not an action name"
            continue
        lowered = action.lower()
        if lowered in _FORBIDDEN or lowered.endswith(("/*", "/*/write", "/*/delete")):
            yield f"{key} holds {action!r}: a wildcard grants far more than invoking"
        elif lowered.startswith(_AUTHORIZATION):
            yield f"{key} holds {action!r}: it lets the holder grant itself more rights"
        elif "*" in lowered:
            yield f"{key} holds the wildcard {action!r}"
        elif key == "dataActions":
            yield f"dataActions holds {action!r}: invoking a batch endpoint needs no data action"
        elif lowered not in allowed:
            yield (
                f"actions holds {action!r}, which is not in Microsoft's list for invoking "
                "batch endpoints"
            )


RULES = (
    Rule(
        name="role-scope-within-resource-group",
        description="No role assignment or assignable scope at subscription or management-group "
        "level, for the Fabric principal or the compute identity.",
        source="project rule (no built-in policy covers it); MCSB PA-7",
        fix="assign on the workspace or the storage account",
        enforcement=everywhere(),
        types=(ROLE_ASSIGNMENT, ROLE_DEFINITION),
        check=_scope,
    ),
    Rule(
        name="role-allow-list",
        description="Only the custom invoke role, the storage data roles and AzureML Data "
        "Scientist are assigned.",
        source="Azure Policy a451c1ef-c6ca-483d-87ed-f49761e3ffb5 (custom roles audited); "
        "project rule",
        fix="use fabml:access.invokeRole custom or dataScientist and the storage data roles",
        enforcement=everywhere(),
        check_stack=_allowed_roles,
    ),
    Rule(
        name="role-custom-actions",
        description="A custom role the stack defines holds only the actions Microsoft documents "
        "for invoking batch endpoints: no wildcard, no Microsoft.Authorization action, no data "
        "action.",
        source="Azure Policy a451c1ef-c6ca-483d-87ed-f49761e3ffb5 (custom roles audited); Learn "
        "'Authorization on batch endpoints'; project rule",
        fix="keep the invoke role's actions to infra/invoke_actions.py, or use "
        "fabml:access.invokeRole dataScientist",
        enforcement=everywhere(),
        types=(ROLE_DEFINITION,),
        check=_custom_actions,
    ),
    Rule(
        name="role-principal-type",
        description="Role assignments state their principal type.",
        source="project rule",
        fix="set principalType: ServicePrincipal",
        enforcement=everywhere(),
        types=(ROLE_ASSIGNMENT,),
        check=_principal_type,
    ),
)
