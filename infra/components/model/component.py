"""The heart-classifier MLflow model: its files uploaded and registered in the workspace."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, storage
from pulumi_azure_native import machinelearningservices as ml

from infra.components.context import StackContext
from infra.components.model.config import MODEL_CONTAINER, MODEL_DATASTORE, ModelConfig, model_files
from infra.components.model.upload import ModelUpload, file_hashes
from infra.components.roles import STORAGE_BLOB_DATA_CONTRIBUTOR, grant
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
        self.blobs: list[pulumi.Resource]
        if workspace.config.locked:
            # The locked workspace storage refuses shared keys, which storage.Blob signs with:
            # the deploying identity uploads with Entra ID instead, holding a data role on the
            # model container only (the account admits it from fabml:workspace.deployerIpRanges,
            # or the deployer comes in by its own private endpoint: deployerNetwork).
            deployer = grant(
                f"{name}-deployer-upload-access",
                scope=self.container.id,
                principal_id=authorization.get_client_config_output().object_id,
                role_definition_id=ctx.role_definition_id(STORAGE_BLOB_DATA_CONTRIBUTOR),
                description="fabml: the deploying identity uploads the model files",
                parent=self,
                principal_type=workspace.config.deployer_principal_type,
            )
            self.blobs = [
                ModelUpload(
                    f"{name}-files",
                    # The public cloud's blob endpoint of the account (not its output, which
                    # is unknown until the account exists and absent from the offline plan).
                    blob_endpoint=f"https://{ctx.names.workspace_storage}.blob.core.windows.net",
                    container=MODEL_CONTAINER,
                    files=file_hashes(folder, model_files(folder), prefix),
                    deployer_network=workspace.config.deployer_network,
                    opts=ctx.child(self, depends_on=[self.container, deployer]),
                )
            ]
        else:
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
