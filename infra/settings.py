"""Typed stack settings: the one place configuration is read, defaulted and validated.

Both engines read the same thing: `pulumi up` gets the stack's config from the Pulumi CLI
(PULUMI_CONFIG), the offline plan puts the stack file's values into the runtime config with
`pulumi.runtime.set_all_config`. `load_settings()` turns that into a frozen `StackSettings` or
raises `SettingsError` with one line per problem, naming the config key, the value and what is
allowed, before any resource is registered.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from infra.catalog import PROJECT
from infra.errors import UserError

REPO_ROOT = Path(__file__).resolve().parent.parent

# What the offline plan stands in for values a stack file does not hold yet: the all-zero GUID
# for Fabric identities, and for a sandbox's expiry (which `fabml sandbox create` stamps) a date
# no real stack has.
PLACEHOLDER_GUID = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_EXPIRY = "1970-01-01"

Environment = Literal["dev", "prod", "sandbox"]

# What differs between environments. Prod keeps data and is locked down; dev and sandboxes are
# cheap and fully destroyable. A stack's own config always wins over its profile.
_DESTROYABLE: dict[str, dict[str, Any]] = {
    "dataLake": {"softDeleteDays": 0, "networkDefaultAction": "Allow", "sku": "Standard_LRS"},
    "workspace": {
        "managedNetwork": "Disabled",
        "keyVaultRetentionDays": 7,
        "purgeProtection": False,
        "logRetentionDays": 30,
    },
    "compute": {"lowPriority": True, "maxNodes": 2, "vmSize": "Standard_DS2_v2"},
    "deployment": {"instanceCount": 1},
    "protection": {"protectStateful": False},
}
PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    "dev": _DESTROYABLE,
    "sandbox": {**_DESTROYABLE, "compute": {**_DESTROYABLE["compute"], "maxNodes": 1}},
    "prod": {
        "dataLake": {"softDeleteDays": 14, "networkDefaultAction": "Deny", "sku": "Standard_ZRS"},
        "workspace": {
            "managedNetwork": "AllowOnlyApprovedOutbound",
            "keyVaultRetentionDays": 90,
            "purgeProtection": True,
            "logRetentionDays": 90,
        },
        "compute": {"lowPriority": False, "maxNodes": 5, "vmSize": "Standard_DS3_v2"},
        "deployment": {"instanceCount": 2},
        "protection": {"protectStateful": True},
    },
}

# Set by load_offline_settings() to collect the keys it fills with placeholders.
_FILL_PLACEHOLDERS: ContextVar[list[str] | None] = ContextVar("fill_placeholders", default=None)

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class SettingsError(UserError):
    """Invalid or missing stack configuration: a user mistake, reported without a traceback."""

    def __init__(self, problems: list[str], stack: str = "") -> None:
        self.problems = problems
        where = f"stack '{stack}'" if stack else "the stack"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Invalid configuration for {where}:\n{lines}")


def _guid(value: str | None) -> str | None:
    if value is None:
        return None
    if not GUID.match(value):
        raise ValueError("must be a GUID like 11111111-2222-3333-4444-555555555555")
    return value.lower()


class _Section(BaseModel):
    """A config section: camelCase keys as in the stack file, unknown keys rejected."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class FabricSettings(_Section):
    principal_object_id: str = Field(
        description="Object ID of the service principal Fabric uses to call the endpoint "
        "(Enterprise application > Object ID). Gets the invoke role and data access."
    )
    principal_client_id: str = Field(
        description="Application (client) ID of that service principal; goes into the Fabric "
        "Azure ML connection."
    )
    workspace_id: str | None = Field(
        default=None,
        description="Fabric workspace ID. Required when the data lake denies public traffic: it "
        "becomes the storage firewall's resource-instance rule (trusted workspace access).",
    )
    tenant_id: str | None = Field(
        default=None,
        description="Entra tenant of the Fabric workspace; defaults to the deployment's tenant.",
    )
    invokes_endpoint: bool = Field(
        default=True,
        description="Fabric pipelines call the batch endpoint. They have no private path to it, "
        "so this keeps the Azure ML workspace's inbound public access enabled.",
    )
    enabled: bool = Field(
        default=False,
        description="Also create the Fabric side through the Fabric REST API: the ADLS Gen2 "
        "connection, the OneLake shortcut, the principal's workspace role and the Data pipeline.",
    )
    lakehouse_id: str | None = Field(
        default=None, description="Lakehouse that gets the OneLake shortcut (when enabled)."
    )
    shortcut_name: str = Field(
        default="heart-scoring",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,99}$",
        description="Name of the OneLake shortcut under the lakehouse's Files.",
    )
    connection_credential: Literal["ServicePrincipal", "WorkspaceIdentity"] = Field(
        default="ServicePrincipal",
        description="How the Fabric connection to the data lake signs in: the service principal "
        "(needs fabml:fabricPrincipalSecret) or the Fabric workspace identity.",
    )
    ml_connection_id: str | None = Field(
        default=None,
        description="Fabric connection ID of the Azure ML workspace, which the pipeline's Azure "
        "ML activity names (create it once in Fabric; required when enabled).",
    )
    ml_execution_type: str = Field(
        default="BatchEndpoint",
        pattern=r"^[A-Za-z]+$",
        description="The Azure ML activity's typeProperties.mlExecutionType for batch endpoints. "
        "The literal is not published: confirm it with getDefinition on a pipeline built in the "
        "Fabric UI (see README).",
    )
    pipeline_name: str = Field(
        default="score-heart-batch",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,255}$",
        description="Display name of the Fabric Data pipeline.",
    )
    workspace_role: Literal["Contributor", "Member", "Admin", "Viewer"] = Field(
        default="Contributor",
        description="Fabric workspace role of the principal (Dataflow Gen2 needs Contributor).",
    )

    _check_guids = field_validator(
        "principal_object_id",
        "principal_client_id",
        "workspace_id",
        "tenant_id",
        "lakehouse_id",
        "ml_connection_id",
    )(_guid)


