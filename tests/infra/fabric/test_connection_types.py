"""The one connection-type check every connection goes through, against the Fabric stand-in."""

from __future__ import annotations

import re

import pytest

from infra.clients.fabric import FabricClient
from infra.fabric.connection_types import ConnectionTypeError, check_connection_type
from infra.fabric.requests import ADLS_CONNECTION_TYPE, ADLS_PARAMETERS
from tests.infra.fabric.conftest import FakeFabric, connection_type

Fabric = tuple[FakeFabric, FabricClient, list[float]]


def test_passes_on_a_spec_valid_answer_across_pages(fabric: Fabric) -> None:
    fake, client, _ = fabric
    fake.page_size = 1  # four pages, whose continuationUri points elsewhere, as in the spec
    offered = check_connection_type(
        client,
        ADLS_CONNECTION_TYPE,
        ADLS_CONNECTION_TYPE,
        ADLS_PARAMETERS,
        "ServicePrincipal",
        None,
    )
    assert offered.skip_test is True  # the type supports it, and None asked for "if supported"
    assert offered.metadata["type"] == ADLS_CONNECTION_TYPE
    pages = [path for method, path, _ in fake.requests if "supportedConnectionTypes" in path]
    assert len(pages) == 2  # the type is on the second page: no more pages are read
    assert pages[1].endswith("showAllCreationMethods=true&continuationToken=1")
    assert fake.problems == []  # requests and answers both fit the spec


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("AzureDataLakeStorageGen2", "x", (), "ServicePrincipal", None),
            "Fabric offers no connection type 'AzureDataLakeStorageGen2'; it offers: "
            "AzureDataLakeStorage, AzureMachineLearning, SQL, Web",
        ),
        (
            (ADLS_CONNECTION_TYPE, "AzureDataLakeStorageGen2", (), "ServicePrincipal", None),
            "has no creation method 'AzureDataLakeStorageGen2'; Fabric offers: "
            "AzureDataLakeStorage(server:Text, path:Text)",
        ),
        (
            (ADLS_CONNECTION_TYPE, ADLS_CONNECTION_TYPE, ("server", "url"), "Key", None),
            "no parameter(s) url; required parameter(s) path not sent. Fabric offers: "
            "AzureDataLakeStorage(server:Text, path:Text)",
        ),
        (
            ("SQL", "SQL", ("server",), "WorkspaceIdentity", None),
            "no credential type 'WorkspaceIdentity' (offers Basic, OAuth2)",
        ),
        (
            ("SQL", "SQL", ("server", "database"), "Basic", True),
            "skipTestConnection is not supported. Fabric offers: SQL(server:Text, database?:Text)",
        ),
    ],
)
def test_fails_listing_what_fabric_offers(fabric: Fabric, arguments: tuple, message: str) -> None:
    _, client, _ = fabric
    with pytest.raises(ConnectionTypeError, match=re.escape(message)):
        check_connection_type(client, *arguments)


def test_a_type_that_cannot_skip_the_test_is_tested_instead(fabric: Fabric) -> None:
    fake, client, _ = fabric
    fake.supported_types = [connection_type("SQL", {"server": True}, ["Basic"], False)]
    assert check_connection_type(client, "SQL", "SQL", ["server"], "Basic", None).skip_test is False
