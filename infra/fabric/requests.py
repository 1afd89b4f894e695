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

# Fabric's connection type and creation method for ADLS Gen2 (ListSupportedConnectionTypes).
ADLS_CONNECTION_TYPE = "AzureDataLakeStorage"
# The Web connector's type and creation method; checked against the tenant's list on deploy.
WEB_CONNECTION_TYPE = "Web"
WEB_URL_PARAMETER = "url"
SECRET_PLACEHOLDER = "<client secret: never written to files>"


def adls_connection(
    display_name: str,
    dfs_url: str,
    container: str,
    credential: str,
    *,
    tenant_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> dict[str, Any]:
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
            "type": ADLS_CONNECTION_TYPE,
            "creationMethod": ADLS_CONNECTION_TYPE,
            "parameters": [
                {"dataType": "Text", "name": "server", "value": dfs_url.rstrip("/")},
                {"dataType": "Text", "name": "path", "value": container},
            ],
        },
        "privacyLevel": "Organizational",
        "credentialDetails": {
            "singleSignOnType": "None",
            "connectionEncryption": "NotEncrypted",
            "skipTestConnection": False,
            "credentials": credentials,
        },
    }


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


def role_assignment(principal_id: str, role: str) -> dict[str, Any]:
    return {"principal": {"id": principal_id, "type": "ServicePrincipal"}, "role": role}


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