# Storage firewall IP rules take public addresses only (RFC 1918, loopback, link-local refused).
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(block)
    for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16")
)


class DataLakeSettings(_Section):
    container_name: str = Field(
        default="scoring",
        pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
        description="Container shared by the OneLake shortcut and the datastore (3-63 lowercase "
        "letters, digits, single hyphens).",
    )
    input_folder: str = Field(
        default="heart-unlabeled",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
        description="Folder in the container holding the CSVs to score (the job input).",
    )
    output_folder: str = Field(
        default="predictions",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
        description="Folder in the container under which each pipeline run writes its output.",
    )
    sku: Literal[
        "Standard_LRS",
        "Standard_ZRS",
        "Standard_GRS",
        "Standard_RAGRS",
        "Standard_GZRS",
        "Standard_RAGZRS",
    ] = Field(description="Storage redundancy of the data lake.")
    soft_delete_days: int = Field(
        ge=0, le=365, description="Blob and container soft-delete retention in days; 0 disables."
    )
    network_default_action: Literal["Allow", "Deny"] = Field(
        description="Storage firewall default. Deny admits only the Fabric workspace (resource-"
        "instance rule), the Azure ML managed network and allowedIpRanges."
    )
    allowed_ip_ranges: tuple[str, ...] = Field(
        default=(), description="Public IPv4 addresses or CIDR ranges admitted by the firewall."
    )

    @field_validator("container_name")
    @classmethod
    def _single_hyphens(cls, name: str) -> str:
        if "--" in name:
            raise ValueError(f"'{name}' has consecutive hyphens, which container names forbid")
        return name

    @field_validator("allowed_ip_ranges")
    @classmethod
    def _ipv4(cls, ranges: tuple[str, ...]) -> tuple[str, ...]:
        for item in ranges:
            try:
                net = ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"'{item}' is not an IPv4 address or CIDR range") from None
            if net.version != 4 or any(net.overlaps(block) for block in _NOT_PUBLIC):
                raise ValueError(f"'{item}' must be a public IPv4 range (storage IP rules)")
            if "/" in item and net.prefixlen > 30:
                raise ValueError(f"'{item}': write /31 and /32 ranges as single addresses")
        return ranges


