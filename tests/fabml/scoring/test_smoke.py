"""`fabml smoke` against Azurite (blob storage) and a local stand-in for the endpoint and jobs."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from fabml.cli.main import main
from fabml.scoring.smoke import JOB_API_VERSION, Smoke, SmokeError, Target
from tests.conftest import DATA
from tests.local_server import JsonHandler, serving
from tests.node_tools import NODE, NODE_MODULES, node_module

SAMPLE = DATA / "heart-unlabeled-0.csv"
# Azurite's documented development account (public, well known; not a secret of ours).
ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def azurite() -> Iterator[str]:
    node_module("azurite")
    port = _free_port()
    process = subprocess.Popen(
        [
            NODE,
            str(NODE_MODULES / ".bin" / "azurite-blob"),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--inMemoryPersistence",
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/{ACCOUNT}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def container(azurite: str) -> Any:
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient(
        azurite, credential={"account_name": ACCOUNT, "account_key": DEV_KEY}
    )
    client = service.get_container_client(f"scoring{time.monotonic_ns()}")
    client.create_container()
    return client


class FakeAzureMl:
    """Stands in for the endpoint's invoke URI and the workspace's job API."""

    def __init__(self, container: Any, outcome: str = "Completed", drop_rows: int = 0) -> None:
        self.container = container
        self.outcome = outcome
        self.drop_rows = drop_rows
        self.requests: list[tuple[str, str, Any]] = []
        self.polls = 0
        self.problems: list[str] = []

    def invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        props = body.get("properties") or {}
        [source] = props.get("InputData", {}).values()
        [target] = props.get("OutputData", {}).values()
        if source.get("JobInputType") != "UriFolder" or target.get("JobOutputType") != "UriFile":
            self.problems.append(f"input/output types: {body}")
        prefix = "azureml://datastores/trusted_blob/paths/"
        if not (source["Uri"].startswith(prefix) and target["Uri"].startswith(prefix)):
            self.problems.append(f"URIs not on the datastore: {body}")
        # Score like the deployment would: one appended row per input row.
        folder = source["Uri"][len(prefix) :]
        rows = []
        for blob in self.container.list_blobs(name_starts_with=f"{folder}/"):
            lines = self.container.download_blob(blob.name).readall().decode().splitlines()[1:]
            rows += [f"{i},0,{blob.name.rsplit('/', 1)[-1]}" for i in range(len(lines))]
        output = "\n".join(rows[: len(rows) - self.drop_rows]) + "\n"
        self.container.upload_blob(target["Uri"][len(prefix) :], output.encode())
        return {"id": "/jobs/batchjob-42", "name": "batchjob-42"}

    def job(self) -> dict[str, Any]:
        self.polls += 1
        status = "Running" if self.polls < 2 else self.outcome
        studio = {"Studio": {"endpoint": "https://ml.azure.com/runs/batchjob-42"}}
        return {"name": "batchjob-42", "properties": {"status": status, "services": studio}}


@pytest.fixture
def azure_ml(container: Any) -> Iterator[tuple[FakeAzureMl, str]]:
    fake = FakeAzureMl(container)

    class Handler(JsonHandler):
        def do_POST(self) -> None:
            body = self.read_json()
            fake.requests.append(("POST", self.path, body))
            if self.headers["Authorization"] != "Bearer token-for-https://ml.azure.com/.default":
                fake.problems.append("invoke without an ml.azure.com token")
            self.send_json(200, fake.invoke(body))

        def do_GET(self) -> None:
            url = urlparse(self.path)
            fake.requests.append(("GET", self.path, None))
            if parse_qs(url.query).get("api-version") != [JOB_API_VERSION]:
                fake.problems.append(f"job GET api-version: {self.path}")
            if not url.path.endswith("/workspaces/mlw/jobs/batchjob-42"):
                fake.problems.append(f"job path: {url.path}")
            self.send_json(200, fake.job())

    with serving(Handler) as base:
        yield fake, base


def _smoke(container: Any, base: str) -> Smoke:
    target = Target(
        "sub", "rg", "mlw", f"{base}/jobs", "acct", container.container_name, "trusted_blob"
    )
    return Smoke(
        target,
        container,
        token=lambda scope: f"token-for-{scope}",
        arm_endpoint=base,
        poll_seconds=0,
        sleep=lambda s: None,
    )


def test_a_working_endpoint_passes_and_leaves_nothing_behind(
    container: Any, azure_ml: tuple[FakeAzureMl, str]
) -> None:
    fake, base = azure_ml
    result = _smoke(container, base).run(SAMPLE)
    assert fake.problems == []
    assert (result.passed, result.status, result.rows_in, result.rows_out) == (
        True,
        "Completed",
        100,
        100,
    )
    assert result.studio_url == "https://ml.azure.com/runs/batchjob-42"
    assert list(container.list_blobs()) == []  # uploads and output cleaned up
    [(_, _, body)] = [r for r in fake.requests if r[0] == "POST"]
    assert body["properties"]["OutputData"]["score"]["Uri"].endswith("/output/predictions.csv")


def test_keep_leaves_the_data_for_inspection(
    container: Any, azure_ml: tuple[FakeAzureMl, str]
) -> None:
    result = _smoke(container, azure_ml[1]).run(SAMPLE, keep=True)
    names = sorted(b.name for b in container.list_blobs())
    assert names == [
        f"{result.folder}/input/heart-unlabeled-0.csv",
        f"{result.folder}/output/predictions.csv",
    ]


def test_missing_predictions_or_a_failed_job_fail_the_smoke_test(
    container: Any, azure_ml: tuple[FakeAzureMl, str]
) -> None:
    fake, base = azure_ml
    fake.drop_rows = 3
    short = _smoke(container, base).run(SAMPLE)
    assert (short.passed, short.rows_out) == (False, 97)
    assert "97 predictions for 100 input rows" in short.messages
    fake.outcome, fake.polls = "Failed", 0
    failed = _smoke(container, base).run(SAMPLE)
    assert (failed.passed, failed.status) == (False, "Failed")


def test_bad_outputs_and_files_are_user_errors(tmp_path: Path, capsys: Any) -> None:
    with pytest.raises(SmokeError, match="missing stack output"):
        Target.from_outputs({"scoringUri": "x"}, "outputs.json")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"workspaceName": "w"}))
    assert main(["smoke", "--outputs", str(outputs)]) == 2
    assert "missing stack output(s) subscriptionId" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no such file"),
        ("[]", "expected a JSON object"),
        ('"outputs"', "expected a JSON object"),
        ("null", "expected a JSON object"),
        ("{", "not JSON"),
    ],
)
def test_an_unreadable_outputs_file_is_one_line_and_exit_2(
    tmp_path: Path, content: str | None, says: str, capsys: Any
) -> None:
    outputs = tmp_path / "outputs.json"
    if content is not None:
        outputs.write_text(content)
    assert main(["smoke", "--outputs", str(outputs)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert str(outputs) in err
    assert says in err


def test_without_a_sign_in_nothing_is_uploaded_and_the_error_is_said_once() -> None:
    from azure.core.exceptions import ClientAuthenticationError

    from infra.clients.http import SIGN_IN_HELP, SignInError

    class NoSignIn:
        def get_token(self, *scopes: str, **_: Any) -> Any:
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")

    class Container:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def __getattr__(self, name: str) -> Any:
            self.calls.append(name)
            raise AssertionError(f"container.{name} called without a sign-in")

    container = Container()
    target = Target("s", "rg", "mlw", "https://e.inference.ml.azure.com/jobs", "a", "c", "ds")
    smoke = Smoke(target, container, credential=NoSignIn(), sleep=lambda s: None)
    with pytest.raises(SignInError) as missing:
        smoke.run(SAMPLE)
    assert str(missing.value) == SIGN_IN_HELP
    assert container.calls == []  # no upload, so no clean-up to fail
