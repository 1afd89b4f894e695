"""A live end-to-end check of a deployed stack, the way Fabric's pipeline calls it.

Uploads the sample CSV to the data container under a unique folder, invokes the batch endpoint
through its REST API with the same kind of input and output URIs the pipeline uses, follows the
job until it ends, downloads predictions.csv, compares row counts, and removes what it uploaded.
Tokens come from azure-identity and never leave the process.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


@dataclass
class Smoke:
    target: Target
    container: Any  # azure.storage.blob.ContainerClient
    token: Callable[[str], str]
    arm_endpoint: str = "https://management.azure.com"
    poll_seconds: float = 15.0
    timeout_seconds: float = 3600.0
    sleep: Callable[[float], None] = time.sleep
    progress: Callable[[str], None] = lambda message: None

    def _request(self, method: str, url: str, scope: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token(scope)}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
                return json.loads(raw) if raw else {}
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            raise SmokeError(f"{method} {url}: HTTP {exc.code}: {detail}") from None
        except urllib.error.URLError as exc:
            raise SmokeError(f"{method} {url}: cannot connect: {exc.reason}") from None

    def run(self, sample: Path, keep: bool = False) -> Result:
        if not sample.is_file():
            raise SmokeError(f"{sample}: no such file (the sample CSV to score)")
        folder = f"smoke/{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
        rows_in = max(len(sample.read_text().splitlines()) - 1, 0)
        result = Result(passed=False, folder=folder, rows_in=rows_in)
        datastore = f"azureml://datastores/{self.target.datastore}/paths/{folder}"
        try:
            self.progress(f"uploading {sample.name} to {self.target.container}/{folder}/input/")
            self.container.upload_blob(f"{folder}/input/{sample.name}", sample.read_bytes())
            job = self._request(
                "POST",
                self.target.scoring_uri,
                ML_SCOPE,
                invoke_body(f"{datastore}/input", f"{datastore}/output/predictions.csv"),
            )
            result.job = str(job.get("name") or job.get("id", "")).rsplit("/", 1)[-1]
            self.progress(f"job {result.job} started")
            status = self._follow(result)
            result.status = status
            if status != "Completed":
                result.messages.append(f"the job ended {status}")
                return result
            data = self.container.download_blob(f"{folder}/output/predictions.csv").readall()
            result.rows_out = len([line for line in data.decode().splitlines() if line.strip()])
            result.passed = result.rows_out == rows_in
            if not result.passed:
                result.messages.append(f"{result.rows_out} predictions for {rows_in} input rows")
            return result
        finally:
            if not keep:
                for blob in list(self.container.list_blobs(name_starts_with=f"{folder}/")):
                    self.container.delete_blob(blob.name)

    def _follow(self, result: Result) -> str:
        t = self.target
        url = (
            f"{self.arm_endpoint}/subscriptions/{t.subscription_id}/resourceGroups/"
            f"{t.resource_group}/providers/Microsoft.MachineLearningServices/workspaces/"
            f"{t.workspace}/jobs/{result.job}?api-version={JOB_API_VERSION}"
        )
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            job = self._request("GET", url, f"{self.arm_endpoint}/.default")
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
