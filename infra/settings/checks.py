"""Rules across sections: settings each valid alone that cannot work together."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.settings.stack_settings import StackSettings


def contradictions(settings: StackSettings) -> list[str]:
    """One line per contradiction, naming the keys involved and the way out."""
    problems: list[str] = []
    if settings.fabric.invokes_endpoint and settings.workspace.public_network_access == "Disabled":
        problems.append(
            "fabml:workspace.publicNetworkAccess is 'Disabled' but fabml:fabric."
            "invokesEndpoint is true: Fabric pipelines have no private path to a batch "
            "endpoint; keep 'Enabled' or set invokesEndpoint to false"
        )
    if settings.data_lake.network_default_action == "Deny":
        if settings.fabric.workspace_id is None:
            problems.append(
                "fabml:dataLake.networkDefaultAction is 'Deny' but fabml:fabric.workspaceId "
                "is not set: the OneLake shortcut needs the Fabric workspace's "
                "resource-instance rule; set the Fabric workspace ID"
            )
        if settings.workspace.managed_network == "Disabled":
            problems.append(
                "fabml:dataLake.networkDefaultAction is 'Deny' but fabml:workspace."
                "managedNetwork is 'Disabled': batch jobs could not mount the data lake; use "
                "'AllowOnlyApprovedOutbound' or 'AllowInternetOutbound'"
            )
    if settings.deployment.instance_count > settings.compute.max_nodes:
        problems.append(
            f"fabml:deployment.instanceCount is {settings.deployment.instance_count} but "
            f"fabml:compute.maxNodes is {settings.compute.max_nodes}: a job cannot use more "
            "nodes than the cluster has"
        )
    fabric = settings.fabric
    if fabric.enabled:
        for key, value in (
            ("workspaceId", fabric.workspace_id),
            ("lakehouseId", fabric.lakehouse_id),
            ("mlConnectionId", fabric.ml_connection_id),
        ):
            if value is None:
                problems.append(f"fabml:fabric.{key} is required when fabml:fabric.enabled is true")
        if (
            fabric.connection_credential == "ServicePrincipal"
            and settings.fabric_principal_secret is None
        ):
            problems.append(
                "fabml:fabricPrincipalSecret is required for a ServicePrincipal connection: "
                "`pulumi config set --secret fabml:fabricPrincipalSecret <secret>`, or use "
                "fabml:fabric.connectionCredential WorkspaceIdentity"
            )
    if settings.environment == "sandbox" and settings.expires_on is None:
        problems.append(
            "fabml:expiresOn is required for sandbox stacks (YYYY-MM-DD): the reaper destroys "
            "expired sandboxes; `fabml sandbox create --ttl` sets it"
        )
    if settings.environment == "prod" and not settings.protection.protect_stateful:
        problems.append(
            "fabml:protection.protectStateful is false in prod: prod must protect its data"
        )
    return problems
