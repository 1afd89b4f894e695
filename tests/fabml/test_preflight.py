"""`fabml preflight` against an ARM stand-in that keeps global names the way Azure does."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from fabml.cli.main import main
from fabml.plan import runner
from fabml.plan.stack_file import read_stack_config
from fabml.preflight import Preflight
from fabml.sandbox.purge import Purger
from infra.clients.arm import ArmClient
from infra.settings import load_offline_settings
from tests.conftest import FABRIC, config_for, in_subscription
from tests.local_server import JsonHandler, serving

SUB = "11111111-2222-3333-4444-555555555555"
OTHER_SUB = "99999999-8888-7777-6666-555555555555"
DEV_TAGS = {"project": "fabml", "stack": "dev", "environment": "dev"}
# The api-versions the Azure REST specs publish for each call preflight makes.
API = {
    "microsoft.storage": "2025-01-01",
    "microsoft.keyvault": "2024-11-01",
    "microsoft.machinelearningservices": "2025-12-01",
}
# Microsoft.Storage CheckNameAvailability: 3-24 lowercase letters and digits, else
# AccountNameInvalid; Microsoft.KeyVault: 3-24 letters, digits and single hyphens.
VALID = {
    "Microsoft.Storage/storageAccounts": re.compile(r"[a-z0-9]{3,24}"),
    "Microsoft.KeyVault/vaults": re.compile(r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]"),
}


@dataclass
class NameArm:
    """Global names across all subscriptions, resources by ARM path, deleted vaults by region."""

    taken: dict[str, set[str]] = field(
        default_factory=lambda: {t: set() for t in VALID}  # held by other tenants
    )
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted_vaults: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # The sign-in's subscriptions (GET /subscriptions), id -> state.
    subscriptions: dict[str, str] = field(
        default_factory=lambda: {SUB: "Enabled", OTHER_SUB: "Enabled"}
    )
    requests: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def own(self, path: str, tags: dict[str, str]) -> None:
        self.resources[path.lower()] = {"id": path, "tags": tags, "location": "swedencentral"}

    def exists(self, type_: str, name: str) -> bool:
        segment = f"/providers/{type_}/{name}".lower()
        return name.lower() in self.taken[type_] or any(p.endswith(segment) for p in self.resources)


def _handler(arm: NameArm) -> type[JsonHandler]:
    class Handler(JsonHandler):
        def _error(self, status: int, code: str, message: str) -> None:
            self.send_json(status, {"error": {"code": code, "message": message}})

        def _check_name(self, key: str) -> None:
            body = self.read_json()
            type_ = body.get("type")
            if type_ not in VALID or not key.startswith("/subscriptions/"):
                arm.problems.append(f"check of {type_!r}")
                self._error(400, "InvalidRequest", f"type {type_!r} is not supported")
                return
            name = str(body.get("name", ""))
            if not VALID[type_].fullmatch(name):
                answer = {"nameAvailable": False, "reason": "AccountNameInvalid"}
            elif arm.exists(type_, name):
                answer = {"nameAvailable": False, "reason": "AlreadyExists"}
            else:
                answer = {"nameAvailable": True}
            self.send_json(200, answer)

        def _route(self, method: str) -> None:
            url = urlparse(self.path)
            path = url.path.rstrip("/")
            key = path.lower()
            arm.requests.append((method, path))
            if self.headers.get("Authorization") != "Bearer t":
                self._error(401, "AuthenticationFailed", "no bearer token")
                return
            if key == "/subscriptions":  # Subscriptions - List (api-version 2022-12-01)
                if parse_qs(url.query).get("api-version") != ["2022-12-01"]:
                    arm.problems.append(f"{method} {self.path}")
                    self._error(400, "InvalidApiVersion", self.path)
                    return
                listed = [
                    {"id": f"/subscriptions/{s}", "subscriptionId": s, "state": state}
                    for s, state in arm.subscriptions.items()
                ]
                self.send_json(200, {"value": listed})
                return
            provider = re.search(r"/providers/([^/]+)", key)
            wanted = API.get(provider.group(1)) if provider else None
            if wanted is None or parse_qs(url.query).get("api-version") != [wanted]:
                arm.problems.append(f"{method} {self.path}")
                self._error(400, "InvalidApiVersion", self.path)
                return
            if method == "POST" and key.endswith("/checknameavailability"):
                self._check_name(key)
                return
            if method != "GET":
                arm.problems.append(f"unexpected {method} {path}")
                self._error(405, "MethodNotAllowed", path)
                return
            found = re.search(r"/locations/([^/]+)/deletedvaults/([^/]+)$", key)
            if found:
                deleted = arm.deleted_vaults.get((found.group(1), found.group(2)))
                if deleted is None:
                    self._error(404, "ResourceNotFound", path)
                else:
                    self.send_json(200, {"id": path, "name": found.group(2), "properties": deleted})
                return
            resource = arm.resources.get(key)
            if resource is None:
                self._error(404, "ResourceNotFound", path)
            else:
                self.send_json(200, {**resource, "name": key.split("/")[-1]})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        def do_DELETE(self) -> None:
            self._route("DELETE")

    return Handler


@pytest.fixture
def name_arm(monkeypatch: pytest.MonkeyPatch) -> Iterator[NameArm]:
    arm = NameArm()
    with serving(_handler(arm)) as base:
        monkeypatch.setattr(
            "infra.clients.arm.ArmClient",
            lambda: ArmClient(endpoint=base, token=lambda scope: "t", timeout_seconds=10),
        )
        yield arm
    assert arm.problems == []
    # Preflight reads: its only POSTs are checkNameAvailability, which change nothing.
    assert all(m == "GET" or p.endswith("checkNameAvailability") for m, p in arm.requests)


def _settings() -> Any:
    return load_offline_settings("dev", read_stack_config("dev").values)[0]


def _names(subscription: str = SUB) -> Any:
    return _settings().names_in(subscription)


def _group(subscription: str = SUB) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{_names(subscription).resource_group}"


def _preflight(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any, str]:
    status = main(["preflight", "--stack", "dev", "--json", *extra])
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out else None), err


def test_clean_subscription_passes_and_checks_every_global_name(
    name_arm: NameArm, capsys: pytest.CaptureFixture[str]
) -> None:
    status, report, err = _preflight(capsys, "--subscription", SUB)
    names = _names()
    assert status == 0, err
    assert [(c["kind"], c["name"], c["ok"]) for c in report["checks"]] == [
        ("storage account", names.data_lake, True),
        ("storage account", names.workspace_storage, True),
        ("key vault", names.key_vault, True),
        ("Azure ML workspace", names.ml_workspace, True),
        ("batch endpoint", names.batch_endpoint, True),
    ]
    # The soft-deleted-workspace gap is said, not hidden.
    assert "Recently deleted" in report["checks"][3]["detail"]
    assert "no availability check" in report["checks"][4]["detail"]
    checked = [p for m, p in name_arm.requests if m == "POST"]
    assert checked == [
        f"/subscriptions/{SUB}/providers/Microsoft.Storage/checkNameAvailability",
        f"/subscriptions/{SUB}/providers/Microsoft.Storage/checkNameAvailability",
        f"/subscriptions/{SUB}/providers/Microsoft.KeyVault/checkNameAvailability",
    ]


def test_a_name_another_adopter_holds_is_a_conflict_with_what_to_do(
    name_arm: NameArm, capsys: pytest.CaptureFixture[str]
) -> None:
    name_arm.taken["Microsoft.Storage/storageAccounts"].add(_names().data_lake)
    status, report, err = _preflight(capsys, "--subscription", SUB)
    assert status == 1
    [conflict] = [c for c in report["checks"] if not c["ok"]]
    assert conflict["name"] == _names().data_lake
    assert f"storage account {_names().data_lake}: taken elsewhere" in err
    assert "pulumi config set fabml:nameSuffix" in err


def test_names_the_stack_already_holds_count_as_free(
    name_arm: NameArm, capsys: pytest.CaptureFixture[str]
) -> None:
    names, group = _names(), _group()
    name_arm.own(f"{group}/providers/Microsoft.Storage/storageAccounts/{names.data_lake}", DEV_TAGS)
    name_arm.own(f"{group}/providers/Microsoft.KeyVault/vaults/{names.key_vault}", DEV_TAGS)
    ws = f"{group}/providers/Microsoft.MachineLearningServices/workspaces/{names.ml_workspace}"
    name_arm.own(ws, DEV_TAGS)
    status, report, err = _preflight(capsys, "--subscription", SUB)
    assert status == 0, err
    assert [c["detail"] for c in report["checks"]].count("this stack's own (tags match)") == 3

    # The same names, in the group but tagged for another stack: not ours.
    other = {**DEV_TAGS, "stack": "someone-else"}
    name_arm.own(ws, other)
    name_arm.own(f"{group}/providers/Microsoft.KeyVault/vaults/{names.key_vault}", other)
    status, report, err = _preflight(capsys, "--subscription", SUB)
    assert status == 1
    assert [c["name"] for c in report["checks"] if not c["ok"]] == [
        names.key_vault,
        names.ml_workspace,
    ]
    assert "without this stack's creation tags" in err


@pytest.mark.parametrize(
    ("protected", "ours", "fix"),
    [
        (False, True, "az keyvault purge --name"),
        (True, True, "purge protection keeps it until 2027-02-21"),
        (False, False, "fabml:nameSuffix"),
    ],
)
def test_a_soft_deleted_vault_blocks_its_name(
    name_arm: NameArm,
    capsys: pytest.CaptureFixture[str],
    protected: bool,
    ours: bool,
    fix: str,
) -> None:
    vault = _names().key_vault
    name_arm.deleted_vaults[("swedencentral", vault)] = {
        "vaultId": f"{_group()}/providers/Microsoft.KeyVault/vaults/{vault}",
        "location": "swedencentral",
        "tags": DEV_TAGS if ours else {"project": "other"},
        "deletionDate": "2026-11-23T10:00:00Z",
        "scheduledPurgeDate": "2027-02-21T10:00:00Z",
        "purgeProtectionEnabled": protected,
    }
    status, _, err = _preflight(capsys, "--subscription", SUB)
    assert status == 1
    assert f"key vault {vault}: soft-deleted in swedencentral" in err
    assert fix in err


def test_bad_input_and_no_sign_in_exit_2_before_any_call(
    name_arm: NameArm, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARM_SUBSCRIPTION_ID", raising=False)
    assert main(["preflight", "--stack", "dev"]) == 2
    err = capsys.readouterr().err
    assert "no subscription for dev: the sign-in sees 2 enabled subscriptions" in err
    assert "pass --subscription" in err
    name_arm.requests.clear()
    assert main(["preflight", "--stack", "dev", "--subscription", "../../x"]) == 2
    assert "is not a subscription id" in capsys.readouterr().err
    assert main(["preflight", "--stack", "nope", "--subscription", SUB]) == 2
    assert name_arm.requests == []

    from azure.core.exceptions import ClientAuthenticationError

    def no_token(scope: str) -> str:
        raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")

    monkeypatch.setattr("infra.clients.arm.ArmClient", lambda: ArmClient(token=no_token))
    assert main(["preflight", "--stack", "dev", "--subscription", SUB]) == 2
    assert "no Azure sign-in found" in capsys.readouterr().err


def test_without_a_pinned_subscription_it_checks_where_pulumi_up_would_deploy(
    name_arm: NameArm, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARM_SUBSCRIPTION_ID", raising=False)
    name_arm.subscriptions = {SUB: "Enabled", OTHER_SUB: "Disabled"}
    status, report, err = _preflight(capsys)
    assert status == 0, err
    assert report["subscriptionId"] == SUB
    assert name_arm.requests[0] == ("GET", "/subscriptions")
    # The provider's own variable wins, as it does for `pulumi up`: no listing needed.
    monkeypatch.setenv("ARM_SUBSCRIPTION_ID", OTHER_SUB)
    name_arm.requests.clear()
    status, report, err = _preflight(capsys)
    assert (status, report["subscriptionId"]) == (0, OTHER_SUB), err
    assert ("GET", "/subscriptions") not in name_arm.requests


def test_program_preflight_and_purge_make_the_same_names() -> None:
    # One suffix(): what `pulumi up` creates is what preflight checks and what a purge accepts.
    plan = runner.run_plan(in_subscription(config_for("dev", fabric=FABRIC), OTHER_SUB))
    settings = _settings()
    client = ArmClient(token=lambda scope: "t")
    checked = Preflight(client, OTHER_SUB, settings).names
    purged = Purger(client, OTHER_SUB, settings).names
    assert checked == purged == settings.names_in(OTHER_SUB)
    planned = {
        "azure-native:storage:StorageAccount": {checked.data_lake, checked.workspace_storage},
        "azure-native:keyvault:Vault": {checked.key_vault},
        "azure-native:machinelearningservices:Workspace": {checked.ml_workspace},
    }
    inputs = {"StorageAccount": "accountName", "Vault": "vaultName", "Workspace": "workspaceName"}
    for type_, expected in planned.items():
        name_input = inputs[type_.rsplit(":", 1)[1]]
        assert {r.inputs[name_input] for r in plan.of_type(type_)} == expected, type_
    assert plan.names_subscription == OTHER_SUB
