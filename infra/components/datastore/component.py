"""The Azure ML datastore over the shared container: the name Fabric's pipeline URIs use."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import storage

from infra.components.context import StackContext
from infra.components.data_lake.component import DataLake
from infra.components.datastore.config import DatastoreConfig
from infra.components.workspace.component import MlWorkspace


class FabricDatastore(pulumi.ComponentResource):
    datastore: ml.Datastore

    def __init__(
        self,
        name: str,
        config: DatastoreConfig,
        ctx: StackContext,
        *,
        workspace: MlWorkspace,
        lake: DataLake,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fabml:datastore:FabricDatastore", name, None, opts)
        account_name = lake.account.name

        if config.auth == "accountKey":
            keys = storage.list_storage_account_keys_output(
                account_name=account_name, resource_group_name=ctx.resource_group_name
            )
            key = pulumi.Output.secret(keys.keys[0].value)
            credentials: ml.AccountKeyDatastoreCredentialsArgs | ml.NoneDatastoreCredentialsArgs = (
                ml.AccountKeyDatastoreCredentialsArgs(
                    credentials_type="AccountKey",
                    secrets=ml.AccountKeyDatastoreSecretsArgs(secrets_type="AccountKey", key=key),
                )
            )
        else:
            credentials = ml.NoneDatastoreCredentialsArgs(credentials_type="None")

        # AzureBlob, not AzureDataLakeGen2: batch endpoints write outputs only to blob
        # datastores, and every ADLS Gen2 account is also a blob account.
        self.datastore = ml.Datastore(
            f"{name}-datastore",
            name=config.name,
            workspace_name=workspace.workspace.name,
            resource_group_name=ctx.resource_group_name,
            properties=ml.AzureBlobDatastoreArgs(
                datastore_type="AzureBlob",
                account_name=account_name,
                container_name=lake.container.name,
                endpoint="core.windows.net",
                protocol="https",
                credentials=credentials,
                description="The Fabric data lake container: scoring inputs and predictions.",
                tags=ctx.tags,
            ),
            opts=ctx.child(self),
        )

        self.register_outputs({"datastoreName": self.datastore.name})