class WorkspaceSettings(_Section):
    managed_network: Literal["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"] = (
        Field(description="Outbound isolation of the Azure ML managed network.")
    )
    public_network_access: Literal["Enabled", "Disabled"] = Field(
        default="Enabled",
        description="Inbound public access to the Azure ML workspace. Must stay Enabled while "
        "Fabric invokes the endpoint (fabric.invokesEndpoint).",
    )
    key_vault_retention_days: int = Field(
        ge=7, le=90, description="Key Vault soft-delete retention in days (7-90)."
    )
    purge_protection: bool = Field(
        description="Key Vault purge protection. Cannot be turned off once on; blocks re-using "
        "the vault's name until the retention ends."
    )
    log_retention_days: int = Field(
        ge=30, le=730, description="Log Analytics retention in days (30-730)."
    )


class ComputeSettings(_Section):
    name: str = Field(
        default="batch-cluster",
        pattern=r"^[a-zA-Z][a-zA-Z0-9-]{1,15}$",
        description="Cluster name: 2-16 letters, digits, hyphens; starts with a letter.",
    )
    vm_size: str = Field(
        pattern=r"^Standard_[A-Za-z0-9_]+$", description="VM size of the cluster's nodes."
    )
    low_priority: bool = Field(description="Use low-priority (preemptible) nodes.")
    max_nodes: int = Field(ge=1, le=100, description="Maximum nodes; the minimum is always 0.")
    idle_seconds_before_scale_down: int = Field(
        default=120,
        ge=60,
        le=900,
        description="Idle time before nodes are released (60-900 s, the landing-zone cap).",
    )
    data_role: Literal["reader", "contributor"] = Field(
        default="contributor",
        description="Data role of the compute identity on the data lake: contributor when "
        "outputs are written through the mount (the batch deployment does), reader otherwise.",
    )


class ModelSettings(_Section):
    name: str = Field(
        default="heart-classifier",
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$",
        description="Registered model name.",
    )
    version: str = Field(
        default="1",
        pattern=r"^[0-9]{1,9}$",
        description="Model version. Azure ML model versions are immutable: bump it whenever "
        "the model folder changes.",
    )
    path: str = Field(
        default="model/heart-classifier",
        validate_default=True,
        description="MLflow model folder, relative to the repository root (must hold MLmodel).",
    )

    @property
    def folder(self) -> Path:
        return (REPO_ROOT / self.path).resolve()

    @field_validator("path")
    @classmethod
    def _is_mlflow_folder(cls, path: str) -> str:
        folder = (REPO_ROOT / path).resolve()
        if not (folder / "MLmodel").is_file():
            raise ValueError(f"'{folder}' is not an MLflow model folder (no MLmodel file)")
        return path


