"""The plan as a reviewer reads it: resources, dependency waves, outputs."""

from __future__ import annotations

from typing import Any

from fabml.plan.plan import Plan, PlannedResource
from infra import catalog, placeholder


def short_type(type_: str) -> str:
    return type_.removeprefix("azure-native:")


def _settings(resource: PlannedResource) -> str:
    parts = []
    kind = catalog.lookup(resource.type)
    for path in kind.key_inputs if kind else ():
        value = resource.input(path)
        if value is not None:
            parts.append(f"{path.rsplit('.', 1)[-1]}={value}")
    if resource.protect:
        parts.append("PROTECTED")
    return ", ".join(parts)


def table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        indent
        + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    ]


def output_display(plan: Plan, name: str) -> str:
    value: Any = plan.outputs[name]
    if name in plan.secret_outputs:
        return "[secret]"
    if placeholder.is_unset(value):
        return placeholder.Kind.SETTING.label
    if name in plan.known_after_deploy:
        return placeholder.Kind.AFTER_DEPLOY.label
    return str(value)


def names_note(plan: Plan) -> str:
    """Which subscription the global names were made for (they hash it: infra/naming.py)."""
    if placeholder.kind_of(plan.names_subscription) is not None:
        return (
            f"Global names are made for the placeholder subscription {plan.names_subscription}: "
            "a deployment gets other ones (set azure-native:subscriptionId in the stack file, or "
            "run `fabml preflight`, to see them)"
        )
    return (
        f"Global names are made for subscription {plan.names_subscription} "
        "(azure-native:subscriptionId)"
    )


def ml_model_note(plan: Plan) -> str | None:
    """Why the Dataflow route plans a version but no ML model item, when it does: a service
    principal may not create the item by REST, so the registration notebook's MLflow run makes
    it (infra/fabric/ml_model.py), which only a deployment to a Fabric tenant does."""
    if not plan.of_type(catalog.FABRIC_ML_MODEL_VERSION.token) or plan.of_type(
        catalog.FABRIC_ML_MODEL.token
    ):
        return None
    return (
        "No Fabric ML model item is planned: with fabml:fabric.deployer ServicePrincipal and no "
        "fabml:fabric.mlModelId, the registration notebook's MLflow run creates it at deploy "
        "time, which needs a Fabric tenant (set mlModelId to adopt one, or deploy as a User)"
    )


def render_text(plan: Plan) -> str:
    lines = [f"Offline plan of stack '{plan.stack}' (Pulumi mock runtime: nothing is deployed)"]
    if plan.placeholders:
        lines += [
            "",
            "Placeholders stand in for config this stack file does not set yet; set them before "
            "`pulumi up`:",
            *(
                f"  pulumi config set --path {key} "
                + ("<YYYY-MM-DD>" if key == "fabml:expiresOn" else "<id>")
                for key in plan.placeholders
            ),
        ]
    lines += ["", names_note(plan)]
    note = ml_model_note(plan)
    if note:
        lines += ["", note]
    names = {r.urn: r.name for r in plan.resources}
    custom = [r for r in plan.resources if r.custom]
    rows = [["TYPE", "NAME", "PARENT", "SETTINGS"]] + [
        [short_type(r.type), r.name, names.get(r.parent or "", "-"), _settings(r)]
        for r in sorted(plan.resources, key=lambda r: (names.get(r.parent or "", ""), r.name))
    ]
    lines += [
        "",
        f"Resources: {len(custom)} to create, in {len(plan.resources) - len(custom)} components",
        *table(rows),
    ]
    lines += ["", "Dependency waves (each wave needs only the waves before it):"]
    for number, wave in enumerate(plan.waves, start=1):
        lines.append(f"  {number}. " + ", ".join(r.name for r in wave))
    rows = [["OUTPUT", "VALUE"]] + [[name, output_display(plan, name)] for name in plan.outputs]
    lines += ["", "Stack outputs:", *table(rows)]
    return "\n".join(lines) + "\n"
