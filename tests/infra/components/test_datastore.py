"""The datastore Fabric's pipeline names: AzureBlob over the shared container."""

from fabml.plan.plan import Plan


def test_identity_based_blob_datastore(defaults: Plan) -> None:
    datastore = defaults.named("datastore-datastore")
    props = datastore.inputs["properties"]
    assert datastore.input("name") == "trusted_blob"
    assert props["datastoreType"] == "AzureBlob"
    assert props["credentials"] == {"credentialsType": "None"}
    assert props["accountName"] == defaults.named("data-lake-account").input("accountName")
    assert props["containerName"] == "scoring"
    assert props["protocol"] == "https"
    assert datastore.secret_paths == []


def test_account_key_mode_keeps_the_key_secret(account_key: Plan) -> None:
    datastore = account_key.named("datastore-datastore")
    credentials = datastore.input("properties.credentials")
    assert credentials["credentialsType"] == "AccountKey"
    assert credentials["secrets"]["key"] == "[secret]"
    assert "properties.credentials.secrets.key" in datastore.secret_paths
    # The mock's key value never reaches the plan, in any form.
    account = account_key.named("data-lake-account").input("accountName")
    assert f"{account}.key1" not in account_key.to_json()
    assert datastore.input("name") == "fabric_lake"