class DeploymentSettings(_Section):
    endpoint_name: str | None = Field(
        default=None,
        pattern=r"^[a-zA-Z][a-zA-Z0-9-]{2,31}$",
        description="Batch endpoint name, unique in the region (3-32 letters, digits, hyphens). "
        "Default: <model>-<stack>-<suffix>.",
    )
    name: str = Field(
        default="classifier-sklearn-mlflow",
        pattern=r"^[a-zA-Z][a-zA-Z0-9-]{2,31}$",
        description="Batch deployment name (becomes the endpoint's default deployment).",
    )
    instance_count: int = Field(ge=1, le=100, description="Nodes each job runs on.")
    max_concurrency_per_instance: int = Field(
        default=2, ge=1, le=64, description="Parallel scoring processes per node."
    )
    mini_batch_size: int = Field(
        default=2, ge=1, le=1000, description="Files passed to each scoring call."
    )
    output_action: Literal["AppendRow", "SummaryOnly"] = Field(
        default="AppendRow",
        description="AppendRow writes every prediction to outputFileName; SummaryOnly does not.",
    )
    output_file_name: str = Field(
        default="predictions.csv",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*\.(csv|txt)$",
        description="File that collects the predictions (a .csv or .txt name).",
    )
    max_retries: int = Field(default=3, ge=0, le=10, description="Retries of a failed mini-batch.")
    timeout_seconds: int = Field(
        default=300, ge=30, le=3600, description="Timeout of one mini-batch call in seconds."
    )
    error_threshold: int = Field(
        default=-1,
        ge=-1,
        description="Failed files tolerated before the job fails; -1 tolerates all.",
    )
    logging_level: Literal["Info", "Warning", "Debug"] = Field(
        default="Info", description="Logging level of the scoring job."
    )


class DatastoreSettings(_Section):
    name: str = Field(
        default="trusted_blob",
        pattern=r"^[a-zA-Z0-9_]{1,255}$",
        description="Datastore name the Fabric pipeline's URIs use (letters, digits, underscores).",
    )
    auth: Literal["identity", "accountKey"] = Field(
        default="identity",
        description="identity: no stored credential, jobs use the caller's and the compute's "
        "identities. accountKey: the account key is stored in the datastore (a Pulumi secret) "
        "and the data lake keeps shared-key access on.",
    )


class AccessSettings(_Section):
    invoke_role: Literal["custom", "dataScientist"] = Field(
        default="custom",
        description="Role that lets the Fabric principal invoke the endpoint: a least-privilege "
        "custom role scoped to the resource group, or the built-in AzureML Data Scientist.",
    )
    data_role: Literal["reader", "contributor"] = Field(
        default="contributor",
        description="Data role of the Fabric principal on the data lake: contributor lets jobs "
        "it starts write predictions.",
    )


class ProtectionSettings(_Section):
    protect_stateful: bool = Field(
        description="Protect the data lake, workspace storage, key vault and Azure ML workspace "
        "from `pulumi destroy` and replacement."
    )


