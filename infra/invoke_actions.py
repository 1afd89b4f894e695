"""The actions of the custom invoke role: Microsoft's documented list, each with its reason.

Source: Microsoft Learn, "Authorization on batch endpoints" (the least a caller needs to start
batch endpoint jobs). The program grants exactly these (infra/components/access/component.py)
and the policy pack refuses a custom role with anything else (policies/rules/access.py): one list.
Plain data, no Pulumi import, so the policy pack can read it cheaply.
"""

from __future__ import annotations

_WORKSPACES = "Microsoft.MachineLearningServices/workspaces"

_REASONS = {
    "read": "see the workspace the endpoint lives in",
    "batchEndpoints/read": "find the endpoint and its scoring URI",
    "batchEndpoints/write": "invoking creates a job under the endpoint",
    "batchEndpoints/deployments/read": "resolve the default (or named) deployment",
    "batchEndpoints/deployments/write": "a job is submitted against the deployment",
    "batchEndpoints/deployments/jobs/write": "submit a job to a named deployment",
    "batchEndpoints/jobs/write": "submit a job to the endpoint's default deployment",
    "computes/read": "the job names the cluster it runs on",
    "computes/listKeys/action": "listed by Microsoft for job submission to the cluster",
    "metadata/secrets/read": "the job reads the workspace's connection metadata",
    "metadata/snapshots/read": "read the scoring code snapshot the deployment uses",
    "metadata/artifacts/read": "read job artifacts (logs, outputs) to follow the job",
    "metadata/artifacts/write": "the job's run records its artifacts",
    "experiments/read": "batch jobs run as an experiment: follow its state",
    "experiments/runs/submit/action": "start the job's run",
    "experiments/runs/read": "poll the job's status",
    "experiments/runs/write": "the run updates its own record",
    "metrics/resource/write": "the run writes its metrics",
    "modules/read": "the batch job's pipeline component",
    "models/read": "the deployment's registered model",
    "endpoints/pipelines/read": "batch jobs run as pipeline jobs",
    "endpoints/pipelines/write": "submit the pipeline job",
    "environments/read": "the deployment's environment",
    "environments/write": "the job registers its resolved environment",
    "environments/build/action": "build the environment image when it is not cached",
    "environments/readSecrets/action": "read the environment's registry credentials",
    "datastores/read": "resolve azureml://datastores/... input and output paths",
    "datastores/write": "listed by Microsoft for input registration",
    "datastores/listsecrets/action": "listed by Microsoft: datastore credentials for the job",
    "datasets/registered/read": "read registered data inputs",
    "datasets/registered/write": "register the job's data inputs",
    "datasets/unregistered/read": "read path-based data inputs",
    "datasets/unregistered/write": "create path-based inputs and outputs",
    "data/versions/write": "the job registers its input data version",
    "listStorageAccountKeys/action": "listed by Microsoft: the workspace storage for job files",
}

INVOKE_ACTION_REASONS: dict[str, str] = {
    f"{_WORKSPACES}/{action}": reason for action, reason in _REASONS.items()
}
INVOKE_ACTIONS: tuple[str, ...] = tuple(INVOKE_ACTION_REASONS)
