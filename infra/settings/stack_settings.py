"""The stack model: the stack file's `fabml:` keys, composed from the components' configs.

Each section is the config model of the component it configures (`dataLake` is
`DataLakeConfig` in `infra/components/data_lake/config.py`, beside `DataLake`); this model adds the
stack-wide keys (environment, location, tags, naming), the environment profile's defaults and
the rules across sections.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic.alias_generators import to_camel
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from infra import limits
from infra.components.access.config import AccessConfig
from infra.components.compute.config import ComputeConfig
from infra.components.config import ProtectionConfig
from infra.components.data_lake.config import DataLakeConfig
from infra.components.datastore.config import DatastoreConfig
from infra.components.fabric_side.config import FabricConfig
from infra.components.model.config import ModelConfig
from infra.components.scoring.config import DeploymentConfig
from infra.components.workspace.config import WorkspaceConfig
from infra.naming import Names
from infra.project import PROJECT
from infra.settings.profiles import Environment, profile_for


class StackSettings(BaseSettings):
    """Everything the program needs, validated. Keys are the stack file's `fabml:` keys."""

    model_config = SettingsConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )

    stack: str = Field(description="Pulumi stack name (not a config key).")
    subscription_id: str = Field(
        min_length=1,
        description="Azure subscription deployed to (not a `fabml:` key: "
        "`azure-native:subscriptionId`, or the signed-in client's); global names depend on it.",
    )
    environment: Environment = Field(description="Environment profile: dev, prod or sandbox.")
    location: str = Field(
        pattern=r"^[a-z][a-z0-9]{2,30}$",
        description="Azure region name: lowercase letters and digits, e.g. swedencentral.",
    )
    owner: str = Field(min_length=1, max_length=256, description="Owner tag.")
    cost_center: str = Field(min_length=1, max_length=256, description="Cost centre tag.")
    expires_on: dt.date | None = Field(
        default=None,
        description="Expiry date (YYYY-MM-DD) tagged on every resource; sandboxes need one.",
    )
    name_suffix: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]{4,6}$",
        description="Suffix of globally unique names (4-6 lowercase letters or digits). "
        "Default: a hash of subscription, project and stack; set it if a name is taken, or to "
        "keep the names a stack was deployed with before the subscription was part of it.",
    )
    existing_resource_group: str | None = Field(
        default=None,
        pattern=r"^[-\w._()]{1,89}[-\w_()]$",
        description="Deploy into this existing resource group instead of creating one.",
    )
    fabric: FabricConfig = Field(description="The Fabric side: principal and workspace.")
    data_lake: DataLakeConfig = Field(description="The shared ADLS Gen2 account.")
    workspace: WorkspaceConfig = Field(description="The Azure ML workspace and its services.")
    compute: ComputeConfig = Field(description="The batch compute cluster.")
    model: ModelConfig = Field(
        default_factory=dict, validate_default=True, description="The model."
    )
    deployment: DeploymentConfig = Field(description="Batch endpoint and deployment.")
    datastore: DatastoreConfig = Field(
        default_factory=dict, validate_default=True, description="The datastore Fabric names."
    )
    access: AccessConfig = Field(
        default_factory=dict, validate_default=True, description="The Fabric principal's roles."
    )
    protection: ProtectionConfig = Field(description="Protection of stateful resources.")
    fabric_principal_secret: SecretStr | None = Field(
        default=None,
        description="Client secret of the Fabric principal, for a ServicePrincipal connection "
        "(`pulumi config set --secret fabml:fabricPrincipalSecret ...`); never printed.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Stack config is the only source: an environment variable must never change what a
        # stack deploys behind its config's back.
        return (init_settings,)

    @model_validator(mode="before")
    @classmethod
    def _apply_profile(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for section, defaults in profile_for(data.get("environment")).defaults().items():
            given = merged.get(section)
            if given is None:
                merged[section] = defaults
            elif isinstance(given, dict):
                merged[section] = {**defaults, **given}
        return merged

    @model_validator(mode="after")
    def _consistent(self) -> StackSettings:
        problems = _contradictions(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def names(self) -> Names:
        return self.names_in(self.subscription_id)

    def names_in(self, subscription_id: str) -> Names:
        """The stack's names in a subscription (a purge checks the one it acts in)."""
        return Names.for_stack(
            self.stack,
            subscription_id=subscription_id,
            suffix=self.name_suffix,
            model=self.model.name,
        )

    @property
    def tags(self) -> dict[str, str]:
        tags = {
            "project": PROJECT,
            "stack": self.stack,
            "environment": self.environment,
            "owner": self.owner,
            "costCenter": self.cost_center,
            "managedBy": "pulumi",
        }
        if self.expires_on is not None:
            tags["expiresOn"] = self.expires_on.isoformat()
        return tags


def _fabric_automation_problems(settings: StackSettings) -> list[str]:
    fabric = settings.fabric
    if not fabric.enabled:
        return []
    problems = [
        f"fabml:fabric.{key} is required when fabml:fabric.enabled is true"
        for key, value in (
            ("workspaceId", fabric.workspace_id),
            ("lakehouseId", fabric.lakehouse_id),
        )
        if value is None
    ]
    # The Azure ML connection is made (and signs in) only without an adopted one.
    credentials = {"connectionCredential": fabric.connection_credential}
    if fabric.ml_connection_id is None:
        credentials["mlConnectionCredential"] = fabric.ml_connection_credential
    signing_in = [key for key, value in credentials.items() if value == "ServicePrincipal"]
    if signing_in and settings.fabric_principal_secret is None:
        problems.append(
            "fabml:fabricPrincipalSecret is required for a ServicePrincipal connection: "
            "`pulumi config set --secret fabml:fabricPrincipalSecret <secret>`, or set "
            + " and ".join(f"fabml:fabric.{key}" for key in signing_in)
            + " to WorkspaceIdentity"
        )
    return problems


def _unsafe_for_environment(settings: StackSettings) -> list[str]:
    """What the environment's limits (infra/limits.py, shared with the policy pack) refuse."""
    environment = settings.environment
    # A stack named for an environment is judged by that environment's rules (the policy
    # check reads the same function): one named for prod that declares a laxer environment
    # would get laxer defaults, and any other mismatch a plan the check refuses.
    try:
        limits.stack_environment(settings.stack, environment)
    except ValueError as exc:
        return [str(exc)]
    problems: list[str] = []
    prefix = limits.MIN_IP_PREFIX[environment]
    for key, ranges in (
        ("dataLake.allowedIpRanges", settings.data_lake.allowed_ip_ranges),
        ("workspace.deployerIpRanges", settings.workspace.deployer_ip_ranges),
    ):
        problems += [
            f"fabml:{key}: '{item}' is wider than /{prefix}, the widest range {environment} "
            f"admits; list narrower ranges (/{prefix}-/30) or single addresses"
            for item in ranges
            if ipaddress.ip_network(item, strict=False).prefixlen < prefix
        ]
    retention = limits.MIN_KEY_VAULT_RETENTION_DAYS[environment]
    if settings.workspace.key_vault_retention_days < retention:
        problems.append(
            "fabml:workspace.keyVaultRetentionDays is "
            f"{settings.workspace.key_vault_retention_days}: {environment} needs at least "
            f"{retention} (Azure allows 7-90)"
        )
    soft_delete = limits.MIN_SOFT_DELETE_DAYS[environment]
    if settings.data_lake.soft_delete_days < soft_delete:
        problems.append(
            f"fabml:dataLake.softDeleteDays is {settings.data_lake.soft_delete_days}: "
            f"{environment} needs at least {soft_delete} (up to 365)"
        )
    max_nodes = limits.MAX_NODES[environment]
    if settings.compute.max_nodes > max_nodes:
        problems.append(
            f"fabml:compute.maxNodes is {settings.compute.max_nodes}: {environment} allows at "
            f"most {max_nodes} (the cost cap)"
        )
    if environment == "prod":
        dumped = settings.model_dump(by_alias=True)
        for key, required in limits.PROD_FIXED.items():
            section, field = key.split(".")
            if dumped[section][field] != required:
                problems.append(
                    f"fabml:{key} is {json.dumps(dumped[section][field])}: prod requires "
                    f"{json.dumps(required)}"
                )
    networks = limits.MANAGED_NETWORKS[environment]
    if settings.workspace.managed_network not in networks:
        problems.append(
            f"fabml:workspace.managedNetwork is '{settings.workspace.managed_network}': "
            f"{environment} allows no internet outbound; use "
            + " or ".join(f"'{mode}'" for mode in networks)
        )
    return problems


def _names_azure_refuses(settings: StackSettings) -> list[str]:
    """Names Azure would refuse (infra/naming.py's rules), naming the setting they come from."""
    problems: list[str] = []
    for what, name, allowed in settings.names.azure_violations():
        if what == "batch endpoint":
            if settings.deployment.endpoint_name is not None:
                continue  # the program uses the endpoint name given, checked by its pattern
            source = (
                f"fabml:model.name '{settings.model.name}' (or set fabml:deployment.endpointName)"
            )
        else:
            source = f"the stack name '{settings.stack}'" + (
                f" with fabml:nameSuffix '{settings.name_suffix}'" if settings.name_suffix else ""
            )
        problems.append(
            f"{source} makes the {what} name '{name}', which Azure refuses: it allows {allowed}"
        )
    return problems


def _contradictions(settings: StackSettings) -> list[str]:
    """One line per contradiction, naming the keys involved and the way out."""
    problems: list[str] = _unsafe_for_environment(settings) + _names_azure_refuses(settings)
    if settings.fabric.invokes_endpoint and settings.workspace.public_network_access == "Disabled":
        problems.append(
            "fabml:workspace.publicNetworkAccess is 'Disabled' but fabml:fabric."
            "invokesEndpoint is true: Fabric pipelines have no private path to a batch "
            "endpoint; keep 'Enabled' or set invokesEndpoint to false"
        )
    public = settings.workspace.public_network_access
    if not settings.fabric.invokes_endpoint and public == "Enabled":
        # The public endpoint is kept open for Fabric alone (policy rule ml-inbound-public-access).
        problems.append(
            "fabml:workspace.publicNetworkAccess is 'Enabled' but fabml:fabric.invokesEndpoint "
            "is false: nothing needs the public endpoint; set publicNetworkAccess to 'Disabled'"
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
    workspace = settings.workspace
    if (
        workspace.locked
        and workspace.deployer_network == "ipRanges"
        and not workspace.deployer_ip_ranges
    ):
        # Else `pulumi up` fails at the model upload, after the slow resources: the storage
        # admits no one else, and a GitHub-hosted runner has no fixed address to admit.
        problems.append(
            "fabml:workspace.deployerNetwork is 'ipRanges' but fabml:workspace.deployerIpRanges "
            "is empty: the locked workspace storage (managedNetwork on) would refuse the model "
            "upload; list the deploying machine's public IPv4 (a self-hosted or NAT runner's), "
            "or set deployerNetwork to 'privateNetwork' if it reaches the account by private "
            "endpoint"
        )
    if settings.deployment.instance_count > settings.compute.max_nodes:
        problems.append(
            f"fabml:deployment.instanceCount is {settings.deployment.instance_count} but "
            f"fabml:compute.maxNodes is {settings.compute.max_nodes}: a job cannot use more "
            "nodes than the cluster has"
        )
    problems += _fabric_automation_problems(settings)
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
