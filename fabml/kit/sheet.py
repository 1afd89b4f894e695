"""The connection sheet: every value, and the Fabric screen and field it goes in."""

from __future__ import annotations

import html
from dataclasses import dataclass

from fabml.kit.options import KitOptions
from infra import placeholder
from infra.fabric.outputs import StackOutputs
from infra.fabric.pipeline import (
    ACTIVITY_NAME,
    ACTIVITY_TIMEOUT,
    ML_CONNECTION_PLACEHOLDER,
    RETRIES,
    RETRY_INTERVAL_SECONDS,
)
from infra.uris import output_location


@dataclass(frozen=True)
class Entry:
    screen: str
    field: str
    value: str


# Screens as Fabric's UI names them (Microsoft's "Use Fabric to access batch endpoints").
LAKE_CONNECTION = (
    "Lakehouse > Explorer > Files > More options > New shortcut > Azure Data Lake Storage Gen2 "
    "> Connection settings"
)
SHORTCUTS = "New shortcut > Azure Data Lake Storage Gen2 > (folders) > Create"
ML_CONNECTION = (
    "Pipeline > Azure Machine Learning activity > Settings > Azure Machine Learning connection "
    "> Browse all > Azure Machine Learning"
)
ACTIVITY = "Pipeline > Azure Machine Learning activity > Settings"
GENERAL = "Pipeline > Azure Machine Learning activity > General"
# The Authentication kind list's entries for the credentials the project supports.
AUTHENTICATION_KIND = {
    "ServicePrincipal": "Service principal",
    "WorkspaceIdentity": "Workspace identity",
}
SECRET = "the principal's client secret (fabml:fabricPrincipalSecret; not written here)"

# The Dataflow Gen2 route (Fabric ML model endpoint), in the Fabric UI's own words.
TENANT = "Admin portal > Tenant settings"
WORKSPACE_ACCESS = "Workspace > Manage access > Add people or groups"
WEB_CONNECTION = "Settings > Manage connections and gateways > New > Cloud"
DATAFLOW = "Dataflow Gen2 (fabml:fabric.dataflowName) > Home"


def _sign_in(screen: str, credential: str, outputs: StackOutputs) -> list[Entry]:
    entries = [Entry(screen, "Authentication kind", AUTHENTICATION_KIND[credential])]
    if credential == "ServicePrincipal":
        entries += [
            Entry(screen, "Tenant ID", outputs.shown("tenantId")),
            Entry(screen, "Service principal client ID", outputs.shown("servicePrincipalClientId")),
            Entry(screen, "Service principal Key", SECRET),
        ]
    return entries


def _ml_connection_id(options: KitOptions) -> str:
    if options.ml_connection_id:
        return options.ml_connection_id
    return (
        f"pipeline-content.json holds {ML_CONNECTION_PLACEHOLDER}: replace it with this "
        "connection's ID (Settings > Manage connections and gateways > the connection > "
        "Settings > Connection ID), or run `fabml fabric --ml-connection-id <ID>` again"
    )


def entries(outputs: StackOutputs, options: KitOptions) -> list[Entry]:
    o = outputs.shown
    container = outputs["dataContainerName"]
    input_folder = outputs["jobInputUri"].split("/paths/", 1)[-1]
    output_folder, output_file = output_location(outputs["jobOutputUriExpression"])
    inputs = f"{ACTIVITY} > Job inputs > input_data"
    job_outputs = f"{ACTIVITY} > Job outputs > output_data"
    settings = f"{ACTIVITY} > Job settings"
    return [
        Entry(LAKE_CONNECTION, "URL", o("storageDfsUrl")),
        Entry(LAKE_CONNECTION, "Connection", "Create new connection"),
        Entry(LAKE_CONNECTION, "Connection name", options.connection_name),
        *_sign_in(LAKE_CONNECTION, options.connection_credential, outputs),
        Entry(SHORTCUTS, "Folder for the scoring data", f"{container} > {input_folder}"),
        Entry(SHORTCUTS, "Its shortcut name", options.shortcut_name),
        Entry(SHORTCUTS, "Folder for the predictions", f"{container} > {output_folder}"),
        Entry(SHORTCUTS, "Its shortcut name", options.predictions_shortcut_name),
        Entry(
            SHORTCUTS,
            "Lakehouse path of a run's output",
            f"Files/{options.predictions_shortcut_name}/<pipeline run ID>/{output_file}",
        ),
        Entry(ML_CONNECTION, "Subscription ID", o("subscriptionId")),
        Entry(ML_CONNECTION, "Resource group name", o("resourceGroupName")),
        Entry(ML_CONNECTION, "Workspace name", o("workspaceName")),
        Entry(ML_CONNECTION, "Connection", "Create new connection"),
        Entry(ML_CONNECTION, "Connection name", options.ml_connection_name),
        *_sign_in(ML_CONNECTION, options.ml_connection_credential, outputs),
        Entry(ML_CONNECTION, "Connection ID", _ml_connection_id(options)),
        Entry(ACTIVITY, "Azure Machine Learning connection", options.ml_connection_name),
        Entry(ACTIVITY, "Endpoint type", "Batch endpoint"),
        Entry(ACTIVITY, "Batch endpoint", o("batchEndpointName")),
        Entry(ACTIVITY, "Batch deployment", o("batchDeploymentName")),
        Entry(inputs, "JobInputType", "UriFolder"),
        Entry(inputs, "Uri", o("jobInputUri")),
        Entry(job_outputs, "JobOutputType", "UriFile"),
        Entry(job_outputs, "Uri (Add dynamic content)", o("jobOutputUriExpression")),
        Entry(settings, "MiniBatchSize", o("jobMiniBatchSize")),
        Entry(settings, "ComputeInstanceCount", o("jobComputeInstanceCount")),
        Entry(GENERAL, "Name", ACTIVITY_NAME),
        Entry(GENERAL, "Timeout", ACTIVITY_TIMEOUT),
        Entry(GENERAL, "Retry", str(RETRIES)),
        Entry(GENERAL, "Retry interval (sec)", str(RETRY_INTERVAL_SECONDS)),
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


def markdown(outputs: StackOutputs, options: KitOptions) -> str:
    lines = ["# Fabric connection sheet", "", _intro(outputs), ""]
    screen = None
    for entry in entries(outputs, options):
        if entry.screen != screen:
            screen = entry.screen
            lines += ["", f"## {screen}", "", "| field | value |", "|---|---|"]
        lines.append(f"| {entry.field} | `{entry.value}` |")
    return "\n".join(lines) + "\n"


def page(outputs: StackOutputs, options: KitOptions) -> str:
    rows = []
    screen = None
    for entry in entries(outputs, options):
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
