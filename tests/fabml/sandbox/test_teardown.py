"""`fabml destroy --stack`: a non-prod stack torn down so it comes up again at once."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
from pulumi import automation as auto

from fabml.cli.main import main
from fabml.plan import runner
from fabml.plan.stack_file import read_stack_config
from fabml.sandbox.automation import Pulumi, PulumiError
from fabml.sandbox.purge import OWNER_TAGS, Purger
from fabml.sandbox.teardown import teardown
from infra.clients.arm import ArmClient
from infra.errors import UserError
from infra.settings import StackSettings, load_offline_settings
from tests.conftest import FABRIC, REPO, config_for, in_subscription
from tests.fabml.sandbox.conftest import (
    SUBSCRIPTION,
    FakeArm,
    FakePulumi,
    deploy_with,
    git_status,
)


def _settings(stack: str, **extra: str) -> StackSettings:
    values = {**read_stack_config(stack).values, **extra}
    return load_offline_settings(stack, values)[0]


def _pulumi_up_dev() -> None:
    """`pulumi up --stack dev` as a user runs it in the checkout (stack config from stacks/)."""
    pulumi = Pulumi(on_output=lambda line: None)
    with pulumi.workspace("up --stack dev", "dev") as ws:
        auto.Stack.select("dev", ws).up()


@pytest.fixture
def dev(
    fake_pulumi: FakePulumi, fake_arm: tuple[FakeArm, ArmClient], monkeypatch: pytest.MonkeyPatch
) -> StackSettings:
    settings = _settings("dev")
    fake_pulumi.seed("dev", {})
    deploy_with(monkeypatch, settings)
    _pulumi_up_dev()
    monkeypatch.setattr("infra.clients.arm.ArmClient", lambda: fake_arm[1])
    return settings


def test_plain_pulumi_destroy_leaves_the_names_taken(
    dev: StackSettings, fake_arm: tuple[FakeArm, ArmClient]
) -> None:
    # What `fabml destroy` is for: after a plain destroy, the same stack cannot come up again.
    pulumi = Pulumi(on_output=lambda line: None)
    with pulumi.workspace("destroy --stack dev", "dev") as ws:
        auto.Stack.select("dev", ws).destroy()
    names = dev.names_in(SUBSCRIPTION)
    assert names.key_vault in fake_arm[0].deleted_vaults
    with pytest.raises(PulumiError, match="is soft-deleted"):
        _pulumi_up_dev()


def test_dev_destroy_purges_and_dev_comes_up_again(
    dev: StackSettings,
    fake_pulumi: FakePulumi,
    fake_arm: tuple[FakeArm, ArmClient],
    capsys: pytest.CaptureFixture[str],
) -> None:
    arm, _ = fake_arm
    names = dev.names_in(SUBSCRIPTION)
    before = git_status()

    assert main(["destroy", "--stack", "dev"]) == 0

    out = capsys.readouterr().out
    assert out.strip() == (
        f"dev destroyed; purged: Azure ML workspace {names.ml_workspace}, "
        f"Key Vault {names.key_vault}"
    )
    assert arm.problems == []
    assert arm.deleted_vaults == {}
    assert arm.deleted_workspaces == set()
    # dev's destroy ran in the checkout, with dev's own stack file, and wrote nothing there.
    [destroy] = [c for c in fake_pulumi.calls() if "destroy" in c["args"]]
    assert destroy["cwd"] == str(REPO)
    assert "dev" in fake_pulumi.stacks()  # dev keeps its stack: it comes up again
    _pulumi_up_dev()
    assert len(arm.resources) == 3
    assert git_status() == before


def test_destroy_refuses_prod_and_protected_stacks(
    fake_pulumi: FakePulumi,
    fake_arm: tuple[FakeArm, ArmClient],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["destroy", "--stack", "prod"]) == 2
    assert capsys.readouterr().err.strip() == (
        "fabml: prod is a prod stack: fabml never destroys or purges a protected environment"
    )
    protected = _settings("dev", **{"fabml:protection": '{"protectStateful": true}'})
    with pytest.raises(UserError, match="dev protects its stateful resources"):
        teardown(Pulumi(), lambda: fake_arm[1], protected, config=None, progress=print)
    assert fake_pulumi.calls() == []
    assert fake_arm[0].requests == []


def test_smoke_reads_stack_outputs_through_automation(
    fake_pulumi: FakePulumi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fabml.cli.smoke import _outputs

    fake_pulumi.seed("dev", {}, {"workspaceName": "mlw", "fabricPrincipalSecret": "s3cret"})
    state = fake_pulumi.stacks()
    state["dev"]["secrets"] = ["fabricPrincipalSecret"]
    fake_pulumi.state.write_text(json.dumps({"stacks": state}))
    outputs, source = _outputs(argparse.Namespace(outputs=None, stack="dev"))
    # Secrets come back in plain text (the SDK asks with --show-secrets), in this process only.
    assert outputs == {"workspaceName": "mlw", "fabricPrincipalSecret": "s3cret"}
    assert source == "stack dev"
    [masked, shown] = [c["args"] for c in fake_pulumi.calls() if "output" in c["args"]]
    assert "--show-secrets" not in masked
    assert "--show-secrets" in shown


def test_outputs_that_steer_calls_elsewhere_or_no_sign_in_stop_with_one_line(
    fake_pulumi: FakePulumi,
    fake_arm: tuple[FakeArm, ArmClient],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    fake_pulumi.seed("dev", {}, {"subscriptionId": "../../providers/Other"})
    monkeypatch.setattr("infra.clients.arm.ArmClient", lambda: fake_arm[1])
    assert main(["destroy", "--stack", "dev"]) == 1
    assert "subscriptionId output '../../providers/Other' is not a subscription id" in (
        capsys.readouterr().err
    )
    assert fake_arm[0].requests == []

    def no_token(scope: str) -> str:
        raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")

    fake_pulumi.seed("dev", {}, {"subscriptionId": "11111111-2222-3333-4444-555555555555"})
    monkeypatch.setattr("infra.clients.arm.ArmClient", lambda: ArmClient(token=no_token))
    assert main(["destroy", "--stack", "dev"]) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("fabml: no Azure sign-in found")
    assert not any("destroy" in c["args"] for c in fake_pulumi.calls())


def test_the_program_sets_the_tags_and_names_the_purges_check() -> None:
    # Purges trust only creation tags and names read back from Azure: the program must set
    # exactly those on the group, the workspace and the vault, in the subscription purged in.
    settings = _settings("dev")
    defaults = runner.run_plan(in_subscription(config_for("dev", fabric=FABRIC), SUBSCRIPTION))
    names = Purger(ArmClient(token=lambda scope: "t"), SUBSCRIPTION, settings).names
    owner = {key: settings.tags[key] for key in OWNER_TAGS}
    assert owner == {"project": "fabml", "stack": "dev", "environment": "dev"}
    for type_, name_input, name in (
        ("azure-native:resources:ResourceGroup", "resourceGroupName", names.resource_group),
        ("azure-native:machinelearningservices:Workspace", "workspaceName", names.ml_workspace),
        ("azure-native:keyvault:Vault", "vaultName", names.key_vault),
    ):
        [resource] = defaults.of_type(type_)
        assert resource.inputs[name_input] == name, type_
        assert resource.inputs["tags"].items() >= owner.items(), type_


def test_config_is_set_in_a_scratch_project_even_when_stacks_has_the_stack(
    tmp_path: Path, fake_pulumi: FakePulumi
) -> None:
    # A checkout of its own, with a stack file in stacks/ that `up` must not rewrite.
    root = tmp_path / "checkout"
    (root / "stacks").mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.yaml", root)
    (root / "infra").symlink_to(REPO / "infra")
    (root / ".venv").symlink_to(REPO / ".venv")
    stack_file = root / "stacks" / "Pulumi.sandbox-alice.yaml"
    stack_file.write_text("config: {}\n")
    pulumi = Pulumi(root=root, on_output=lambda line: None)

    pulumi.up("sandbox-alice", {"fabml:owner": "alice"}, {"fabml:environment": "sandbox"})
    assert stack_file.read_text() == "config: {}\n"
    [up] = [c for c in fake_pulumi.calls() if "up" in c["args"]]
    assert up["config"] == {"fabml:owner": "alice"}
    assert up["cwd"] != str(root)
    # Reading uses the checkout, whose stack file holds the stack's secrets provider settings.
    pulumi.outputs("sandbox-alice")
    assert fake_pulumi.calls()[-1]["cwd"] == str(root)
