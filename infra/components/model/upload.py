"""Uploads the model's files with Entra ID, for a workspace storage with shared key off.

azure-native's `storage.Blob` signs with the account key, which a locked workspace storage
(prod) refuses. This dynamic resource puts the same blobs as the deploying identity (which
gets Storage Blob Data Contributor on the model container), through `infra.clients.blob`.
State holds each file's SHA-256, so a changed file is uploaded again; `refresh` drops blobs
that are gone, so the next `up` puts them back.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from infra.clients.blob import BlobClient
from infra.project import REPO_ROOT


def file_hashes(folder: Path, files: list[Path], prefix: str) -> dict[str, dict[str, str]]:
    """Blob name -> the file (relative to the repository root, so state is the same on every
    machine) and its hash."""
    return {
        f"{prefix}/{path.relative_to(folder).as_posix()}": {
            "path": path.relative_to(REPO_ROOT).as_posix(),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
        for path in files
    }


def _hashes(files: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: entry["sha256"] for name, entry in files.items()}


class ModelUploadProvider(ResourceProvider):
    """Kept free of module state: it is pickled into the stack's state."""

    def __init__(self, client: BlobClient | None = None) -> None:
        self._client = client

    def _blob(self, props: dict[str, Any]) -> BlobClient:
        return self._client or BlobClient(endpoint=props["blob_endpoint"])

    def _upload(self, props: dict[str, Any], names: list[str]) -> None:
        client = self._blob(props)
        for name in names:
            data = (REPO_ROOT / props["files"][name]["path"]).read_bytes()
            client.put(props["container"], name, data)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._upload(props, sorted(props["files"]))
        return CreateResult(id_=f"{props['blob_endpoint']}/{props['container']}", outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        moved = [k for k in ("blob_endpoint", "container") if olds.get(k) != news.get(k)]
        changed = moved or _hashes(olds.get("files") or {}) != _hashes(news["files"])
        return DiffResult(changes=bool(changed), replaces=moved, delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old = _hashes(olds.get("files") or {})
        self._upload(news, sorted(n for n, h in _hashes(news["files"]).items() if old.get(n) != h))
        client = self._blob(news)
        for name in sorted(set(old) - set(news["files"])):
            client.delete(news["container"], name)
        return UpdateResult(outs=news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self._blob(props)
        present = {
            name: entry
            for name, entry in (props.get("files") or {}).items()
            if client.exists(props["container"], name)
        }
        return ReadResult(id_=id_, outs={**props, "files": present})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        client = self._blob(props)
        for name in sorted(props.get("files") or {}):
            client.delete(props["container"], name)


class ModelUpload(Resource, module="model", name="ModelUpload"):
    def __init__(
        self,
        name: str,
        *,
        blob_endpoint: pulumi.Input[str],
        container: pulumi.Input[str],
        files: dict[str, dict[str, str]],
        deployer_network: str = "ipRanges",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # deployer_network (fabml:workspace.deployerNetwork) only informs the plan's access
        # map of how the deployer reaches the account; `diff` ignores it.
        super().__init__(
            ModelUploadProvider(),
            name,
            {
                "blob_endpoint": blob_endpoint,
                "container": container,
                "files": files,
                "deployer_network": deployer_network,
            },
            opts,
        )
