"""Blob uploads with Entra ID: for storage accounts whose shared-key access is off.

On the one HTTP stack (`infra.clients.http`): the process's credential with the Storage
scope, retries, timeouts, the token only to the account's own origin. Put Blob and Delete
Blob (Blob service REST, x-ms-version 2023-11-03); a single Put Blob takes up to 5000 MiB,
far more than an MLflow model folder's files.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from infra.clients import http
from infra.errors import UserError

STORAGE_SCOPE = "https://storage.azure.com/.default"
VERSION = "2023-11-03"
# A role assignment made in the same `up` takes minutes to reach the storage data plane;
# until then Put Blob answers 403 AuthorizationPermissionMismatch.
ROLE_WAIT_SECONDS = 600.0
ROLE_POLL_SECONDS = 15.0


class BlobError(UserError):
    """A blob call failed; the message names the call and the service's error code."""


@dataclass
class BlobClient(http.ServiceClient):
    endpoint: str  # https://<account>.blob.core.windows.net
    token: Callable[[str], str] | None = None
    sleep: Callable[[float], None] | None = None
    role_wait_seconds: float = ROLE_WAIT_SECONDS

    def _build(self) -> Any:
        return http.pipeline(
            self.endpoint,
            STORAGE_SCOPE,
            http.credential_of(self.credential, self.token),
            sleep=self.sleep,
            read_timeout=self.read_timeout,
        )

    def _url(self, container: str, name: str) -> str:
        return f"{self.endpoint.rstrip('/')}/{quote(container)}/{quote(name)}"

    def _call(self, method: str, url: str, headers: dict[str, str], content: bytes | None):
        return http.response_of(
            http.send(
                self.pipeline,
                method,
                url,
                error=BlobError,
                headers={"x-ms-version": VERSION, **headers},
                content=content,
            )
        )

    def put(self, container: str, name: str, data: bytes) -> None:
        url = self._url(container, name)
        headers = {"x-ms-blob-type": "BlockBlob", "Content-Type": "application/octet-stream"}
        deadline = time.monotonic() + self.role_wait_seconds
        while True:
            response = self._call("PUT", url, headers, data)
            if response.status in (200, 201):
                return
            code = response.headers.get("x-ms-error-code", "")
            # A role not yet in effect; a firewall refusal (AuthorizationFailure) is final.
            pending = response.status == 403 and code == "AuthorizationPermissionMismatch"
            if pending and time.monotonic() < deadline:
                http.wait(self.pipeline, ROLE_POLL_SECONDS)  # the new role is on its way
                continue
            raise BlobError(
                f"PUT {url}: HTTP {response.status} {code}: the deploying identity needs "
                "Storage Blob Data Contributor on the container and a network the account "
                "admits (fabml:workspace.deployerIpRanges)"
            )

    def exists(self, container: str, name: str) -> bool:
        response = self._call("HEAD", self._url(container, name), {}, None)
        if response.status in (200, 404):
            return response.status == 200
        raise BlobError(f"HEAD {self._url(container, name)}: HTTP {response.status}")

    def delete(self, container: str, name: str) -> None:
        response = self._call("DELETE", self._url(container, name), {}, None)
        if response.status not in (202, 404):
            raise BlobError(f"DELETE {self._url(container, name)}: HTTP {response.status}")
