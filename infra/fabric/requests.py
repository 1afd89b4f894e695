"""Fabric REST request bodies: one definition for the kit's files and the resources' calls.

Shapes follow the Fabric REST OpenAPI (connections: CreateCloudConnectionRequest; shortcuts:
CreateShortcutRequest with an adlsGen2 target; workspaces: AddWorkspaceRoleAssignmentRequest;
data pipelines: CreateDataPipelineRequest with a base64 pipeline-content.json part).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlparse

# Fabric's connection types, creation methods and parameter names, checked against
# `supportedConnectionTypes` before each create (infra/fabric/connection_types.py). The Azure ML
# ones are not published: the check lists what Fabric offers if they differ (README).
ADLS_CONNECTION_TYPE = "AzureDataLakeStorage"
ADLS_PARAMETERS = ("server", "path")
ML_CONNECTION_TYPE = "AzureMachineLearning"
ML_PARAMETERS = ("subscriptionId", "resourceGroupName", "workspaceName")
# The Web connector's type and creation method; checked against the tenant's list on deploy.
WEB_CONNECTION_TYPE = "Web"
WEB_URL_PARAMETER = "url"
SECRET_PLACEHOLDER = "<client secret: never written to files>"


def connection_names(stack: str) -> tuple[str, str]:
    """Display names of the stack's data lake and Azure ML connections (the automation adopts
    a connection of that name; the sheet tells a clicking user to use them)."""
    return f"fabml-{stack}-data-lake", f"fabml-{stack}-azureml"


def adls_path(container: str, path: str | None = None) -> str:
    """The ADLS connection's `path`: the setting, or the container as public samples write it."""
    return path or f"/{container}"


def cloud_connection(
    display_name: str,
    type_name: str,
    parameters: dict[str, str],
    credential: str,
    *,
    tenant_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    skip_test: bool = False,
) -> dict[str, Any]:
    """A CreateCloudConnectionRequest whose creation method is named like its type."""
    if credential == "ServicePrincipal":
        credentials: dict[str, Any] = {
            "credentialType": "ServicePrincipal",
            "tenantId": tenant_id,
            "servicePrincipalClientId": client_id,
            "servicePrincipalSecret": client_secret or SECRET_PLACEHOLDER,
        }
    else:
        credentials = {"credentialType": "WorkspaceIdentity"}
    return {
        "connectivityType": "ShareableCloud",
        "displayName": display_name,
        "connectionDetails": {
            "type": type_name,
            "creationMethod": type_name,
            "parameters": [
                {"dataType": "Text", "name": name, "value": value}
                for name, value in parameters.items()
            ],
        },
        "privacyLevel": "Organizational",
        "credentialDetails": {
            "singleSignOnType": "None",
            "connectionEncryption": "NotEncrypted",
            "skipTestConnection": skip_test,
            "credentials": credentials,
        },
    }


def adls_connection(
    display_name: str,
    dfs_url: str,
    path: str,
    credential: str,
    **credentials: Any,
) -> dict[str, Any]:
    server, folder = ADLS_PARAMETERS
    return cloud_connection(
        display_name,
        ADLS_CONNECTION_TYPE,
        {server: dfs_url.rstrip("/"), folder: path},
        credential,
        **credentials,
    )


def ml_connection(
    display_name: str,
    subscription_id: str,
    resource_group: str,
    workspace_name: str,
    credential: str,
    **credentials: Any,
) -> dict[str, Any]:
    values = (subscription_id, resource_group, workspace_name)
    return cloud_connection(
        display_name,
        ML_CONNECTION_TYPE,
        dict(zip(ML_PARAMETERS, values, strict=True)),
        credential,
        **credentials,
    )


def shortcut(name: str, dfs_url: str, container: str, folder: str, connection_id: str) -> dict:
    account = urlparse(dfs_url)
    return {
        "path": "Files",
        "name": name,
        "target": {
            "adlsGen2": {
                # The dfs endpoint: trusted workspace access works only through it.
                "location": f"{account.scheme}://{account.netloc}",
                "subpath": f"/{container}/{folder.strip('/')}",
                "connectionId": connection_id,
            }
        },
    }


def role_assignment(
    principal_id: str, role: str, principal_type: str = "ServicePrincipal"
) -> dict[str, Any]:
    """A workspace or connection role assignment (the same shape for both)."""
    return {"principal": {"id": principal_id, "type": principal_type}, "role": role}


def pipeline_item(display_name: str, content: dict[str, Any]) -> dict[str, Any]:
    payload = base64.b64encode(json.dumps(content, indent=2).encode()).decode()
    return {
        "displayName": display_name,
        "description": "Scores lakehouse data with the Azure ML batch endpoint (fabml).",
        "definition": {
            "parts": [
                {"path": "pipeline-content.json", "payload": payload, "payloadType": "InlineBase64"}
            ]
        },
    }


def dataflow_item(display_name: str, parts: dict[str, str]) -> dict[str, Any]:
    """CreateDataflowRequest: the definition's parts (queryMetadata.json, mashup.pq, .platform)."""
    return {
        "displayName": display_name,
        "description": "Scores rows with the Fabric ML model endpoint (fabml).",
        "definition": {
            "parts": [
                {
                    "path": path,
                    "payload": base64.b64encode(text.encode()).decode(),
                    "payloadType": "InlineBase64",
                }
                for path, text in parts.items()
            ]
        },
    }


def web_connection(display_name: str, url: str) -> dict[str, Any]:
    """A Web connection the Dataflow's Web.Contents calls bind to.

    Anonymous: the M sends its own Authorization header (Web.Contents accepts one only with
    anonymous credentials), so the connection holds no secret. Organizational privacy: the
    token from one host may flow to the other within the organization. The test on creation is
    skipped because neither base URL answers a plain GET with success.
    """
    return {
        "connectivityType": "ShareableCloud",
        "displayName": display_name,
        "connectionDetails": {
            "type": WEB_CONNECTION_TYPE,
            "creationMethod": WEB_CONNECTION_TYPE,
            "parameters": [{"dataType": "Text", "name": WEB_URL_PARAMETER, "value": url}],
        },
        "privacyLevel": "Organizational",
        "credentialDetails": {
            "singleSignOnType": "None",
            "connectionEncryption": "NotEncrypted",
            "skipTestConnection": True,
            "credentials": {"credentialType": "Anonymous"},
        },
    }
