"""The Entra ID model upload against a local Blob service stand-in on 127.0.0.1.

The stand-in answers as the Blob service does (REST, x-ms-version 2023-11-03) for an account
whose shared-key access is off: a SharedKey signature is refused (403 KeyBasedAuthentication
NotPermitted), a bearer token for the Storage scope is required, Put Blob needs
`x-ms-blob-type`; a role not in effect yet answers 403 AuthorizationPermissionMismatch, a
firewall that does not admit the caller 403 AuthorizationFailure; Delete Blob answers 202, or
404 BlobNotFound.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from infra.clients.blob import STORAGE_SCOPE, BlobClient, BlobError
from infra.components.model.config import ModelConfig, model_files
from infra.components.model.upload import ModelUploadProvider, file_hashes
from tests.local_server import JsonHandler, serving


class FakeBlobService:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.pending_role = 0  # PUTs answered 403 before the role takes effect
        self.firewall_denies = False
        self.calls: list[tuple[str, str]] = []


def _handler(service: FakeBlobService) -> type[JsonHandler]:
    class Handler(JsonHandler):
        def _refused(self) -> bool:
            auth = self.headers.get("Authorization", "")
            if auth.startswith("SharedKey"):
                self._error(403, "KeyBasedAuthenticationNotPermitted")
            elif auth != "Bearer storage-token":
                self._error(401, "NoAuthenticationInformation")
            elif self.headers.get("x-ms-version") != "2023-11-03":
                self._error(400, "MissingRequiredHeader")
            elif service.firewall_denies:
                self._error(403, "AuthorizationFailure")
            else:
                return False
            return True

        def _error(self, status: int, code: str) -> None:
            self.send_response(status)
            self.send_header("x-ms-error-code", code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_PUT(self) -> None:
            service.calls.append(("PUT", self.path))
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self._refused():
                return
            if self.headers.get("x-ms-blob-type") != "BlockBlob":
                self._error(400, "MissingRequiredHeader")
            elif service.pending_role:
                service.pending_role -= 1
                self._error(403, "AuthorizationPermissionMismatch")
            else:
                service.blobs[self.path] = data
                self.send_json(201)

        def do_HEAD(self) -> None:
            service.calls.append(("HEAD", self.path))
            if not self._refused():
                self._error(200 if self.path in service.blobs else 404, "")

        def do_DELETE(self) -> None:
            service.calls.append(("DELETE", self.path))
            if self._refused():
                return
            if service.blobs.pop(self.path, None) is None:
                self._error(404, "BlobNotFound")
            else:
                self.send_json(202)

    return Handler


@pytest.fixture
def service() -> Iterator[tuple[FakeBlobService, str]]:
    fake = FakeBlobService()
    with serving(_handler(fake)) as url:
        yield fake, url


def _provider(url: str, sleeps: list[float] | None = None) -> ModelUploadProvider:
    def token(scope: str) -> str:
        assert scope == STORAGE_SCOPE
        return "storage-token"

    recorded = sleeps if sleeps is not None else []
    client = BlobClient(endpoint=url, token=token, sleep=recorded.append, role_wait_seconds=60)
    return ModelUploadProvider(client)


def _props(url: str, files: dict[str, Any] | None = None) -> dict[str, Any]:
    folder = ModelConfig().folder
    return {
        "blob_endpoint": url,
        "container": "models",
        "files": files or file_hashes(folder, model_files(folder), "heart-classifier/1"),
    }


def test_uploads_every_model_file_with_a_bearer_token(service: tuple[FakeBlobService, str]) -> None:
    fake, url = service
    props = _props(url)
    result = _provider(url).create(props)
    folder = ModelConfig().folder
    assert set(fake.blobs) == {f"/models/{name}" for name in props["files"]}
    assert fake.blobs["/models/heart-classifier/1/MLmodel"] == (folder / "MLmodel").read_bytes()
    assert result.outs == props
    assert all(not Path(e["path"]).is_absolute() for e in props["files"].values())


def test_waits_for_a_new_role_but_not_for_a_closed_firewall(
    service: tuple[FakeBlobService, str],
) -> None:
    fake, url = service
    fake.pending_role = 2
    sleeps: list[float] = []
    _provider(url, sleeps).create(_props(url))
    assert len(sleeps) == 2
    fake.blobs.clear()
    fake.firewall_denies = True
    with pytest.raises(BlobError, match="AuthorizationFailure.*deployerIpRanges"):
        _provider(url).create(_props(url))


def test_a_changed_file_is_uploaded_again_and_a_removed_one_deleted(
    service: tuple[FakeBlobService, str],
) -> None:
    fake, url = service
    provider = _provider(url)
    olds = _props(url)
    provider.create(olds)
    assert not provider.diff("id", olds, _props(url)).changes
    news = _props(url)
    news["files"] = {k: v for k, v in news["files"].items() if not k.endswith("MLmodel")}
    news["files"]["heart-classifier/1/conda.yaml"] = {
        **news["files"]["heart-classifier/1/conda.yaml"],
        "sha256": "changed",
    }
    diff = provider.diff("id", olds, news)
    assert diff.changes
    assert not diff.replaces
    fake.calls.clear()
    provider.update("id", olds, news)
    assert fake.calls == [
        ("PUT", "/models/heart-classifier/1/conda.yaml"),
        ("DELETE", "/models/heart-classifier/1/MLmodel"),
    ]
    assert provider.diff("id", olds, {**olds, "container": "other"}).replaces == ["container"]


Uploaded = tuple[FakeBlobService, ModelUploadProvider, dict[str, Any]]


@pytest.fixture
def uploaded(service: tuple[FakeBlobService, str]) -> Uploaded:
    """The model's files uploaded once: the service, the provider and the props it took."""
    fake, url = service
    provider = _provider(url)
    props = _props(url)
    provider.create(props)
    return fake, provider, props


