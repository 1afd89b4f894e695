"""`fabml verify-pipeline`: a definition fetched from the Fabric stand-in, a planted difference."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fabml.cli.main import main
from fabml.kit.options import kit_inputs
from fabml.kit.verify import DefinitionError, differences, fetched_activity
from infra.clients.fabric import FabricClient
from infra.fabric.outputs import StackOutputs
from infra.fabric.pipeline import pipeline_content
from tests.fabml.kit.test_kit import DEPLOYED
from tests.infra.fabric.conftest import WORKSPACE, FakeFabric
from tests.infra.fabric.conftest import fabric as fabric  # noqa: PLC0414 - the stand-in fixture

Fabric = tuple[FakeFabric, FabricClient, list[float]]
CONNECTION = "aaaaaaaa-0000-4000-8000-000000000009"


def _ours() -> dict[str, Any]:
    content = pipeline_content(StackOutputs(dict(DEPLOYED), "test"), CONNECTION, "BatchEndpoint")
    return content["properties"]["activities"][0]


def _made_in_the_ui(client: FabricClient, activities: list[dict[str, Any]]) -> str:
    """A pipeline as the UI saves it: pipeline-content.json and .platform, both base64."""

    def part(path: str, value: object) -> dict[str, str]:
        payload = base64.b64encode(json.dumps(value).encode()).decode()
        return {"path": path, "payload": payload, "payloadType": "InlineBase64"}

    body = {
        "displayName": "made-in-the-ui",
        "definition": {
            "parts": [
                part("pipeline-content.json", {"properties": {"activities": activities}}),
                part(".platform", {"metadata": {"type": "DataPipeline"}}),
            ]
        },
    }
    return client.call("POST", f"/workspaces/{WORKSPACE}/dataPipelines", body).body["id"]


def test_a_planted_difference_is_reported(fabric: Fabric) -> None:
    fake, client, _ = fabric
    theirs = copy.deepcopy(_ours())
    theirs["typeProperties"]["mlExecutionType"] = "batchendpoint"
    del theirs["typeProperties"]["jobSettings"]["ComputeInstanceCount"]
    theirs["userProperties"] = []
    wait = {"name": "Wait1", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}
    pipeline = _made_in_the_ui(client, [wait, theirs])
    fetched = fetched_activity(client, WORKSPACE, pipeline)
    assert differences(_ours(), fetched) == [
        'typeProperties.mlExecutionType: ours "BatchEndpoint", Fabric\'s "batchendpoint"',
        'typeProperties.jobSettings.ComputeInstanceCount: ours "1", Fabric\'s (absent)',
        "userProperties: ours (absent), Fabric's []",
    ]
    assert differences(_ours(), _ours()) == []
    # The request was spec-valid and so was the stand-in's definition (getDefinition's answer).
    assert any(path.endswith("/getDefinition") for _, path, _ in fake.requests)
    assert fake.problems == []


def test_a_pipeline_without_the_activity_is_named(fabric: Fabric) -> None:
    _, client, _ = fabric
    pipeline = _made_in_the_ui(client, [{"name": "Wait1", "type": "Wait"}])
    with pytest.raises(DefinitionError, match="no Azure Machine Learning activity.*: Wait"):
        fetched_activity(client, WORKSPACE, pipeline)


def test_ids_that_are_not_guids_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify-pipeline", "--workspace", "ws", "--pipeline", WORKSPACE]) == 2
    err = capsys.readouterr().err
    assert (
        err == "fabml: --workspace 'ws' is not a Fabric workspace ID: expected a GUID like "
        "11111111-2222-3333-4444-555555555555\n"
    )


def test_the_command_prints_each_difference_and_exits_1_or_0_when_alike(
    fabric: Fabric,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, client, _ = fabric
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(DEPLOYED))
    stack_outputs, options = kit_inputs("dev", outputs)
    content = pipeline_content(stack_outputs, options.ml_connection_id, options.ml_execution_type)
    [ours] = content["properties"]["activities"]
    theirs = copy.deepcopy(ours)
    theirs["typeProperties"]["mlExecutionType"] = "batchendpoint"
    monkeypatch.setattr("infra.clients.fabric.FabricClient", lambda: client)

    def verify(pipeline: str) -> tuple[int, list[str]]:
        args = ["--workspace", WORKSPACE, "--pipeline", pipeline, "--outputs", str(outputs)]
        status = main(["verify-pipeline", *args])
        return status, capsys.readouterr().out.splitlines()

    different = _made_in_the_ui(client, [theirs])
    assert verify(different) == (
        1,
        [
            'typeProperties.mlExecutionType: ours "BatchEndpoint", Fabric\'s "batchendpoint"',
            f"verify-pipeline: 1 property differs from pipeline {different}; settings to change "
            "are in the README, `verify-pipeline`",
        ],
    )
    alike = _made_in_the_ui(client, [ours])
    assert verify(alike) == (0, [f"verify-pipeline: 0 properties differ from pipeline {alike}"])
