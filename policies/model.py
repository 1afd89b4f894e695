"""What a rule sees and says: a resource view, the run's context, rules and verdicts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from infra import catalog, placeholder
from infra.limits import ENVIRONMENTS

Level = Literal["mandatory", "advisory", "disabled"]

# The type tokens the rules name, from the one catalog of what the program registers.
STORAGE_ACCOUNT = catalog.STORAGE_ACCOUNT.token
ML_WORKSPACE = catalog.ML_WORKSPACE.token
ML_COMPUTE = catalog.ML_COMPUTE.token
BATCH_ENDPOINT = catalog.BATCH_ENDPOINT.token
BATCH_DEPLOYMENT = catalog.BATCH_DEPLOYMENT.token
DATASTORE = catalog.DATASTORE.token
KEY_VAULT = catalog.KEY_VAULT.token
ROLE_ASSIGNMENT = catalog.ROLE_ASSIGNMENT.token
ROLE_DEFINITION = catalog.ROLE_DEFINITION.token
DIAGNOSTIC_SETTING = catalog.DIAGNOSTIC_SETTING.token
USER_ASSIGNED_IDENTITY = catalog.USER_ASSIGNED_IDENTITY.token
DEFAULT_DEPLOYMENT = catalog.DEFAULT_DEPLOYMENT.token
RESOURCE_GROUP = catalog.RESOURCE_GROUP.token
BLOB_CONTAINER = catalog.BLOB_CONTAINER.token
BLOB = catalog.BLOB.token


def resource_type(type_: str) -> str:
    """The one type a rule matches, whatever API-version module (or old alias) it came through."""
    return catalog.canonical(type_)


# Values the offline plan cannot know: masked secrets and "<...>" placeholders. Rules treat
# them as unknown, like `pulumi preview` treats values computed during the update.
SECRET_MASK = "[secret]"


def is_unknown(value: Any) -> bool:
    return placeholder.is_after_deploy(value)


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    dependencies: frozenset[str] = frozenset()
    # Paths of inputs that are Pulumi secrets; None where the runner cannot tell (CrossGuard).
    secret_paths: tuple[str, ...] | None = None
    # The `protect` resource option; None where the runner cannot tell.
    protect: bool | None = None

    def __post_init__(self) -> None:
        # Every runner builds a Resource: normalising here leaves no path around it. A type
        # registered from an API-versioned module (storage/v20230101) is the same to every rule.
        object.__setattr__(self, "type", resource_type(self.type))

    def get(self, path: str, default: Any = None) -> Any:
        value: Any = self.props
        for part in path.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return default
            value = value[part]
        return value

    @property
    def tags(self) -> Mapping[str, Any]:
        tags = self.props.get("tags")
        return tags if isinstance(tags, Mapping) else {}


@dataclass(frozen=True)
class Context:
    environment: str
    max_nodes: int
    # IP rules may admit at most a /min_ip_prefix range (a bare address is a /32).
    min_ip_prefix: int = 24
    min_key_vault_retention_days: int = 90


@dataclass(frozen=True)
class Finding:
    resource: Resource | None
    message: str


ResourceCheck = Callable[[Resource, Context], Iterable[str]]
StackCheck = Callable[[Sequence[Resource], Context], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    source: str
    fix: str
    enforcement: Mapping[str, Level]
    types: tuple[str, ...] = ()
    check: ResourceCheck | None = None
    check_stack: StackCheck | None = None

    def findings(self, resources: Sequence[Resource], context: Context) -> list[Finding]:
        if self.check_stack is not None:
            return list(self.check_stack(resources, context))
        assert self.check is not None
        return [
            Finding(resource, message)
            for resource in resources
            if resource.type in self.types
            for message in self.check(resource, context)
        ]


def everywhere(level: Level = "mandatory") -> dict[str, Level]:
    return dict.fromkeys(ENVIRONMENTS, level)


def prod_only_mandatory(elsewhere: Level = "advisory") -> dict[str, Level]:
    return {"dev": elsewhere, "sandbox": elsewhere, "prod": "mandatory"}


@dataclass(frozen=True)
class Verdict:
    rule: Rule
    level: Level
    resource: str
    message: str

    def line(self) -> str:
        return (
            f"[{self.level}] {self.rule.name} on {self.resource}: {self.message}\n"
            f"    fix: {self.rule.fix}\n    source: {self.rule.source}"
        )


@dataclass
class Report:
    environment: str
    verdicts: list[Verdict] = field(default_factory=list)
    rules_run: int = 0

    @property
    def mandatory(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.level == "mandatory"]

    @property
    def exit_status(self) -> int:
        """1 when a mandatory rule is violated: what `fabml plan` and `policy check` return."""
        return 1 if self.mandatory else 0

    def render(self) -> str:
        head = f"Policy verdicts ({self.environment}): {self.rules_run} rules, "
        if not self.verdicts:
            return head + "no violations\n"
        counts = (
            f"{len(self.mandatory)} mandatory, {len(self.verdicts) - len(self.mandatory)} advisory"
        )
        return head + counts + " violation(s)\n" + "\n".join(v.line() for v in self.verdicts) + "\n"
