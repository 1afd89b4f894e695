"""`fabml:datastore`: the datastore Fabric's URIs name (settings; no Pulumi import)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infra.components.config import Section


class DatastoreConfig(Section):
    """`fabml:datastore`: the datastore Fabric's URIs name."""

    name: str = Field(
        default="trusted_blob",
        pattern=r"^[a-zA-Z0-9_]{1,255}$",
        description="Datastore name the Fabric pipeline's URIs use (letters, digits, underscores).",
    )
    auth: Literal["identity", "accountKey"] = Field(
        default="identity",
        description="identity: no stored credential, jobs use the caller's and the compute's "
        "identities. accountKey (not in prod): the account key is stored in the datastore "
        "(a Pulumi secret) and the data lake keeps shared-key access on.",
    )
