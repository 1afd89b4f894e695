"""The model folder is uploaded and registered as an MLflow model version."""

from fabml.plan.plan import Plan
from infra.components.model.config import model_files
from infra.settings import REPO_ROOT


def test_every_model_file_is_uploaded_under_the_version(defaults: Plan) -> None:
    folder = REPO_ROOT / "model" / "heart-classifier"
    expected = {
        f"heart-classifier/1/{p.relative_to(folder).as_posix()}" for p in model_files(folder)
    }
    blobs = defaults.of_type("azure-native:storage:Blob")
    assert {b.input("blobName") for b in blobs} == expected
    assert "heart-classifier/1/MLmodel" in expected
    workspace_storage = defaults.named("ml-storage").input("accountName")
    assert {b.input("accountName") for b in blobs} == {workspace_storage}


def test_version_is_an_mlflow_model_pointing_at_the_upload(defaults: Plan) -> None:
    version = defaults.named("model-version")
    assert version.input("name") == "heart-classifier"
    assert version.input("version") == "1"
    assert version.input("properties.modelType") == "mlflow_model"
    uri = version.input("properties.modelUri")
    assert uri.startswith("azureml://subscriptions/<subscriptionId>/resourcegroups/rg-fabml-dev/")
    assert uri.endswith("/datastores/model_artifacts/paths/heart-classifier/1/")
    # Registration must wait for the files it points at.
    for blob in defaults.of_type("azure-native:storage:Blob"):
        assert blob.urn in version.dependencies


def test_model_datastore_is_credential_less(defaults: Plan) -> None:
    datastore = defaults.named("model-datastore")
    assert datastore.input("properties.credentials") == {"credentialsType": "None"}
    assert datastore.input("properties.containerName") == "models"


def test_version_setting_moves_the_upload(maximum: Plan) -> None:
    assert maximum.named("model-version").input("version") == "7"
    assert all(
        b.input("blobName").startswith("heart-classifier/7/")
        for b in maximum.of_type("azure-native:storage:Blob")
    )
