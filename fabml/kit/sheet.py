"""The connection sheet: every value, and the Fabric screen and field it goes in."""

from __future__ import annotations

import html
from dataclasses import dataclass

from infra import placeholder
from infra.fabric.outputs import StackOutputs


@dataclass(frozen=True)
class Entry:
    screen: str
    field: str
    value: str


SHORTCUT = "Lakehouse > Files > New shortcut > Azure Data Lake Storage Gen2"
CONNECTION = "Pipeline > Azure Machine Learning activity > Settings > Connection > New"
ACTIVITY = "Pipeline > Azure Machine Learning activity > Settings"
# The Dataflow Gen2 route (Fabric ML model endpoint), in the Fabric UI's own words.
TENANT = "Admin portal > Tenant settings"
WORKSPACE_ACCESS = "Workspace > Manage access > Add people or groups"
WEB_CONNECTION = "Settings > Manage connections and gateways > New > Cloud"
DATAFLOW = "Dataflow Gen2 (fabml:fabric.dataflowName) > Home"


def entries(outputs: StackOutputs) -> list[Entry]:
    o = outputs.shown
    container = outputs["dataContainerName"]
    return [
        Entry(SHORTCUT, "URL", o("storageDfsUrl")),
        Entry(SHORTCUT, "Authentication kind", "Service principal (or Workspace identity)"),
        Entry(SHORTCUT, "Tenant ID", o("tenantId")),
        Entry(SHORTCUT, "Service principal client ID", o("servicePrincipalClientId")),
        Entry(SHORTCUT, "Folder to point at", f"{container} (and a folder below it)"),
        Entry(CONNECTION, "Subscription ID", o("subscriptionId")),
        Entry(CONNECTION, "Resource group name", o("resourceGroupName")),
        Entry(CONNECTION, "Workspace name", o("workspaceName")),
        Entry(CONNECTION, "Authentication kind", "Service principal"),
        Entry(CONNECTION, "Tenant ID", o("tenantId")),
        Entry(CONNECTION, "Service principal client ID", o("servicePrincipalClientId")),
        Entry(CONNECTION, "Service principal key", "the principal's client secret (not here)"),
        Entry(ACTIVITY, "Batch endpoint", o("batchEndpointName")),
        Entry(ACTIVITY, "Batch deployment", o("batchDeploymentName")),
        Entry(f"{ACTIVITY} > Job inputs > input_data", "JobInputType", "UriFolder"),
        Entry(f"{ACTIVITY} > Job inputs > input_data", "Uri", o("jobInputUri")),
        Entry(f"{ACTIVITY} > Job outputs > output_data", "JobOutputType", "UriFile"),
        Entry(
            f"{ACTIVITY} > Job outputs > output_data",
            "Uri (Add dynamic content)",
            o("jobOutputUriExpression"),
        ),
        Entry(f"{ACTIVITY} > Job settings", "MiniBatchSize", o("jobMiniBatchSize")),
        Entry(f"{ACTIVITY} > Job settings", "ComputeInstanceCount", o("jobComputeInstanceCount")),
        *dataflow_entries(outputs),
    ]


def dataflow_entries(outputs: StackOutputs) -> list[Entry]:
    """The Dataflow Gen2 route: what `pulumi up` cannot do, or a user must check."""
    o = outputs.shown
    return [
        Entry(
            f"{TENANT} > Developer settings",
            "Service principals can call Fabric public APIs (formerly: ... can use Fabric APIs)",
            "Enabled, for a security group holding the principal",
        ),
        Entry(TENANT, "ML model endpoints (tenant switch)", "Enabled (the default)"),
        Entry(WORKSPACE_ACCESS, "Service principal client ID", o("servicePrincipalClientId")),
        Entry(WORKSPACE_ACCESS, "Role", "Contributor"),
        Entry(WEB_CONNECTION, "Connection type", "Web (two connections)"),
        Entry(
            WEB_CONNECTION,
            "URL",
            "https://login.microsoftonline.com/ and https://api.fabric.microsoft.com/",
        ),
        Entry(WEB_CONNECTION, "Authentication method", "Anonymous (the M sends the token)"),
        Entry(WEB_CONNECTION, "Privacy level", "Organizational (both)"),
        Entry(f"{DATAFLOW} > Manage connections", "Web sources", "bind the two Web connections"),
        Entry(
            f"{DATAFLOW} > Manage parameters",
            "ClientSecret > Current value",
            "the principal's client secret (readable by the Dataflow's editors: see README)",
        ),
        Entry(
            "Dataflow Gen2 > Scored query > Data destination",
            "Lakehouse (sign in: an OAuth connection the API cannot create)",
            "your lakehouse, new table heart_scored",
        ),
        Entry(
            "Dataflow Gen2 > Home > Save & run",
            "Run as",
            "a user (Fabric does not let a service principal run a Dataflow)",
        ),
    ]


def _intro(outputs: StackOutputs) -> str:
    note = (
        f" Values marked {placeholder.Kind.AFTER_DEPLOY.label} come from the offline plan: run "
        "the kit again with `--outputs` after `pulumi up`."
        if outputs.unknown
        else ""
    )
    if any(placeholder.is_unset(outputs[name]) for name in outputs.unknown):
        note += (
            f" Values marked {placeholder.Kind.SETTING.label} stand in for settings the stack "
            "file lacks."
        )
    return f"Values from {outputs.source}; the datastore is `{outputs['datastoreName']}`.{note}"


def markdown(outputs: StackOutputs) -> str:
    lines = ["# Fabric connection sheet", "", _intro(outputs), ""]
    screen = None
    for entry in entries(outputs):
        if entry.screen != screen:
            screen = entry.screen
            lines += ["", f"## {screen}", "", "| field | value |", "|---|---|"]
        lines.append(f"| {entry.field} | `{entry.value}` |")
    return "\n".join(lines) + "\n"


def page(outputs: StackOutputs) -> str:
    rows = []
    screen = None
    for entry in entries(outputs):
        if entry.screen != screen:
            screen = entry.screen
            rows.append(f'<tr><th colspan="2">{html.escape(screen)}</th></tr>')
        rows.append(
            f"<tr><td>{html.escape(entry.field)}</td>"
            f"<td><code>{html.escape(entry.value)}</code></td></tr>"
        )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Fabric connection sheet</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}"
        "table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #ccc;padding:.4rem .6rem;text-align:left;vertical-align:top}"
        "th{background:#f0f3f7}code{word-break:break-all}</style></head><body>"
        f"<h1>Fabric connection sheet</h1><p>{html.escape(_intro(outputs))}</p>"
        f"<table>{''.join(rows)}</table></body></html>\n"
    )
