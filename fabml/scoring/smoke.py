"""A live end-to-end check of a deployed stack, the way Fabric's pipeline calls it.

Uploads the sample CSV to the data container under a unique folder, invokes the batch endpoint
through its REST API with the same kind of input and output URIs the pipeline uses, follows the
job until it ends, downloads predictions.csv, compares row counts, and removes what it uploaded.
Calls go through the one HTTP stack (`infra.clients.http`): the process's credential, checked
once before anything is uploaded, tokens bound to the host they are for, retries, timeouts.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError

from infra.clients import http
from infra.clients.arm import DEFAULT_ENDPOINT, ArmClient
from infra.errors import UserError

ML_SCOPE = "https://ml.azure.com/.default"
JOB_API_VERSION = "2025-12-01"
FINISHED = {"Completed", "Failed", "Canceled", "NotResponding"}
REQUIRED_OUTPUTS = (
    "subscriptionId",
    "resourceGroupName",
    "workspaceName",
    "scoringUri",
    "storageAccountName",
    "dataContainerName",
    "datastoreName",
)


class SmokeError(UserError):
    """The smoke test could not run: bad outputs, an HTTP error, a missing file."""


@dataclass(frozen=True)
class Target:
    subscription_id: str
    resource_group: str
    workspace: str
    scoring_uri: str
    storage_account: str
    container: str
    datastore: str

    @classmethod
    def from_outputs(cls, outputs: dict[str, Any], source: str) -> Target:
        missing = [name for name in REQUIRED_OUTPUTS if not outputs.get(name)]
        if missing:
            raise SmokeError(f"{source}: missing stack output(s) {', '.join(missing)}")
        return cls(*(str(outputs[name]) for name in REQUIRED_OUTPUTS))


@dataclass
class Result:
    passed: bool
    folder: str
    job: str | None = None
    status: str | None = None
    studio_url: str | None = None
    rows_in: int = 0
    rows_out: int | None = None
    messages: list[str] = field(default_factory=list)


def invoke_body(input_uri: str, output_uri: str) -> dict[str, Any]:
    """The batch endpoint invoke request: one folder input, one file output."""
    return {
        "properties": {
            "InputData": {"heart_dataset": {"JobInputType": "UriFolder", "Uri": input_uri}},
            "OutputData": {"score": {"JobOutputType": "UriFile", "Uri": output_uri}},
        }
    }


@contextmanager
def _storage(what: str) -> Iterator[None]:
    """Blob storage failures (the azure-storage-blob client) as one SmokeError line."""
    try:
        with http.sign_in_errors():
            yield
    except AzureError as error:
        raise SmokeError(f"{what}: {error.message.splitlines()[0]}") from None


@dataclass
class Smoke:
    target: Target
    container: Any  # azure.storage.blob.ContainerClient
    # A `scope -> token` function (tests); by default the process's one credential.
    token: Callable[[str], str] | None = None
    arm_endpoint: str = DEFAULT_ENDPOINT
    poll_seconds: float = 15.0
    timeout_seconds: float = 3600.0
    sleep: Callable[[float], None] = time.sleep
    progress: Callable[[str], None] = lambda message: None
    credential: TokenCredential | None = None

    def __post_init__(self) -> None:
        self._credential = http.credential_of(self.credential, self.token)
        self._arm = ArmClient(self.arm_endpoint, credential=self._credential, sleep=self.sleep)

    def _invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST the invoke request to the endpoint's scoring URI with an ml.azure.com token."""
        url = self.target.scoring_uri
        client = http.pipeline(url, ML_SCOPE, self._credential, sleep=self.sleep)
        answer = http.response_of(http.send(client, "POST", url, body, error=SmokeError))
        if answer.status >= 400:
            raise SmokeError(f"POST {url}: HTTP {answer.status}: {str(answer.body)[:300]}")
        return answer.body if isinstance(answer.body, dict) else {}

    def run(self, sample: Path, keep: bool = False) -> Result:
        if not sample.is_file():
            raise SmokeError(f"{sample}: no such file (the sample CSV to score)")
        folder = f"smoke/{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
        rows_in = max(len(sample.read_text().splitlines()) - 1, 0)
        result = Result(passed=False, folder=folder, rows_in=rows_in)
        datastore = f"azureml://datastores/{self.target.datastore}/paths/{folder}"
        # Without a sign-in nothing else can work: say so once, before anything is uploaded.
        http.check_sign_in(self._credential, ML_SCOPE)
        uploaded = False
        try:
            self.progress(f"uploading {sample.name} to {self.target.container}/{folder}/input/")
            with _storage(f"upload to {self.target.container}/{folder}/input/"):
                self.container.upload_blob(f"{folder}/input/{sample.name}", sample.read_bytes())
                uploaded = True
            job = self._invoke(
                invoke_body(f"{datastore}/input", f"{datastore}/output/predictions.csv")
            )
            result.job = str(job.get("name") or job.get("id", "")).rsplit("/", 1)[-1]
            self.progress(f"job {result.job} started")
            status = self._follow(result)
            result.status = status
            if status != "Completed":
                result.messages.append(f"the job ended {status}")
                return result
            with _storage(f"download {folder}/output/predictions.csv"):
                data = self.container.download_blob(f"{folder}/output/predictions.csv").readall()
            result.rows_out = len([line for line in data.decode().splitlines() if line.strip()])
            result.passed = result.rows_out == rows_in
            if not result.passed:
                result.messages.append(f"{result.rows_out} predictions for {rows_in} input rows")
            return result
        finally:
            if uploaded and not keep:
                self._clean_up(folder, result)

    def _clean_up(self, folder: str, result: Result) -> None:
        # A failed clean-up is reported beside the outcome; it never hides the first error.
        try:
            with _storage(f"clean up {self.target.container}/{folder}/"):
                for blob in list(self.container.list_blobs(name_starts_with=f"{folder}/")):
                    self.container.delete_blob(blob.name)
        except SmokeError as error:
            result.messages.append(str(error))

    def _follow(self, result: Result) -> str:
        t = self.target
        path = (
            f"/subscriptions/{t.subscription_id}/resourceGroups/{t.resource_group}/providers/"
            f"Microsoft.MachineLearningServices/workspaces/{t.workspace}/jobs/{result.job}"
        )
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            status, _, job = self._arm.call("GET", path, JOB_API_VERSION)
            if status == 404 or not isinstance(job, dict):
                raise SmokeError(f"job {result.job}: not found in workspace {t.workspace}")
            properties = job.get("properties") or {}
            status = str(properties.get("status", "Unknown"))
            studio = ((properties.get("services") or {}).get("Studio") or {}).get("endpoint")
            result.studio_url = studio or result.studio_url
            self.progress(f"job {result.job}: {status}")
            if status in FINISHED:
                return status
            if time.monotonic() > deadline:
                return f"still {status} after {self.timeout_seconds:.0f} s (timed out)"
            self.sleep(self.poll_seconds)
