"""The heart-classifier MLflow model: its files uploaded and registered in the workspace."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import storage

from infra.components.context import StackContext
from infra.components.model.config import MODEL_CONTAINER, MODEL_DATASTORE, ModelConfig, model_files
from infra.components.workspace.component import MlWorkspace


class RegisteredModel(pulumi.ComponentResource):
    version: ml.ModelVersion

    def __init__(
        self,
        name: str,
        config: ModelConfig,
        ctx: StackContext,
        *,
        workspace: MlWorkspace,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fabml:model:RegisteredModel", name, None, opts)
        workspace_name = workspace.workspace.name
        workspace_storage_name = workspace.storage.name
        prefix = f"{config.name}/{config.version}"

        self.container = storage.BlobContainer(
            f"{name}-container",
            container_name=MODEL_CONTAINER,
            account_name=workspace_storage_name,
            resource_group_name=ctx.resource_group_name,
            public_access=storage.PublicAccess.NONE,
            opts=ctx.child(self),
        )
        folder = config.folder
        self.blobs = [
            storage.Blob(
                f"{name}-file-{path.relative_to(folder).as_posix().replace('/', '-')}",
                blob_name=f"{prefix}/{path.relative_to(folder).as_posix()}",
                container_name=self.container.name,
                account_name=workspace_storage_name,
                resource_group_name=ctx.resource_group_name,
                type=storage.BlobType.BLOCK,
                source=pulumi.FileAsset(str(path)),
                opts=ctx.child(self),
            )
            for path in model_files(folder)
        ]

        # Credential-less: whoever reads the model (the compute identity) uses its own role.
        self.datastore = ml.Datastore(
            f"{name}-datastore",
            name=MODEL_DATASTORE,
            workspace_name=workspace_name,
            resource_group_name=ctx.resource_group_name,
            properties=ml.AzureBlobDatastoreArgs(
                datastore_type="AzureBlob",
                account_name=workspace_storage_name,
                container_name=self.container.name,
                endpoint="core.windows.net",
                protocol="https",
                credentials=ml.NoneDatastoreCredentialsArgs(credentials_type="None"),
                description="Registered model artifacts uploaded by Pulumi.",
            ),
            opts=ctx.child(self),
        )

        self.container_asset = ml.ModelContainer(
            f"{name}-registration",
            name=config.name,
            workspace_name=workspace_name,
            resource_group_name=ctx.resource_group_name,
            properties=ml.ModelContainerPropertiesArgs(
                description="Heart disease classifier (scikit-learn pipeline, MLflow format).",
                tags=ctx.tags,
            ),
            opts=ctx.child(self),
        )

        model_uri = pulumi.Output.all(
            ctx.subscription_id, ctx.resource_group_name, workspace_name, self.datastore.name
        ).apply(
            lambda p: (
                f"azureml://subscriptions/{p[0]}/resourcegroups/{p[1]}/workspaces/{p[2]}"
                f"/datastores/{p[3]}/paths/{prefix}/"
            )
        )
        self.version = ml.ModelVersion(
            f"{name}-version",
            name=self.container_asset.name,
            version=config.version,
            workspace_name=workspace_name,
            resource_group_name=ctx.resource_group_name,
            properties=ml.ModelVersionPropertiesArgs(
                model_type="mlflow_model",
                model_uri=model_uri,
                description=f"MLflow model folder {config.path}",
                tags=ctx.tags,
            ),
            # Registration points at the uploaded files: they must exist first.
            opts=ctx.child(self, depends_on=self.blobs),
        )

        self.register_outputs({"modelVersionId": self.version.id, "modelUri": model_uri})
