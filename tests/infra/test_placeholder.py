"""One notion of placeholder: how one is made, recognised and described, for every reader."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from infra import placeholder
from infra.placeholder import Kind

REPO = Path(__file__).resolve().parents[2]


def test_stand_ins_for_missing_settings_are_recognised_as_settings() -> None:
    for value in (placeholder.UNSET_GUID, placeholder.UNSET_DATE):
        assert placeholder.is_unset(value)
        assert placeholder.kind_of(value) is Kind.SETTING
        assert not placeholder.is_after_deploy(value)


def test_azure_assigned_values_are_known_after_deploy() -> None:
    value = placeholder.after_deploy("compute-identity.principalId")
    assert value == "<compute-identity.principalId>"
    assert placeholder.is_after_deploy(value)
    assert placeholder.kind_of(value) is Kind.AFTER_DEPLOY
    # An ARM ID built on a placeholder subscription holds one without being one.
    arm_id = f"/subscriptions/{placeholder.after_deploy('subscriptionId')}/resourceGroups/rg"
    assert placeholder.kind_of(arm_id) is Kind.AFTER_DEPLOY
    assert not placeholder.is_after_deploy(arm_id)


@pytest.mark.parametrize(
    "value",
    [
        # Fabric's trusted-workspace rule names a literal all-zero subscription: a real value.
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/Fabric",
        "11111111-2222-3333-4444-555555555555",
        "<Fabric connection ID of the Azure ML workspace>",  # prose for a person, not a value
        "https://account.dfs.core.windows.net/",
        None,
        7,
    ],
)
def test_real_values_are_not_placeholders(value: object) -> None:
    assert placeholder.kind_of(value) is None
    assert not placeholder.is_unset(value)
    assert not placeholder.is_after_deploy(value)


def test_labels_say_what_to_do() -> None:
    assert Kind.SETTING.label == "(placeholder: set it in the stack config before deploying)"
    assert Kind.AFTER_DEPLOY.label == "(known after deploy)"


NOT_PLACEHOLDERS = {
    "infra/placeholder.py",  # the one place placeholders are spelled
    # Fabric's trusted workspace access names a workspace under this literal all-zero
    # subscription: Fabric's format, not our stand-in for an unset GUID.
    "infra/components/data_lake/config.py",
}


def test_readers_use_the_module_not_their_own_literals() -> None:
    # The five older spellings: the all-zero GUID, its prefix, the 1970 expiry and the labels.
    spelled = ("00000000-0000", "1970-01-01", "known after deploy", "before deploying")
    # Every module, not a list of known readers: a new reader (the access map) is held too.
    readers = sorted(
        path
        for package in ("infra", "fabml", "policies")
        for path in (REPO / package).rglob("*.py")
        if path.relative_to(REPO).as_posix() not in NOT_PLACEHOLDERS
    )
    for path in readers:
        tree = ast.parse(path.read_text())
        docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        literals = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ]
        assert not [s for s in literals for word in spelled if word in s], path
