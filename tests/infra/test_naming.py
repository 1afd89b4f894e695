"""Names follow each Azure resource's rules and are stable per stack."""

import re

import pytest

from infra.naming import Names, stable_suffix

STACKS = ["dev", "prod", "sandbox-alice", "sandbox-a-very-long-person-name-2026", "Feature_42"]


@pytest.mark.parametrize("stack", STACKS)
def test_names_follow_azure_rules(stack: str) -> None:
    names = Names(stack=stack, suffix=stable_suffix("fabml", stack))
    for account in (names.data_lake, names.workspace_storage):
        assert re.fullmatch(r"[a-z0-9]{3,24}", account), account
    assert re.fullmatch(r"[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]", names.key_vault)
    assert "--" not in names.key_vault
    assert re.fullmatch(r"[a-zA-Z0-9][\w-]{2,32}", names.ml_workspace)
    assert re.fullmatch(r"[a-zA-Z][a-zA-Z0-9-]{2,31}", names.batch_endpoint)
    assert re.fullmatch(r"[-\w._()]{1,90}", names.resource_group)
    assert len(names.log_analytics) <= 63


def test_globally_unique_names_differ_between_stacks() -> None:
    a = Names(
        stack="sandbox-a-very-long-person-name-1",
        suffix=stable_suffix("fabml", "sandbox-a-very-long-person-name-1"),
    )
    b = Names(
        stack="sandbox-a-very-long-person-name-2",
        suffix=stable_suffix("fabml", "sandbox-a-very-long-person-name-2"),
    )
    for attr in ("data_lake", "workspace_storage", "key_vault", "ml_workspace", "batch_endpoint"):
        assert getattr(a, attr) != getattr(b, attr), attr


def test_suffix_is_stable() -> None:
    assert stable_suffix("fabml", "dev") == stable_suffix("fabml", "dev")
    assert stable_suffix("fabml", "dev") != stable_suffix("fabml", "prod")
    assert Names(stack="dev", suffix="abcd").data_lake == "stfabmldldevabcd"
