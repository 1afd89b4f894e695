"""`fabml fabric`: the kit's files are complete, correct and parse with the real checkers."""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from fabml.cli.main import main
from fabml.kit import sheet
from fabml.kit.kit import KitOptions, kit_files
from fabml.kit.outputs import OutputsError, from_file, from_plan
from fabml.plan.render import output_display, render_text
from fabml.plan.runner import plan_stack
from infra import placeholder
from infra.catalog import OUTPUT_NAMES
from infra.components.model.config import ModelConfig
from infra.fabric import dataflow, requests
from infra.fabric.pipeline import ML_CONNECTION_PLACEHOLDER
from infra.fabric.score_request import ScoreRequest, describe
from infra.model_signature import Column
from tests.conftest import SPECS
from tests.fabric_spec import FabricSpec
from tests.node_tools import NODE, NODE_MODULES, node_module

SPEC = FabricSpec()
DEPLOYED = {
    "subscriptionId": "aaaaaaaa-0000-4000-8000-000000000001",
    "resourceGroupName": "rg-fabml-dev",
    "workspaceName": "mlw-fabml-dev-377378",
    "batchEndpointName": "heart-classifier-dev-377378",
    "batchDeploymentName": "classifier-sklearn-mlflow",
    "scoringUri": "https://heart-classifier-dev-377378.swedencentral.inference.ml.azure.com/jobs",
    "tenantId": "aaaaaaaa-0000-4000-8000-000000000002",
    "servicePrincipalClientId": "aaaaaaaa-0000-4000-8000-000000000003",
    "storageAccountName": "stfabmldldev377378",
    "storageDfsUrl": "https://stfabmldldev377378.dfs.core.windows.net/",
    "dataContainerName": "scoring",
    "datastoreName": "trusted_blob",
    "jobInputUri": "azureml://datastores/trusted_blob/paths/heart-unlabeled",
    "jobOutputUriExpression": "@concat('azureml://datastores/trusted_blob/paths/predictions/', "
    "pipeline().RunId, '/predictions.csv')",
    "computeIdentityClientId": "aaaaaaaa-0000-4000-8000-000000000004",
    "jobMiniBatchSize": "2",
    "jobComputeInstanceCount": "1",
}


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(DEPLOYED))
    return path