class StackSettings(BaseSettings):
    """Everything the program needs, validated. Keys are the stack file's `fabml:` keys."""

    model_config = SettingsConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )

    stack: str = Field(description="Pulumi stack name (not a config key).")
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
        "Default: a stable hash of project and stack; set it if a name is taken.",
    )
    existing_resource_group: str | None = Field(
        default=None,
        pattern=r"^[-\w._()]{1,89}[-\w_()]$",
        description="Deploy into this existing resource group instead of creating one.",
    )
    fabric: FabricSettings = Field(description="The Fabric side: principal and workspace.")
    data_lake: DataLakeSettings = Field(description="The shared ADLS Gen2 account.")
    workspace: WorkspaceSettings = Field(description="The Azure ML workspace and its services.")
    compute: ComputeSettings = Field(description="The batch compute cluster.")
    model: ModelSettings = Field(
        default_factory=dict, validate_default=True, description="The model."
    )
    deployment: DeploymentSettings = Field(description="Batch endpoint and deployment.")
    datastore: DatastoreSettings = Field(
        default_factory=dict, validate_default=True, description="The datastore Fabric names."
    )
    access: AccessSettings = Field(
        default_factory=dict, validate_default=True, description="The Fabric principal's roles."
    )
    protection: ProtectionSettings = Field(description="Protection of stateful resources.")
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
        # An unknown environment is reported on its own; the dev profile keeps the other
        # sections from drowning that message in "required" errors.
        profile = PROFILES.get(str(data.get("environment")), PROFILES["dev"])
        merged = dict(data)
        for section, defaults in profile.items():
            given = merged.get(section)
            if given is None:
                merged[section] = dict(defaults)
            elif isinstance(given, dict):
                merged[section] = {**defaults, **given}
        filled = _FILL_PLACEHOLDERS.get()
        if filled is not None:
            _fill_placeholders(merged, filled)
        return merged

    @model_validator(mode="after")
    def _consistent(self) -> StackSettings:
        problems: list[str] = []
        if self.fabric.invokes_endpoint and self.workspace.public_network_access == "Disabled":
            problems.append(
                "fabml:workspace.publicNetworkAccess is 'Disabled' but fabml:fabric."
                "invokesEndpoint is true: Fabric pipelines have no private path to a batch "
                "endpoint; keep 'Enabled' or set invokesEndpoint to false"
            )
        if self.data_lake.network_default_action == "Deny":
            if self.fabric.workspace_id is None:
                problems.append(
                    "fabml:dataLake.networkDefaultAction is 'Deny' but fabml:fabric.workspaceId "
                    "is not set: the OneLake shortcut needs the Fabric workspace's "
                    "resource-instance rule; set the Fabric workspace ID"
                )
            if self.workspace.managed_network == "Disabled":
                problems.append(
                    "fabml:dataLake.networkDefaultAction is 'Deny' but fabml:workspace."
                    "managedNetwork is 'Disabled': batch jobs could not mount the data lake; use "
                    "'AllowOnlyApprovedOutbound' or 'AllowInternetOutbound'"
                )
        if self.deployment.instance_count > self.compute.max_nodes:
            problems.append(
                f"fabml:deployment.instanceCount is {self.deployment.instance_count} but "
                f"fabml:compute.maxNodes is {self.compute.max_nodes}: a job cannot use more "
                "nodes than the cluster has"
            )
        fabric = self.fabric
        if fabric.enabled:
            for key, value in (
                ("workspaceId", fabric.workspace_id),
                ("lakehouseId", fabric.lakehouse_id),
                ("mlConnectionId", fabric.ml_connection_id),
            ):
                if value is None:
                    problems.append(
                        f"fabml:fabric.{key} is required when fabml:fabric.enabled is true"
                    )
            if (
                fabric.connection_credential == "ServicePrincipal"
                and self.fabric_principal_secret is None
            ):
                problems.append(
                    "fabml:fabricPrincipalSecret is required for a ServicePrincipal connection: "
                    "`pulumi config set --secret fabml:fabricPrincipalSecret <secret>`, or use "
                    "fabml:fabric.connectionCredential WorkspaceIdentity"
                )
        if self.environment == "sandbox" and self.expires_on is None:
            problems.append(
                "fabml:expiresOn is required for sandbox stacks (YYYY-MM-DD): the reaper destroys "
                "expired sandboxes; `fabml sandbox create --ttl` sets it"
            )
        if self.environment == "prod" and not self.protection.protect_stateful:
            problems.append(
                "fabml:protection.protectStateful is false in prod: prod must protect its data"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def endpoint_name(self) -> str:
        from infra.naming import Names

        return self.deployment.endpoint_name or Names.of(self).batch_endpoint

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


def project_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The `fabml:` keys of a Pulumi config map, structured values decoded from JSON."""
    values: dict[str, Any] = {}
    prefix = f"{PROJECT}:"
    for key, raw in config.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        value = raw
        if isinstance(raw, str) and raw[:1] in "{[":
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise SettingsError([f"{key}: not valid JSON ({exc.msg})"]) from None
        values[name] = value
    return values


def runtime_config() -> dict[str, Any]:
    """The whole config of the running program, from either engine."""
    from pulumi.runtime import config as runtime

    return {**runtime.get_config_env(), **runtime.CONFIG.get()}


def _key(loc: tuple[int | str, ...]) -> str:
    path = ".".join(str(part) for part in loc)
    return f"{PROJECT}:{path}" if path else f"{PROJECT}:<root>"


def _describe(error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    key = _key(loc)
    kind = error["type"]
    if kind == "missing":
        field = _field_for(loc)
        hint = f" ({field.description})" if field is not None and field.description else ""
        return f"{key} is required but not set{hint}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return f"{key} is not a known setting; allowed here: {', '.join(allowed)}"
    if kind == "value_error" and not loc:
        return str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    shown = json.dumps(value) if not isinstance(value, str) else f"'{value}'"
    if loc and loc[0] == "fabricPrincipalSecret":
        shown = "[secret]"  # never echo a secret, even a malformed one
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        field = _field_for(loc)
        message = field.description if field is not None and field.description else message
    return f"{key} = {shown}: {message}"


def _section_model(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = StackSettings
    for part in loc:
        field = _fields_by_alias(model).get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _fields_by_alias(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _field_for(loc: tuple[int | str, ...]) -> Any:
    model = _section_model(loc[:-1])
    return None if model is None else _fields_by_alias(model).get(str(loc[-1]))


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    model = _section_model(loc)
    if model is None:
        return []
    return sorted(alias for alias in _fields_by_alias(model) if alias != "stack")


def _fill_placeholders(merged: dict[str, Any], filled: list[str]) -> None:
    """Offline only: stand in the all-zero GUID for identities a stack file does not hold."""
    if not isinstance(merged.get("fabric", {}), dict):
        return
    fabric = merged["fabric"] = dict(merged.get("fabric") or {})
    wanted = ["principalObjectId", "principalClientId"]
    lake = merged.get("dataLake")
    if isinstance(lake, dict) and lake.get("networkDefaultAction") == "Deny":
        wanted.append("workspaceId")
    for key in wanted:
        if fabric.get(key) is None:
            fabric[key] = PLACEHOLDER_GUID
            filled.append(f"fabml:fabric.{key}")
    if merged.get("environment") == "sandbox" and merged.get("expiresOn") is None:
        merged["expiresOn"] = PLACEHOLDER_EXPIRY
        filled.append("fabml:expiresOn")


def _validate(stack: str, values: dict[str, Any]) -> StackSettings:
    if "stack" in values:
        raise SettingsError(["fabml:stack is reserved: the stack name comes from Pulumi"], stack)
    try:
        return StackSettings(stack=stack, **values)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        raise SettingsError(
            [line for problem in problems for line in problem.split("\n")], stack
        ) from None


def load_settings(stack: str, config: Mapping[str, Any] | None = None) -> StackSettings:
    """Validate a stack's config for a deployment. `config` defaults to the program's config."""
    settings = _validate(stack, project_config(runtime_config() if config is None else config))
    if settings.expires_on is not None and settings.expires_on.isoformat() == PLACEHOLDER_EXPIRY:
        raise SettingsError(
            [f"fabml:expiresOn is the placeholder {PLACEHOLDER_EXPIRY}; set a real date"], stack
        )
    fabric = settings.fabric
    used = [
        key
        for key, value in (
            ("fabml:fabric.principalObjectId", fabric.principal_object_id),
            ("fabml:fabric.principalClientId", fabric.principal_client_id),
            ("fabml:fabric.workspaceId", fabric.workspace_id),
        )
        if value == PLACEHOLDER_GUID
    ]
    if used:
        raise SettingsError(
            [
                f"{key} is the placeholder {PLACEHOLDER_GUID}; set the real ID with "
                f"`pulumi config set --path {key} <id>`"
                for key in used
            ],
            stack,
        )
    return settings


def load_offline_settings(stack: str, config: Mapping[str, Any]) -> tuple[StackSettings, list[str]]:
    """Validate for the offline plan: missing Fabric identities get placeholders, listed."""
    filled: list[str] = []
    token = _FILL_PLACEHOLDERS.set(filled)
    try:
        return _validate(stack, project_config(config)), filled
    finally:
        _FILL_PLACEHOLDERS.reset(token)