def test_refresh_drops_missing_blobs_so_the_next_up_restores_them(uploaded: Uploaded) -> None:
    fake, provider, props = uploaded
    del fake.blobs["/models/heart-classifier/1/model.pkl"]
    refreshed = provider.read("id", props).outs
    assert refreshed is not None
    assert "heart-classifier/1/model.pkl" not in refreshed["files"]
    assert provider.diff("id", refreshed, props).changes
    provider.update("id", refreshed, props)
    assert "/models/heart-classifier/1/model.pkl" in fake.blobs


def test_delete_removes_the_files_and_tolerates_missing_ones(uploaded: Uploaded) -> None:
    fake, provider, props = uploaded
    del fake.blobs["/models/heart-classifier/1/MLmodel"]
    provider.delete("id", props)
    assert fake.blobs == {}


def test_prod_uploads_with_entra_and_grants_the_deployer_the_container_only(waf_aligned) -> None:
    upload = waf_aligned.named("model-files")
    container = waf_aligned.named("model-container")
    storage = waf_aligned.named("ml-storage").input("accountName")
    assert upload.inputs["blob_endpoint"] == f"https://{storage}.blob.core.windows.net"
    assert upload.inputs["container"] == container.input("containerName")
    grant = waf_aligned.named("model-deployer-upload-access")
    assert grant.input("scope").endswith("/blobServices/default/containers/models")
    assert grant.input("roleDefinitionId").endswith("ba92f5b4-2d11-453d-a403-e96b0029c9fe")
    assert grant.input("principalType") == "ServicePrincipal"
    assert grant.urn in upload.dependencies
    assert upload.urn in waf_aligned.named("model-version").dependencies
    assert not [r for r in waf_aligned.resources if r.type == "azure-native:storage:Blob"]


def test_dev_keeps_the_azure_native_blobs(defaults) -> None:
    assert not [r for r in defaults.resources if r.name == "model-files"]
    assert [r for r in defaults.resources if r.type == "azure-native:storage:Blob"]


def test_the_provider_pickles_without_a_client() -> None:
    # Pulumi stores a dynamic provider in the state; it must not carry a live pipeline.
    assert serialize_provider(ModelUploadProvider())