def test_kit_from_deployed_outputs(outputs_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "kit"
    assert (
        main(
            [
                "fabric",
                "--stack",
                "dev",
                "--outputs",
                str(outputs_file),
                "--out",
                str(out),
                "--ml-connection-id",
                "aaaaaaaa-0000-4000-8000-000000000009",
            ]
        )
        == 0
    )
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert names == {
        "connection-sheet.md",
        "connection-sheet.html",
        "pipeline-content.json",
        "dataflow-score.pq",
        "dataflow-invoke.pq",
        "rest/create-connection.json",
        "rest/create-ml-connection.json",
        "rest/create-shortcut.json",
        "rest/create-predictions-shortcut.json",
        "rest/create-web-connection-entra.json",
        "rest/create-web-connection-fabric-api.json",
        "dataflow/mashup.pq",
        "dataflow/queryMetadata.json",
        "dataflow/.platform",
    }
    sheet = (out / "connection-sheet.md").read_text()
    for name in OUTPUT_NAMES:
        if name not in ("storageAccountName", "scoringUri", "computeIdentityClientId"):
            assert DEPLOYED[name].rstrip("/") in sheet, name
    assert "Job outputs > output_data" in sheet
    assert "&lt;" not in sheet
    page = (out / "connection-sheet.html").read_text()
    assert "@concat(&#x27;azureml://datastores/trusted_blob/paths/predictions/&#x27;" in page


def test_pipeline_definition_runs_the_batch_endpoint(outputs_file: Path) -> None:
    files = kit_files(from_file(outputs_file), KitOptions(ml_connection_id="c-1"))
    [activity] = json.loads(files["pipeline-content.json"])["properties"]["activities"]
    assert activity["type"] == "AzureMLExecutePipeline"
    assert activity["externalReferences"] == {"connection": "c-1"}
    props = activity["typeProperties"]
    assert props["mlBatchEndpointName"] == DEPLOYED["batchEndpointName"]
    assert props["jobInputs"]["input_data"] == {
        "JobInputType": "UriFolder",
        "Uri": DEPLOYED["jobInputUri"],
    }
    output = props["jobOutputs"]["output_data"]
    assert output["JobOutputType"] == "UriFile"
    assert output["Uri"] == {"value": DEPLOYED["jobOutputUriExpression"], "type": "Expression"}
    assert props["jobSettings"] == {"MiniBatchSize": "2", "ComputeInstanceCount": "1"}
    assert activity["policy"]["timeout"] == "0.02:00:00"


def test_no_two_attempts_share_an_output(outputs_file: Path) -> None:
    # A retry keeps pipeline().RunId: with retries, a second attempt would write where the
    # first did. One attempt per run, and every run's output path holds its own run ID.
    files = kit_files(from_file(outputs_file), KitOptions())
    [activity] = json.loads(files["pipeline-content.json"])["properties"]["activities"]
    assert activity["policy"]["retry"] == 0
    uri = activity["typeProperties"]["jobOutputs"]["output_data"]["Uri"]
    assert uri["type"] == "Expression"
    assert "pipeline().RunId" in uri["value"]


def test_without_a_connection_id_the_pipeline_names_a_clear_placeholder(
    outputs_file: Path,
) -> None:
    files = kit_files(from_file(outputs_file), KitOptions())
    [activity] = json.loads(files["pipeline-content.json"])["properties"]["activities"]
    assert activity["externalReferences"] == {"connection": ML_CONNECTION_PLACEHOLDER}
    # The sheet says what to put there, and how.
    for name in ("connection-sheet.md", "connection-sheet.html"):
        assert f"holds {ML_CONNECTION_PLACEHOLDER}: replace it with this connection" in files[name]
        assert "fabml fabric --ml-connection-id" in files[name]


def test_a_connection_id_that_is_not_a_guid_is_refused(
    outputs_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["fabric", "--outputs", str(outputs_file), "--out", str(tmp_path / "kit")]
    assert main([*args, "--ml-connection-id", "my-connection"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--ml-connection-id 'my-connection' is not a Fabric connection ID" in err
    assert not (tmp_path / "kit").exists()


SHEET_FIELDS = {
    sheet.LAKE_CONNECTION: {
        "URL": "https://stfabmldldev377378.dfs.core.windows.net/",
        "Connection": "Create new connection",
        "Connection name": "fabml-dev-data-lake",
        "Authentication kind": "Service principal",
        "Tenant ID": DEPLOYED["tenantId"],
        "Service principal client ID": DEPLOYED["servicePrincipalClientId"],
        "Service principal Key": sheet.SECRET,
    },
    sheet.SHORTCUTS: {
        "Folder for the scoring data": "scoring > heart-unlabeled",
        "Folder for the predictions": "scoring > predictions",
        "Lakehouse path of a run's output": "Files/heart-predictions/<pipeline run ID>/"
        "predictions.csv",
    },
    sheet.ML_CONNECTION: {
        "Subscription ID": DEPLOYED["subscriptionId"],
        "Resource group name": DEPLOYED["resourceGroupName"],
        "Workspace name": DEPLOYED["workspaceName"],
        "Connection": "Create new connection",
        "Connection name": "fabml-dev-azureml",
        "Authentication kind": "Service principal",
        "Tenant ID": DEPLOYED["tenantId"],
        "Service principal client ID": DEPLOYED["servicePrincipalClientId"],
        "Service principal Key": sheet.SECRET,
        "Connection ID": "aaaaaaaa-0000-4000-8000-000000000009",
    },
    sheet.ACTIVITY: {
        "Azure Machine Learning connection": "fabml-dev-azureml",
        "Endpoint type": "Batch endpoint",
        "Batch endpoint": DEPLOYED["batchEndpointName"],
        "Batch deployment": DEPLOYED["batchDeploymentName"],
    },
    f"{sheet.ACTIVITY} > Job inputs > input_data": {
        "JobInputType": "UriFolder",
        "Uri": DEPLOYED["jobInputUri"],
    },
    f"{sheet.ACTIVITY} > Job outputs > output_data": {
        "JobOutputType": "UriFile",
        "Uri (Add dynamic content)": DEPLOYED["jobOutputUriExpression"],
    },
    f"{sheet.ACTIVITY} > Job settings": {"MiniBatchSize": "2", "ComputeInstanceCount": "1"},
    sheet.GENERAL: {
        "Name": "Score with the batch endpoint",
        "Timeout": "0.02:00:00",
        "Retry": "0",
        "Retry interval (sec)": "120",
    },
}


def _rows(text: str, html_page: bool) -> set[tuple[str, str, str]]:
    """(screen, field, value) of every row of the sheet, read back from the md or html."""
    rows, screen = set(), ""
    if html_page:
        for match in re.finditer(
            r'<tr><th colspan="2">(.*?)</th></tr>|<tr><td>(.*?)</td><td><code>(.*?)</code>', text
        ):
            if match[1]:
                screen = html.unescape(match[1])
            else:
                rows.add((screen, html.unescape(match[2]), html.unescape(match[3])))
        return rows
    for line in text.splitlines():
        if line.startswith("## "):
            screen = line[3:]
        elif line.startswith("| ") and not line.startswith("| field"):
            field, value = line[2:-2].split(" | ", 1)
            rows.add((screen, field, value.strip("`")))
    return rows


@pytest.mark.parametrize("name", ["connection-sheet.md", "connection-sheet.html"])
def test_the_sheet_holds_every_field_of_both_connections_and_the_activity(
    outputs_file: Path, name: str
) -> None:
    options = KitOptions(
        ml_connection_id="aaaaaaaa-0000-4000-8000-000000000009",
        connection_name="fabml-dev-data-lake",
        ml_connection_name="fabml-dev-azureml",
    )
    rows = _rows(kit_files(from_file(outputs_file), options)[name], name.endswith(".html"))
    for screen, fields in SHEET_FIELDS.items():
        for field, value in fields.items():
            assert (screen, field, value) in rows, (screen, field)
    shortcut_names = {v for s, f, v in rows if f == "Its shortcut name"}
    assert shortcut_names == {"heart-scoring", "heart-predictions"}


def test_a_workspace_identity_connection_asks_for_no_key(outputs_file: Path) -> None:
    options = KitOptions(connection_credential="WorkspaceIdentity")
    rows = _rows(kit_files(from_file(outputs_file), options)["connection-sheet.md"], False)
    lake = {f: v for s, f, v in rows if s == sheet.LAKE_CONNECTION}
    assert lake["Authentication kind"] == "Workspace identity"
    assert "Service principal Key" not in lake


def test_rest_bodies_match_the_fabric_spec(outputs_file: Path) -> None:
    files = kit_files(from_file(outputs_file), KitOptions())
    connection = json.loads(files["rest/create-connection.json"])
    assert SPEC.check("POST", "https://api.fabric.microsoft.com/v1/connections", connection) == []
    assert connection["connectionDetails"]["parameters"][1] == {
        "dataType": "Text",
        "name": "path",
        "value": "/scoring",
    }
    ml = json.loads(files["rest/create-ml-connection.json"])
    assert SPEC.check("POST", "https://api.fabric.microsoft.com/v1/connections", ml) == []
    assert {p["name"]: p["value"] for p in ml["connectionDetails"]["parameters"]} == {
        "subscriptionId": DEPLOYED["subscriptionId"],
        "resourceGroupName": DEPLOYED["resourceGroupName"],
        "workspaceName": DEPLOYED["workspaceName"],
    }
    assert connection["credentialDetails"]["credentials"]["servicePrincipalSecret"] == (
        requests.SECRET_PLACEHOLDER
    )
    for name in ("entra", "fabric-api"):
        web = json.loads(files[f"rest/create-web-connection-{name}.json"])
        assert SPEC.check("POST", "https://api.fabric.microsoft.com/v1/connections", web) == []
        assert web["credentialDetails"]["credentials"] == {"credentialType": "Anonymous"}
    shortcut = json.loads(files["rest/create-shortcut.json"])
    url = (
        "https://api.fabric.microsoft.com/v1/workspaces/aaaaaaaa-0000-4000-8000-000000000005"
        "/items/aaaaaaaa-0000-4000-8000-000000000006/shortcuts"
    )
    predictions = json.loads(files["rest/create-predictions-shortcut.json"])
    assert predictions["target"]["adlsGen2"]["subpath"] == "/scoring/predictions"
    for body in (shortcut, predictions):
        problems = SPEC.check("POST", url, body)
        # The kit cannot know the connection ID yet: everything else must fit the spec.
        assert all("connectionId" in p for p in problems)
    item = requests.pipeline_item("p", json.loads(files["pipeline-content.json"]))
    assert SPEC.check("POST", url.split("/items", maxsplit=1)[0] + "/dataPipelines", item) == []
    assert json.loads(base64.b64decode(item["definition"]["parts"][0]["payload"]))["properties"]


def _parse(tmp_path: Path, files: dict[str, str]) -> dict[str, dict]:
    node_module("@microsoft/powerquery-parser")
    paths = []
    for name, text in files.items():
        path = tmp_path / name.replace("/", "_")
        path.write_text(text)
        paths.append(str(path))
    result = subprocess.run(
        [NODE, str(Path(__file__).with_name("mparse.cjs")), str(NODE_MODULES), *paths],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return {Path(r["file"]).name: r for r in json.loads(result.stdout)}


def _pairs(parsed: dict, key: str) -> list[list[str]]:
    return [p["leaves"] for p in parsed["pairs"] if p["key"] == key]


def test_m_files_parse_and_carry_the_one_request_description(
    outputs_file: Path, tmp_path: Path
) -> None:
    options = KitOptions(batch_size=250, fabric_workspace_id="ws-1", ml_model_id="model-1")
    files = kit_files(from_file(outputs_file), options)
    parsed = _parse(
        tmp_path,
        {
            "score.pq": files["dataflow-score.pq"],
            "invoke.pq": files["dataflow-invoke.pq"],
            "mashup.pq": files["dataflow/mashup.pq"],
            "broken.pq": "let a = in a",
        },
    )
    assert {name: r["ok"] for name, r in parsed.items()} == {
        "score.pq": True,
        "invoke.pq": True,
        "mashup.pq": True,
        "broken.pq": False,
    }
    request = describe(ModelConfig().folder, 250)
    mashup = parsed["mashup.pq"]
    # Item 5: the description's literals, read from the parse tree of the generated M.
    assert _pairs(mashup, "batchSize") == [["250"]]
    assert _pairs(mashup, "formatType") == [['"dataframe"']]
    assert _pairs(mashup, "orientation") == [['"values"']]
    assert _pairs(mashup, "scorePath") == [
        ['"v1/workspaces/"', "workspaceId", '"/mlModels/"', "modelId", '"/endpoint/score"']
    ]
    assert _pairs(mashup, "inputColumns") == [[f'"{n}"' for n in request.names]]
    assert request.names[0] == "age"
    assert request.names[-1] == "thal"
    [types] = _pairs(mashup, "inputTypes")
    assert [leaf for leaf in types if leaf.startswith('"')] == [f'"{n}"' for n in request.names]
    assert types.count("Int64.Type") == 11  # the signature's longs; oldpeak and thal differ
    # Power Query's rules.
    [handled] = _pairs(mashup, "ManualStatusHandling")
    assert "401" not in handled
    assert "403" not in handled
    assert "429" in handled
    assert _pairs(mashup, "IsRetry") == [["isRetry", "attempt", "1"]]
    # Every Web.Contents call names a fixed base URL (the leaf right after it).
    web_bases = {
        leaves[leaves.index("Web.Contents") + 1]
        for leaves in _pairs(mashup, "response") + _pairs(mashup, "token")
        if "Web.Contents" in leaves
    }
    assert sorted(web_bases) == [
        '"https://api.fabric.microsoft.com/"',
        '"https://login.microsoftonline.com/"',
    ]
    assert _pairs(mashup, "statePath") == [['"v1/operations/"', "operation"]]
    # One token request, let-bound outside the batch loop; batches buffered, sent once.
    assert len(_pairs(mashup, "token")) == 1
    assert files["dataflow/mashup.pq"].count("oauth2/v2.0/token") == 1
    assert _pairs(mashup, "predictions")[-1] == [
        "List.Buffer",
        "List.Combine",
        "List.Transform",
        "List.Split",
        "inputs",
        "batchSize",
        "ScoreBatch",
    ]
    # Types kept: the output's type is the source's plus a typed prediction column.
    assert _pairs(mashup, "resultType") == [
        [
            "Value.Type",
            "Table.AddColumn",
            "Table.FirstN",
            "checked",
            "0",
            '"prediction"',
            "null",
            "Int64.Type",
        ]
    ]
    # The source and the web calls sit in one query; its only reference is the parameter.
    [scored] = _pairs(mashup, "Scored")[-1:]
    assert scored[-6:] == [
        "Source",
        '"ws-1"',
        '"model-1"',
        f'"{DEPLOYED["tenantId"]}"',
        f'"{DEPLOYED["servicePrincipalClientId"]}"',
        "ClientSecret",
    ]
    assert _pairs(mashup, "ClientSecret") == [['""', "true", "true", '"Text"']]


def test_one_description_drives_both_clients(tmp_path: Path) -> None:
    # Another model, another batch size: the M and the Python client both follow.
    request = ScoreRequest((Column("b", "long"), Column("a", "string")), "double", batch_size=7)
    parsed = _parse(tmp_path, {"f.pq": dataflow.function_document(request)})["f.pq"]
    assert parsed["ok"]
    assert _pairs(parsed, "inputColumns") == [['"b"', '"a"']]
    assert _pairs(parsed, "batchSize") == [["7"]]
    inputs = request.inputs(["a", "b", "extra"], [["x", "1", 0]] * 15)
    assert inputs[0] == [1, "x"]  # by name, in the signature's order, typed
    batches = list(request.batches(inputs))
    assert [len(b) for b in batches] == [7, 7, 1]
    assert request.body(batches[0]) == {
        "formatType": "dataframe",
        "orientation": "values",
        "inputs": batches[0],
    }
    assert request.path("W", "M") == "/workspaces/W/mlModels/M/endpoint/score"


def test_dataflow_definition_is_what_the_api_takes(outputs_file: Path) -> None:
    files = kit_files(from_file(outputs_file), KitOptions())
    metadata = json.loads(files["dataflow/queryMetadata.json"])
    # Same keys as a definition Fabric exported (the spec's example), none guessed.
    example = json.loads((SPECS / "fabric/dataflow/examples/CreateDataflow.json").read_text())
    exported = {
        part["path"]: base64.b64decode(part["payload"]).decode()
        for part in example["parameters"]["createDataflowRequest"]["definition"]["parts"]
    }
    reference = json.loads(exported["queryMetadata.json"])
    assert set(metadata) == set(reference)
    known = {k for query in reference["queriesMetadata"].values() for k in query}
    assert all(set(q) <= known for q in metadata["queriesMetadata"].values())
    assert set(json.loads(files["dataflow/.platform"])) == set(json.loads(exported[".platform"]))
    assert exported["mashup.pq"].splitlines()[1] == files["dataflow/mashup.pq"].splitlines()[0]
    assert metadata["formatVersion"] == "202502"
    assert set(metadata["queriesMetadata"]) == {"ClientSecret", "Scored"}
    assert metadata["queriesMetadata"]["ClientSecret"]["loadEnabled"] is False
    platform = json.loads(files["dataflow/.platform"])
    assert platform["metadata"] == {"type": "Dataflow", "displayName": "score-heart-dataflow"}
    body = requests.dataflow_item(
        "score-heart-dataflow",
        {
            name.removeprefix("dataflow/"): text
            for name, text in files.items()
            if name.startswith("dataflow/")
        },
    )
    url = "https://api.fabric.microsoft.com/v1/workspaces/aaaaaaaa-0000-4000-8000-000000000005/dataflows"
    assert SPEC.check("POST", url, body) == []
    assert [p["path"] for p in body["definition"]["parts"]] == [
        "queryMetadata.json",
        "mashup.pq",
        ".platform",
    ]


def test_kit_from_the_offline_plan_marks_unknown_values() -> None:
    outputs = from_plan("dev")
    assert {"subscriptionId", "tenantId", "servicePrincipalClientId"} <= outputs.unknown
    assert outputs.shown("subscriptionId").endswith("(known after deploy)")
    assert "(known after deploy)" in kit_files(outputs, KitOptions())["connection-sheet.md"]


def test_kit_and_plan_label_each_placeholder_alike() -> None:
    # The shipped dev stack lacks the Fabric principal: a setting to make before deploying,
    # not a value Azure assigns. The plan table and the Fabric sheet must say the same.
    plan = plan_stack("dev")
    outputs = from_plan("dev")
    sheet = kit_files(outputs, KitOptions())["connection-sheet.md"]
    expected = {
        "servicePrincipalClientId": placeholder.Kind.SETTING.label,
        "subscriptionId": placeholder.Kind.AFTER_DEPLOY.label,
        "tenantId": placeholder.Kind.AFTER_DEPLOY.label,
    }
    for name, label in expected.items():
        assert output_display(plan, name) == label, name
        assert outputs.shown(name) == f"{outputs[name]} {label}", name
        assert f"`{outputs.shown(name)}`" in sheet, name
    assert "set it in the stack config before deploying" in render_text(plan)
    assert "servicePrincipalClientId" not in plan.known_after_deploy


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("[1]", "expected a JSON object"),
        ("{", "not JSON"),
        ('{"tenantId": "x"}', "missing stack output(s): subscriptionId"),
    ],
)
def test_bad_outputs_files_are_named(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(OutputsError, match=re.escape(message)):
        from_file(path)
