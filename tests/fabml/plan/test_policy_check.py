"""The offline runner as users meet it: shipped stacks pass, a bad stack fails as expected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fabml.cli.main import main
from fabml.plan.policy_check import check_plan
from fabml.plan.runner import plan_stack, run_plan
from fabml.plan.stack_file import STACKS_DIR, stack_names
from infra.settings import SettingsError, stack_settings
from tests.conftest import FABRIC, config_for


@pytest.fixture
def limits_lifted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings without their environment limits, as a hand-edited program would have them:
    the policy check is the second line and must catch what the first no longer refuses."""
    monkeypatch.setattr(stack_settings, "_unsafe_for_environment", lambda settings: [])


@pytest.mark.parametrize("stack", stack_names(STACKS_DIR))
def test_shipped_stacks_pass_their_environment(stack: str) -> None:
    report = check_plan(plan_stack(stack))
    assert report.mandatory == []
    assert [(v.rule.name, v.resource) for v in report.verdicts] == []
    assert report.environment == plan_stack(stack).environment


# A big cluster and a purgeable vault in prod.
BAD_PROD = config_for(
    "prod",
    fabric={**FABRIC, "workspaceId": "33333333-3333-3333-3333-333333333333"},
    compute={"maxNodes": 40},
    workspace={"purgeProtection": False, "deployerNetwork": "privateNetwork"},
)


def test_settings_refuse_what_the_rules_forbid_before_any_plan() -> None:
    with pytest.raises(SettingsError) as refused:
        run_plan(BAD_PROD)
    assert refused.value.problems == [
        "fabml:compute.maxNodes is 40: prod allows at most 20 (the cost cap)",
        "fabml:workspace.purgeProtection is false: prod requires true",
    ]


@pytest.mark.usefixtures("limits_lifted")
def test_a_deliberately_bad_stack_fails_with_the_expected_rules() -> None:
    # The same stack, past the settings' own limits.
    report = check_plan(run_plan(BAD_PROD))
    assert {(v.rule.name, v.resource, v.level) for v in report.verdicts} == {
        ("ml-compute-scale", "compute-cluster", "mandatory"),
        ("keyvault-purge-protection-in-prod", "ml-key-vault", "mandatory"),
    }


@pytest.mark.usefixtures("limits_lifted")
def test_dev_hygiene_rules_are_advisory() -> None:
    report = check_plan(run_plan(config_for("dev", fabric=FABRIC, compute={"maxNodes": 8})))
    assert [(v.rule.name, v.level) for v in report.verdicts] == [("ml-compute-scale", "mandatory")]
    # A dev plan judged by prod's rules shows what promotion would need.
    strict = check_plan(run_plan(config_for("dev", fabric=FABRIC)), "prod")
    assert {v.rule.name for v in strict.mandatory} == {
        "storage-network-default-deny",
        "ml-managed-network-in-prod",
        "keyvault-purge-protection-in-prod",
        "keyvault-retention-minimum",
        "keyvault-network-rules",
        "protect-stateful-in-prod",
        "storage-shared-key-workspace-storage",
        "storage-workspace-storage-network-deny",
        "storage-workspace-storage-zone-redundant",
        "keyvault-public-network-off-in-prod",
        "ml-system-datastores-identity-in-prod",
    }


def _dev_stack_file(tmp_path: Path, stack: str, extra: str = "") -> Path:
    """A minimal stack file that declares `fabml:environment: dev`."""
    stack_file = tmp_path / f"Pulumi.{stack}.yaml"
    stack_file.write_text(
        "config:\n  fabml:environment: dev\n  fabml:location: swedencentral\n"
        "  fabml:owner: me\n  fabml:costCenter: c\n" + extra
    )
    return stack_file


@pytest.mark.usefixtures("limits_lifted")
def test_plan_exits_1_on_a_mandatory_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_file = _dev_stack_file(tmp_path, "big", "  fabml:compute:\n    maxNodes: 9\n")
    assert main(["plan", "--stack", "big", "--config-file", str(stack_file)]) == 1
    out = capsys.readouterr().out
    assert "[mandatory] ml-compute-scale on compute-cluster: maxNodeCount is 9" in out
    assert "fix: set fabml:compute.maxNodes within the cap" in out


def test_policy_check_reads_a_saved_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "dev.json"
    assert main(["plan", "--stack", "dev", "--json", "--out", str(saved)]) == 0
    assert main(["policy", "check", str(saved)]) == 0
    assert "Policy verdicts (dev): " in capsys.readouterr().out
    assert main(["policy", "check", str(saved), "--environment", "prod"]) == 1
    assert "keyvault-purge-protection-in-prod" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not JSON"),
        (json.dumps({"resources": []}), "not a `fabml plan --json` file"),
    ],
)
def test_policy_check_names_a_bad_plan_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "plan.json"
    if content is not None:
        path.write_text(content)
    assert main(["policy", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert message in err
    assert "Traceback" not in err


def _saved(tmp_path: Path, **changes: object) -> Path:
    saved = tmp_path / "plan.json"
    assert main(["plan", "--stack", "dev", "--json", "--out", str(saved)]) == 0
    data = json.loads(saved.read_text())
    data.update(changes)
    saved.write_text(json.dumps(data))
    return saved


@pytest.mark.parametrize(
    ("changes", "flags", "message"),
    [
        # A plan file whose environment is unknown ended in a ValueError traceback.
        ({"stack": "qa", "environment": "staging"}, [], "'staging' is not one of dev, sandbox"),
        # The environment the plan states is not believed over the stack's name.
        ({"stack": "prod", "environment": "dev"}, [], "named for prod but fabml:environment"),
        # --environment may tighten, never loosen prod.
        ({"stack": "prod", "environment": "prod"}, ["--environment", "dev"], "judged by prod"),
        ({"stack": "qa", "environment": ""}, [], "names no environment"),
    ],
)
def test_policy_check_takes_the_environment_from_the_stack(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, object],
    flags: list[str],
    message: str,
) -> None:
    saved = _saved(tmp_path, **changes)
    capsys.readouterr()
    assert main(["policy", "check", str(saved), *flags]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_a_stack_named_prod_with_another_environment_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_file = _dev_stack_file(tmp_path, "prod")
    assert main(["plan", "--stack", "prod", "--config-file", str(stack_file)]) == 2
    captured = capsys.readouterr()
    assert "stack 'prod' is named for prod but fabml:environment is 'dev'" in captured.err
    assert "Traceback" not in captured.err
    assert "Policy verdicts" not in captured.out


def test_a_dev_plan_may_be_judged_by_stricter_rules(tmp_path: Path) -> None:
    saved = _saved(tmp_path)
    assert main(["policy", "check", str(saved), "--environment", "prod"]) == 1


def test_policy_check_judges_a_versioned_type_in_a_saved_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = _saved(tmp_path)
    data = json.loads(saved.read_text())
    [lake] = [r for r in data["resources"] if r["name"] == "data-lake-account"]
    lake["type"] = "azure-native:storage/v20230101:StorageAccount"
    lake["inputs"]["minimumTlsVersion"] = "TLS1_0"
    saved.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["policy", "check", str(saved)]) == 1
    assert "[mandatory] storage-min-tls on data-lake-account" in capsys.readouterr().out
