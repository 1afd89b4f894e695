"""Sandboxes end to end against a stand-in `pulumi` and a local ARM stand-in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TypedDict

import pytest

from fabml.cli.main import main
from fabml.sandbox.automation import Pulumi, PulumiError
from fabml.sandbox.lifecycle import SandboxError, Sandboxes, parse_ttl, stack_name
from fabml.sandbox.purge import Refused
from infra.clients.arm import ArmClient
from infra.naming import Names, suffix
from infra.settings import StackSettings
from tests.conftest import PRINCIPAL_CLIENT_ID, PRINCIPAL_OBJECT_ID, REPO
from tests.fabml.sandbox.conftest import (
    SUBSCRIPTION,
    TODAY,
    FakeArm,
    FakePulumi,
    azure_resources,
    deploy_with,
    git_status,
)


class Principals(TypedDict):
    principal_object_id: str
    principal_client_id: str


PRINCIPALS = Principals(
    principal_object_id=PRINCIPAL_OBJECT_ID, principal_client_id=PRINCIPAL_CLIENT_ID
)


def _names(stack: str) -> Names:
    return Names(stack=stack, suffix=suffix(SUBSCRIPTION, stack))


def _deployed(fake: FakePulumi, stack: str, expires: str, owner: str = "alice") -> None:
    names = _names(stack)
    fake.seed(
        stack,
        {
            "fabml:environment": "sandbox",
            "fabml:owner": owner,
            "fabml:createdOn": "2026-11-20",
            "fabml:expiresOn": expires,
        },
        {
            "subscriptionId": SUBSCRIPTION,
            "resourceGroupName": names.resource_group,
            "workspaceName": names.ml_workspace,
        },
    )


def _sandbox_settings(sandboxes: Sandboxes, stack: str) -> StackSettings:
    return sandboxes._settings(stack, {"fabml:expiresOn": "2026-11-26", "fabml:owner": "alice"})


def test_create_tags_configures_and_deploys_through_the_automation_api(
    sandboxes: Sandboxes, fake_pulumi: FakePulumi
) -> None:
    sandbox = sandboxes.create("alice", parse_ttl("3d"), owner="alice", **PRINCIPALS)
    assert sandbox.stack == "sandbox-alice"
    assert sandbox.expires_on == "2026-11-26"
    stack = fake_pulumi.stacks()["sandbox-alice"]
    assert stack["tags"] == {
        "fabml:environment": "sandbox",
        "fabml:owner": "alice",
        "fabml:createdOn": "2026-11-23",
        "fabml:expiresOn": "2026-11-26",
    }
    # The sequence pulumi.automation runs: version check, select (not found), init, tags,
    # config, up, then the outputs and the last history entry it returns as UpResult.
    assert [c[:3] if c[0] == "config" else c for c in fake_pulumi.commands()] == [
        ["version"],
        ["stack", "ls"],  # does sandbox-alice exist?
        ["stack", "select", "sandbox-alice"],
        ["stack", "init", "sandbox-alice"],
        *[["stack", "tag", "set", k, v, "sandbox-alice"] for k, v in stack["tags"].items()],
        ["config", "set-all", "sandbox-alice"],
        ["up", "auto.local", "sandbox-alice"],
        ["stack", "output", "sandbox-alice"],
        ["stack", "output", "sandbox-alice"],
        ["stack", "history", "1", "1", "sandbox-alice"],
    ]
    [up] = [c for c in fake_pulumi.calls() if "up" in c["args"]]
    config = up["config"]
    assert config["fabml:environment"] == "sandbox"
    assert config["fabml:expiresOn"] == "2026-11-26"
    assert json.loads(config["fabml:fabric"])["principalObjectId"] == PRINCIPAL_OBJECT_ID
    # The program is the checkout's, reached from a scratch project with the same virtualenv.
    project = up["project"]
    assert project["name"] == "fabml"
    assert "stackConfigDir" not in project
    assert up["main"] == str(REPO / "infra")
    assert project["runtime"]["options"]["virtualenv"] == str((REPO / ".venv").resolve())


def test_create_leaves_the_checkout_clean(sandboxes: Sandboxes, fake_pulumi: FakePulumi) -> None:
    before = git_status()
    sandboxes.create("alice", parse_ttl("3d"), owner="alice", **PRINCIPALS)
    assert git_status() == before
    # The stand-in writes Pulumi.<stack>.yaml where the CLI would: in the work dir, never the
    # checkout (its stackConfigDir is stacks/, which a work dir of the checkout would dirty).
    [up] = [c for c in fake_pulumi.calls() if "up" in c["args"]]
    assert up["config_file"].endswith("Pulumi.sandbox-alice.yaml")
    assert not Path(up["config_file"]).is_relative_to(REPO)
    assert not Path(up["cwd"]).exists()  # the scratch project is gone


def test_create_refuses_bad_input_before_any_stack_exists(
    sandboxes: Sandboxes, fake_pulumi: FakePulumi
) -> None:
    with pytest.raises(SandboxError, match="--ttl '3 days'"):
        parse_ttl("3 days")
    with pytest.raises(SandboxError, match="allowed from 1h to 30d"):
        parse_ttl("90d")
    with pytest.raises(SandboxError, match="sandbox name 'Alice'"):
        sandboxes.create("Alice", dt.timedelta(days=1), owner=None, **PRINCIPALS)
    with pytest.raises(Exception, match="fabml:fabric.principalObjectId = 'nope'"):
        sandboxes.create(
            "bob",
            dt.timedelta(days=1),
            owner=None,
            principal_object_id="nope",
            principal_client_id=PRINCIPAL_CLIENT_ID,
        )
    assert fake_pulumi.calls() == []
    _deployed(fake_pulumi, "sandbox-carol", "2026-12-01")
    with pytest.raises(SandboxError, match="sandbox-carol exists already"):
        sandboxes.create("carol", dt.timedelta(days=1), owner=None, **PRINCIPALS)


def test_list_shows_owner_age_and_expiry_of_sandboxes_only(
    sandboxes: Sandboxes, fake_pulumi: FakePulumi
) -> None:
    _deployed(fake_pulumi, "sandbox-old", "2026-11-22", owner="bob")
    _deployed(fake_pulumi, "sandbox-new", "2026-11-30")
    fake_pulumi.seed("dev", {"fabml:environment": "dev"})
    fake_pulumi.seed("sandbox-untagged", {})
    listed = {s.stack: s for s in sandboxes.list()}
    assert set(listed) == {"sandbox-new", "sandbox-old"}
    assert (listed["sandbox-old"].owner, listed["sandbox-old"].expired) == ("bob", True)
    assert (listed["sandbox-new"].age_days, listed["sandbox-new"].expired) == (3, False)


def test_destroy_purges_what_the_sandbox_owns_and_it_comes_up_again(
    sandboxes: Sandboxes,
    fake_pulumi: FakePulumi,
    fake_arm: tuple[FakeArm, ArmClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arm, _ = fake_arm
    settings = _sandbox_settings(sandboxes, "sandbox-alice")
    names = settings.names_in(SUBSCRIPTION)
    deploy_with(monkeypatch, settings)
    sandboxes.create("alice", parse_ttl("3d"), owner="alice", **PRINCIPALS)
    group, workspace, vault = azure_resources(settings)
    assert set(arm.resources) == {group.lower(), workspace.lower(), vault.lower()}
    arm.requests.clear()

    report = sandboxes.destroy("alice")

    assert report.purged == [
        f"Azure ML workspace {names.ml_workspace}",
        f"Key Vault {names.key_vault}",
    ]
    assert report.problems == []
    assert arm.problems == []
    mutating = [(m, p.split("?")[0]) for m, p in arm.mutating() if "/operations/" not in p]
    assert mutating == [
        ("DELETE", workspace),  # forceToPurge, before pulumi destroy
        ("DELETE", vault),  # pulumi destroy (the stand-in's)
        ("DELETE", workspace),  # gone already: 204
        ("DELETE", group),
        (
            "POST",
            f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.KeyVault/locations/swedencentral/"
            f"deletedVaults/{names.key_vault}/purge",
        ),
    ]
    assert "forceToPurge=true" in arm.mutating()[0][1]
    assert "sandbox-alice" not in fake_pulumi.stacks()
    assert arm.deleted_vaults == {}
    assert arm.deleted_workspaces == set()
    # Within the retention period, the same names deploy again.
    sandboxes.create("alice", parse_ttl("3d"), owner="alice", **PRINCIPALS)
    assert len(arm.resources) == 3


def test_destroy_refuses_anything_that_is_not_a_sandbox(
    sandboxes: Sandboxes, fake_pulumi: FakePulumi, fake_arm: tuple[FakeArm, ArmClient]
) -> None:
    fake_pulumi.seed("sandbox-imposter", {"fabml:environment": "prod"})
    for name in ("prod", "dev"):
        with pytest.raises(SandboxError, match="not a sandbox"):
            sandboxes.destroy(name)
        with pytest.raises(SandboxError, match="not a sandbox"):
            stack_name(name)
    with pytest.raises(SandboxError, match="not tagged fabml:environment=sandbox"):
        sandboxes.destroy("imposter")
    assert not any(c[0] == "destroy" for c in fake_pulumi.commands())
    assert fake_arm[0].requests == []


def _prod_in_azure(arm: FakeArm) -> tuple[str, str]:
    """Prod's group and workspace, as prod's deployment left them in Azure."""
    prod = Names(stack="prod", suffix=suffix(SUBSCRIPTION, "prod"))
    group = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{prod.resource_group}"
    workspace = (
        f"{group}/providers/Microsoft.MachineLearningServices/workspaces/{prod.ml_workspace}"
    )
    tags = {"project": "fabml", "stack": "prod", "environment": "prod"}
    arm.put(group, tags)
    arm.put(workspace, tags)
    return prod.resource_group, prod.ml_workspace


def test_a_sandbox_whose_outputs_name_prod_purges_nothing(
    fake_pulumi: FakePulumi,
    fake_arm: tuple[FakeArm, ArmClient],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    arm, client = fake_arm
    group, workspace = _prod_in_azure(arm)
    _deployed(fake_pulumi, "sandbox-evil", "2026-11-20")
    fake_pulumi.seed(
        "sandbox-evil",
        fake_pulumi.stacks()["sandbox-evil"]["tags"],
        {"subscriptionId": SUBSCRIPTION, "resourceGroupName": group, "workspaceName": workspace},
    )
    monkeypatch.setattr("infra.clients.arm.ArmClient", lambda: client)

    assert main(["sandbox", "destroy", "evil"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        f"fabml: sandbox-evil: its outputs name resource group {group}, but sandbox-evil's is "
        f"rg-fabml-sandbox-evil: refusing to destroy or purge anything"
    )
    assert arm.mutating() == []
    assert not any(c[0] == "destroy" for c in fake_pulumi.commands())
    assert "sandbox-evil" in fake_pulumi.stacks()


def test_azure_decides_ownership_not_the_names(
    sandboxes: Sandboxes, fake_pulumi: FakePulumi, fake_arm: tuple[FakeArm, ArmClient]
) -> None:
    arm, _ = fake_arm
    settings = _sandbox_settings(sandboxes, "sandbox-alice")
    group, workspace, _ = azure_resources(settings)
    _deployed(fake_pulumi, "sandbox-alice", "2026-11-26")
    # The sandbox's own names, but Azure says the workspace is another stack's.
    arm.put(group, {"project": "fabml", "stack": "sandbox-alice", "environment": "sandbox"})
    arm.put(workspace, {"project": "fabml", "stack": "sandbox-bob", "environment": "sandbox"})
    with pytest.raises(Refused, match="purge Azure ML workspace .* stack='sandbox-bob'"):
        sandboxes.destroy("alice")
    # Nor a group that is not the sandbox's, whatever is in it.
    arm.put(group, {"project": "fabml", "stack": "prod", "environment": "prod"})
    with pytest.raises(Refused, match="resource group rg-fabml-sandbox-alice: tagged stack='prod'"):
        sandboxes.destroy("alice")
    assert arm.mutating() == []
    assert not any(c[0] == "destroy" for c in fake_pulumi.commands())


def test_a_soft_deleted_vault_of_another_stack_is_not_purged(
    sandboxes: Sandboxes,
    fake_pulumi: FakePulumi,
    fake_arm: tuple[FakeArm, ArmClient],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    arm, client = fake_arm
    settings = _sandbox_settings(sandboxes, "sandbox-alice")
    names = settings.names_in(SUBSCRIPTION)
    _deployed(fake_pulumi, "sandbox-alice", "2026-11-20")
    elsewhere = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-other/providers/Microsoft.KeyVault/"
        f"vaults/{names.key_vault}"
    )
    arm.deleted_vaults[names.key_vault] = {
        "vaultId": elsewhere,
        "location": "swedencentral",
        "tags": {"project": "fabml", "stack": "sandbox-alice", "environment": "sandbox"},
        "purgeProtectionEnabled": False,
    }
    monkeypatch.setattr("infra.clients.arm.ArmClient", lambda: client)
    assert main(["sandbox", "destroy", "alice"]) == 1
    err = capsys.readouterr().err
    assert f"refusing to purge deleted Key Vault {names.key_vault}: it was {elsewhere}" in err
    assert names.key_vault in arm.deleted_vaults
    assert not any(m == "POST" for m, _ in arm.requests)
    # Same group, another stack's tags: refused too.
    _deployed(fake_pulumi, "sandbox-alice", "2026-11-20")
    arm.deleted_vaults[names.key_vault]["vaultId"] = azure_resources(settings)[2]
    arm.deleted_vaults[names.key_vault]["tags"] = {"project": "fabml", "stack": "dev"}
    report = sandboxes.destroy("alice")
    assert report.purged == []
    assert report.problems == [
        f"refusing to purge deleted Key Vault {names.key_vault}: tagged stack='dev', "
        "environment=None"
    ]
    assert not any(m == "POST" for m, _ in arm.requests)


def test_reap_destroys_only_expired_sandboxes(
    sandboxes: Sandboxes, fake_pulumi: FakePulumi, fake_arm: tuple[FakeArm, ArmClient]
) -> None:
    _deployed(fake_pulumi, "sandbox-old", "2026-11-22")
    _deployed(fake_pulumi, "sandbox-today", "2026-11-23")
    _deployed(fake_pulumi, "sandbox-new", "2026-11-30")
    reports = sandboxes.reap()
    assert [r.stack for r in reports] == ["sandbox-old"]
    assert set(fake_pulumi.stacks()) == {"sandbox-today", "sandbox-new"}


def test_list_and_reap_survive_one_bad_sandbox(
    fake_pulumi: FakePulumi,
    fake_arm: tuple[FakeArm, ArmClient],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _deployed(fake_pulumi, "sandbox-a-old", "2026-11-20")
    _deployed(fake_pulumi, "sandbox-bad", "soon")
    _deployed(fake_pulumi, "sandbox-broken", "2026-11-20")
    _deployed(fake_pulumi, "sandbox-z-old", "2026-11-20")
    monkeypatch.setenv("FAKE_PULUMI_PROTECTED", "sandbox-broken")  # its destroy fails
    monkeypatch.setattr("infra.clients.arm.ArmClient", lambda: fake_arm[1])

    assert main(["sandbox", "list"]) == 0
    out = capsys.readouterr().out
    assert "stack tag fabml:expiresOn is 'soon': expected a date YYYY-MM-DD" in out
    assert main(["sandbox", "list", "--json"]) == 0
    listed = {s["stack"]: s for s in json.loads(capsys.readouterr().out)}
    assert listed["sandbox-bad"]["problem"].startswith("stack tag fabml:expiresOn is 'soon'")

    assert main(["sandbox", "reap"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "sandbox-a-old destroyed" in captured.out
    assert "sandbox-z-old destroyed" in captured.out
    assert "fabml: sandbox-bad: stack tag fabml:expiresOn is 'soon'" in captured.err
    assert "fabml: sandbox-broken: `pulumi destroy --stack sandbox-broken` failed" in captured.err
    assert set(fake_pulumi.stacks()) == {"sandbox-bad", "sandbox-broken"}


def test_a_failed_destroy_leaves_the_stack_and_says_why(
    sandboxes: Sandboxes, fake_pulumi: FakePulumi, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deployed(fake_pulumi, "sandbox-alice", "2026-11-26")
    monkeypatch.setenv("FAKE_PULUMI_PROTECTED", "sandbox-alice")
    with pytest.raises(
        PulumiError,
        match="`pulumi destroy --stack sandbox-alice` failed: .*refusing to delete it",
    ):
        sandboxes.destroy("alice")
    assert "sandbox-alice" in fake_pulumi.stacks()


def test_the_stand_in_refuses_command_lines_it_does_not_know(fake_pulumi: FakePulumi) -> None:
    pulumi = Pulumi()
    _deployed(fake_pulumi, "sandbox-alice", "2026-11-26")
    unknown = "does not know this command line: stack rm --yes --force"
    with pytest.raises(PulumiError, match=unknown), pulumi.workspace("stack rm", "x") as ws:
        ws.remove_stack("sandbox-alice", force=True)
    with pytest.raises(PulumiError, match="no stack named 'sandbox-nobody' found"):
        pulumi.outputs("sandbox-nobody")


def test_cli_json_and_errors(
    fake_pulumi: FakePulumi, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _deployed(fake_pulumi, "sandbox-new", "2099-01-01")
    assert main(["sandbox", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["stack"] == "sandbox-new"
    assert listed["expired"] is False
    monkeypatch.delenv("FABML_PRINCIPAL_OBJECT_ID", raising=False)
    assert main(["sandbox", "create", "x", "--principal-client-id", PRINCIPAL_CLIENT_ID]) == 2
    assert "--principal-object-id is required" in capsys.readouterr().err
    assert main(["sandbox", "destroy", "prod"]) == 2
    assert "'prod' is not a sandbox stack" in capsys.readouterr().err
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["sandbox", "list"]) == 2
    assert "pulumi CLI is not on PATH" in capsys.readouterr().err


def test_update_redeploys_and_moves_the_expiry(
    sandboxes: Sandboxes, fake_pulumi: FakePulumi
) -> None:
    _deployed(fake_pulumi, "sandbox-pr-7", "2026-11-24")
    sandboxes.create("pr-7", parse_ttl("3d"), owner="ci", update=True, **PRINCIPALS)
    tags = fake_pulumi.stacks()["sandbox-pr-7"]["tags"]
    assert tags["fabml:expiresOn"] == "2026-11-26"
    assert tags["fabml:createdOn"] == "2026-11-20"  # the age is kept
    assert [c[0] for c in fake_pulumi.commands()].count("up") == 1
    assert ["stack", "init", "sandbox-pr-7"] not in fake_pulumi.commands()


def test_a_sandbox_stack_gets_the_secrets_provider_asked_for(
    fake_pulumi: FakePulumi,
    fake_arm: tuple[FakeArm, ArmClient],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = "azurekeyvault://kv-ci.vault.azure.net/keys/sandbox"
    sandboxes = Sandboxes(
        Pulumi(on_output=lambda line: None, secrets_provider=key),
        arm=lambda: fake_arm[1],
        today=lambda: TODAY,
        progress=lambda line: None,
    )
    sandboxes.create("kv", parse_ttl("1d"), owner="ci", **PRINCIPALS)
    assert ["stack", "init", "sandbox-kv", key] in fake_pulumi.commands()
    assert fake_pulumi.stacks()["sandbox-kv"]["secretsProvider"] == key
    # Anything but a provider Pulumi knows is one line before any stack exists.
    monkeypatch.setenv("FABML_SECRETS_PROVIDER", "vault.example/key")
    args = [
        "--principal-object-id",
        PRINCIPAL_OBJECT_ID,
        "--principal-client-id",
        PRINCIPAL_CLIENT_ID,
    ]
    assert main(["sandbox", "create", "bad", *args]) == 2
    assert "--secrets-provider 'vault.example/key': allowed are" in capsys.readouterr().err
    assert "sandbox-bad" not in fake_pulumi.stacks()
