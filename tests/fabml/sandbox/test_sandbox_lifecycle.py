"""Sandboxes end to end against a stand-in `pulumi` and a local ARM stand-in."""

from __future__ import annotations

import datetime as dt
import json
from typing import TypedDict

import pytest
import yaml

from fabml.cli.main import main
from fabml.sandbox.lifecycle import SandboxError, Sandboxes, parse_ttl, stack_name
from fabml.sandbox.pulumi_cli import PulumiError
from infra.clients.arm import ArmClient
from infra.naming import Names, stable_suffix
from tests.conftest import PRINCIPAL_CLIENT_ID, PRINCIPAL_OBJECT_ID, REPO
from tests.fabml.sandbox.conftest import SUBSCRIPTION, FakeArm, FakePulumi


class Principals(TypedDict):
    principal_object_id: str
    principal_client_id: str


PRINCIPALS = Principals(
    principal_object_id=PRINCIPAL_OBJECT_ID, principal_client_id=PRINCIPAL_CLIENT_ID
)


def _names(stack: str) -> Names:
    return Names(stack=stack, suffix=stable_suffix("fabml", stack))


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


def test_create_stamps_expiry_and_owner_and_passes_config_explicitly(
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
    [up] = [c for c in fake_pulumi.calls() if c["args"][0] == "up"]
    assert "--config-file" in up["args"]
    assert "--yes" in up["args"]
    config = yaml.safe_load(up["config"])["config"]
    assert config["fabml:environment"] == "sandbox"
    assert config["fabml:expiresOn"] == "2026-11-26"
    assert config["fabml:fabric"]["principalObjectId"] == PRINCIPAL_OBJECT_ID
    # Pulumi runs in the project (Pulumi.yaml's folder), wherever fabml was started.
    assert {c["cwd"] for c in fake_pulumi.calls()} == {str(REPO)}


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


def test_destroy_purges_workspace_first_and_vault_after(
    sandboxes: Sandboxes, fake_pulumi: FakePulumi, fake_arm: tuple[FakeArm, ArmClient]
) -> None:
    arm, _ = fake_arm
    names = _names("sandbox-alice")
    _deployed(fake_pulumi, "sandbox-alice", "2026-11-26")
    arm.workspaces.add(names.ml_workspace)
    arm.deleted_vaults.add(names.key_vault)

    report = sandboxes.destroy("alice")

    assert report.purged == [
        f"Azure ML workspace {names.ml_workspace}",
        f"Key Vault {names.key_vault}",
    ]
    assert arm.problems == []
    methods = [m for m, _ in arm.requests if not _.startswith("/operations/")]
    assert methods == ["GET", "DELETE", "GET", "POST"]
    delete = next(p for m, p in arm.requests if m == "DELETE")
    assert f"/resourceGroups/{names.resource_group}/" in delete
    assert "forceToPurge=true" in delete
    purge = next(p for m, p in arm.requests if m == "POST")
    assert f"/locations/swedencentral/deletedVaults/{names.key_vault}/purge" in purge
    assert [c["args"][0] for c in fake_pulumi.calls()][-2:] == ["destroy", "stack"]
    assert "sandbox-alice" not in fake_pulumi.stacks()


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
    assert not any(c["args"][0] == "destroy" for c in fake_pulumi.calls())
    assert fake_arm[0].requests == []


def test_reap_destroys_only_expired_sandboxes(
    sandboxes: Sandboxes, fake_pulumi: FakePulumi, fake_arm: tuple[FakeArm, ArmClient]
) -> None:
    _deployed(fake_pulumi, "sandbox-old", "2026-11-22")
    _deployed(fake_pulumi, "sandbox-today", "2026-11-23")
    _deployed(fake_pulumi, "sandbox-new", "2026-11-30")
    reports = sandboxes.reap()
    assert [r.stack for r in reports] == ["sandbox-old"]
    assert set(fake_pulumi.stacks()) == {"sandbox-today", "sandbox-new"}


def test_a_failed_destroy_leaves_the_stack_and_says_why(
    sandboxes: Sandboxes,
    fake_pulumi: FakePulumi,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    _deployed(fake_pulumi, "sandbox-alice", "2026-11-26")
    monkeypatch.setenv("FAKE_PULUMI_PROTECTED", "sandbox-alice")
    with pytest.raises(PulumiError, match="pulumi destroy --stack sandbox-alice .* failed"):
        sandboxes.destroy("alice")
    assert "refusing to delete it" in capfd.readouterr().err  # pulumi's own words, streamed
    assert "sandbox-alice" in fake_pulumi.stacks()


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
    assert [c["args"][0] for c in fake_pulumi.calls()].count("up") == 1
    assert not any(c["args"][:2] == ["stack", "init"] for c in fake_pulumi.calls())
