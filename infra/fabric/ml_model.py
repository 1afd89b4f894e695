"""The Fabric ML model the Dataflow calls, as Pulumi dynamic resources over the Fabric REST API.

Three steps, each a resource, in dependency order:

1. `FabricMlModel`: the ML model item. `POST /workspaces/{id}/mlModels` accepts users only (the
   spec: service principals and managed identities cannot call it), so a user deployment creates
   it (or adopts the same-named item), and `fabml:fabric.mlModelId` adopts an existing one.
   A service-principal deployment with no ID skips this resource: the registration below creates
   the item through MLflow. The mlModels list, get and delete admit users only too, so the item
   is found, read and deleted through the core items API (`/workspaces/{ws}/items`), which
   admits users and principals alike: one path whoever deploys.
2. `MlModelVersion`: a notebook (`notebook/` spec, ipynb definition) carrying the committed model
   folder, run as a job; the job instance
   (`GET /workspaces/{ws}/items/{id}/jobs/instances/{jobId}`) is polled until it ends, and a
   failed run fails the deployment with the job's own reason. The new version is the model's
   highest endpoint version afterwards.
3. `MlModelEndpoint`: activate that version (200, or 202 followed), wait until it is Active,
   set its `scaleRule`, then make it the endpoint's default (`StaticallyConfigured`): the score
   API scores only the default version.

Paths: the spec spells `/mlModels` for the item calls and the score call, `/mlmodels` for the
other endpoint calls; both are used exactly as published.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from infra.clients.fabric import FabricClient, FabricError
from infra.fabric import registration_notebook
from infra.fabric.resources import _FabricProvider
from infra.fabric.score_request import API_BASE, SCORE_PATH

JOB_TYPE = "RunNotebook"
JOB_ENDED = ("Completed", "Failed", "Cancelled", "Deduped")
# The spec's enum says Active; its examples show Running for a served version.
VERSION_SERVING = ("Active", "Running")
POLL_SECONDS = 10.0
ITEM_TYPE = "MLModel"


def _retry_after(headers: dict[str, str], default: float) -> float:
    try:
        return min(max(float(headers.get("retry-after", default)), 0.0), 120.0)
    except ValueError:
        return default


def _find(
    fabric: FabricClient, path: str, display_name: str, item_type: str | None = None
) -> dict[str, Any] | None:
    """The listed item of that name (and type, when the list may hold others)."""
    return next(
        (
            i
            for i in fabric.pages(path)
            if i.get("displayName") == display_name and item_type in (None, i.get("type"))
        ),
        None,
    )


def _model_item(workspace: str, model_id: str) -> str:
    """The ML model as a core item: get and delete there admit service principals."""
    return f"/workspaces/{workspace}/items/{model_id}"


def _find_model(fabric: FabricClient, workspace: str, display_name: str) -> dict[str, Any] | None:
    """The workspace's ML model of that name, listed as core items (open to principals). The
    type is checked again: a continuation page is not promised to keep the filter."""
    return _find(fabric, f"/workspaces/{workspace}/items?type={ITEM_TYPE}", display_name, ITEM_TYPE)


class MlModelProvider(_FabricProvider):
    replace_on = ("workspace_id", "display_name", "ml_model_id")

    def create(self, props: dict[str, Any]) -> CreateResult:
        fabric = self.client(props)
        workspace = props["workspace_id"]
        if props.get("ml_model_id"):
            # Adopted: it must exist (a wrong ID is a setting to fix, not an item to make).
            model_id = props["ml_model_id"]
            fabric.call("GET", _model_item(workspace, model_id))
        else:
            existing = _find_model(fabric, workspace, props["display_name"])
            body = {
                "displayName": props["display_name"],
                "description": "Scores heart data for the Dataflow Gen2 route (fabml).",
            }
            # Only a user deployment gets here (DataflowRoute): creating admits users only.
            path = f"/workspaces/{workspace}/mlModels"
            model_id = (existing or fabric.call("POST", path, body, expect=("id",)).body)["id"]
        return CreateResult(id_=model_id, outs={**props, "model_id": model_id})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = _model_item(props["workspace_id"], id_)
        response = self.client(props).call("GET", path, ok_404=True)
        return ReadResult(id_=id_ if response.status != 404 else "", outs=props)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if props.get("ml_model_id"):
            return  # adopted, not ours to delete
        # Only a user-created item is ours: the spec lets principals delete an ML model by no
        # route (items DELETE defers to the type's own API, which admits users only).
        self.client(props).call("DELETE", _model_item(props["workspace_id"], id_), ok_404=True)


class MlModelVersionProvider(_FabricProvider):
    # A changed model folder (its digest) registers a new version.
    replace_on = ("workspace_id", "model_name", "model_digest")

    def _notebook(self, fabric: FabricClient, props: dict[str, Any], model_name: str) -> str:
        path = f"/workspaces/{props['workspace_id']}/notebooks"
        item = registration_notebook.notebook_item(
            props["notebook_name"], Path(props["model_folder"]), model_name
        )
        existing = _find(fabric, path, props["notebook_name"])
        if existing is None:
            return fabric.call("POST", path, item, expect=("id",)).body["id"]
        fabric.call(
            "POST", f"{path}/{existing['id']}/updateDefinition", {"definition": item["definition"]}
        )
        return existing["id"]

    def _run(self, fabric: FabricClient, workspace: str, notebook: str) -> None:
        started = fabric.call(
            "POST",
            f"/workspaces/{workspace}/items/{notebook}/jobs/{JOB_TYPE}/instances",
            follow=False,
        )
        location = started.headers.get("location")
        if started.status != 202 or not location:
            raise FabricError(
                f"run notebook {notebook}: expected 202 with a job instance Location, got "
                f"HTTP {started.status}"
            )
        deadline = time.monotonic() + fabric.timeout_seconds
        headers = started.headers
        while True:
            fabric.wait(_retry_after(headers, POLL_SECONDS))
            instance = fabric.call("GET", location)
            headers = instance.headers
            job = instance.body or {}
            status = job.get("status")
            if status == "Completed":
                return
            if status in JOB_ENDED:
                reason = job.get("failureReason") or {}
                raise FabricError(
                    f"model registration notebook {notebook}: job {job.get('id')} {status}: "
                    f"{reason.get('errorCode', '')} {reason.get('message', '')}".strip(),
                    code=str(reason.get("errorCode", "")),
                )
            if time.monotonic() > deadline:
                raise FabricError(
                    f"model registration notebook {notebook}: job not done after "
                    f"{fabric.timeout_seconds:.0f} s"
                )

    def _model(self, fabric: FabricClient, props: dict[str, Any]) -> dict[str, Any] | None:
        """The ML model the version goes to: the adopted or created one, else the one named."""
        workspace = props["workspace_id"]
        if props.get("ml_model_id"):
            return fabric.call("GET", _model_item(workspace, props["ml_model_id"])).body
        return _find_model(fabric, workspace, props["model_name"])

    def _versions(self, fabric: FabricClient, workspace: str, model_id: str) -> set[str]:
        path = f"/workspaces/{workspace}/mlmodels/{model_id}/endpoint/versions"
        return {v["versionName"] for v in fabric.pages(path)}

    def create(self, props: dict[str, Any]) -> CreateResult:
        fabric = self.client(props)
        workspace = props["workspace_id"]
        model = self._model(fabric, props)
        # MLflow registers by name: an adopted item keeps its own name.
        model_name = (model or {}).get("displayName") or props["model_name"]
        before = self._versions(fabric, workspace, model["id"]) if model else set()
        notebook = self._notebook(fabric, props, model_name)
        self._run(fabric, workspace, notebook)
        model = model or self._model(fabric, props)
        if model is None:
            raise FabricError(
                f"the registration notebook ran, but workspace {workspace} has no ML model "
                f"named {model_name}"
            )
        new = self._versions(fabric, workspace, model["id"]) - before
        if not new:
            raise FabricError(
                f"the registration notebook ran, but ML model {model['id']} has no new version"
            )
        latest = max(new, key=int)
        outs = {**props, "notebook_id": notebook, "model_id": model["id"], "version_name": latest}
        return CreateResult(id_=f"{model['id']}/{latest}", outs=outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        keep = ("notebook_id", "model_id", "version_name")
        return UpdateResult(outs={**news, **{k: olds[k] for k in keep if k in olds}})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        model_id, _, version = id_.partition("/")
        path = (
            f"/workspaces/{props['workspace_id']}/mlmodels/{model_id}/endpoint/versions/{version}"
        )
        response = self.client(props).call("GET", path, ok_404=True)
        return ReadResult(id_=id_ if response.status != 404 else "", outs=props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        # The registered version stays with the model; the notebook was only its vehicle.
        if props.get("notebook_id"):
            path = f"/workspaces/{props['workspace_id']}/notebooks/{props['notebook_id']}"
            self.client(props).call("DELETE", path, ok_404=True)


class MlModelEndpointProvider(_FabricProvider):
    replace_on = ("workspace_id", "model_id")

    def _endpoint(self, props: dict[str, Any]) -> str:
        return f"/workspaces/{props['workspace_id']}/mlmodels/{props['model_id']}/endpoint"

    def _serve(self, props: dict[str, Any]) -> dict[str, Any]:
        fabric = self.client(props)
        endpoint = self._endpoint(props)
        version = f"{endpoint}/versions/{props['version_name']}"
        state = fabric.call("GET", version)
        if (state.body or {}).get("status") not in VERSION_SERVING:
            fabric.call("POST", f"{version}/activate")  # 200, or 202 followed to its end
            state = fabric.call("GET", version)
        deadline = time.monotonic() + fabric.timeout_seconds
        while True:
            status = (state.body or {}).get("status")
            if status in VERSION_SERVING:
                break
            if status in ("Failed", "Deactivated"):
                details = (state.body or {}).get("failureDetails") or {}
                raise FabricError(
                    f"activating {version}: {status} {details.get('errorCode', '')} "
                    f"{details.get('message', '')}".strip()
                )
            if time.monotonic() > deadline:
                raise FabricError(
                    f"activating {version}: not active after {fabric.timeout_seconds:.0f} s"
                )
            fabric.wait(_retry_after(state.headers, POLL_SECONDS))
            state = fabric.call("GET", version)
        # Scale rule on the active version, then the default: the score API scores only that.
        fabric.call("PATCH", version, {"scaleRule": props["scale_rule"]})
        fabric.call(
            "PATCH",
            endpoint,
            {
                "defaultVersionName": props["version_name"],
                "defaultVersionAssignmentBehavior": "StaticallyConfigured",
            },
        )
        score_url = API_BASE + SCORE_PATH.format(
            workspace_id=props["workspace_id"], model_id=props["model_id"]
        )
        return {**props, "score_url": score_url}

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=self._endpoint(props), outs=self._serve(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        outs = self._serve(news)
        previous = olds.get("version_name")
        if previous and previous != news["version_name"]:
            # The new version is the default now; the old one would only hold capacity.
            version = f"{self._endpoint(news)}/versions/{previous}"
            self.client(news).call("POST", f"{version}/deactivate", ok_404=True)
        return UpdateResult(outs=outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """What Fabric serves now, so `pulumi refresh` sees drift and the next `up` serves again:
        another default (or one Fabric assigns itself), a version no longer active, another
        scale rule. Each shows as a changed input, and `update` re-applies all three."""
        fabric = self.client(props)
        endpoint = fabric.call("GET", self._endpoint(props), ok_404=True)
        if endpoint.status == 404:
            return ReadResult(id_="", outs=props)
        body = endpoint.body or {}
        served = body.get("defaultVersionName")
        if body.get("defaultVersionAssignmentBehavior") != "StaticallyConfigured":
            served = None  # Fabric picks the default itself: ours is not pinned
        scale_rule = props.get("scale_rule")
        if served:
            version = fabric.call("GET", f"{self._endpoint(props)}/versions/{served}", ok_404=True)
            state = version.body if version.status != 404 and version.body else {}
            if state.get("status") not in VERSION_SERVING:
                served = None  # deactivated or failed: nothing answers the score call
            scale_rule = state.get("scaleRule", scale_rule)
        return ReadResult(id_=id_, outs={**props, "version_name": served, "scale_rule": scale_rule})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if not props.get("version_name"):
            return  # a refresh found nothing served: nothing to deactivate
        version = f"{self._endpoint(props)}/versions/{props['version_name']}"
        self.client(props).call("POST", f"{version}/deactivate", ok_404=True)


class FabricMlModel(Resource, module="fabric", name="MlModel"):
    model_id: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(MlModelProvider(), name, {**props, "model_id": None}, opts)


class MlModelVersion(Resource, module="fabric", name="MlModelVersion"):
    model_id: pulumi.Output[str]
    version_name: pulumi.Output[str]
    notebook_id: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        outs = {**props, "notebook_id": None, "version_name": None}
        outs.setdefault("model_id", None)
        super().__init__(MlModelVersionProvider(), name, outs, opts)


class MlModelEndpoint(Resource, module="fabric", name="MlModelEndpoint"):
    score_url: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(MlModelEndpointProvider(), name, {**props, "score_url": None}, opts)
