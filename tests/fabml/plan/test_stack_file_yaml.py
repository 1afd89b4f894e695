"""Stack files are YAML a user (or a pull request) wrote: aliases are bounded, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fabml.plan.stack_file import StackFileError, read_stack_config
from infra import bounded_yaml


def test_ordinary_anchors_still_work(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text(
        "config:\n  fabml:tags: &tags\n    team: data\n  fabml:otherTags: *tags\n"
        "  fabml:list: [&one 1, *one]\n"
    )
    values = read_stack_config("x", path).values
    assert values["fabml:otherTags"] == values["fabml:tags"] == '{"team":"data"}'
    assert values["fabml:list"] == "[1,1]"


def test_the_bound_counts_expanded_values_not_text() -> None:
    # 4 levels of 10 aliases: 11,111 values, well inside the bound; 5 levels: 111,111, past it.
    def nested(levels: int) -> str:
        lines = ['a0: &a0 "x"']
        for n in range(1, levels + 1):
            lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]")
        return "\n".join(lines)

    assert len(bounded_yaml.safe_load(nested(4))["a4"]) == 10
    with pytest.raises(yaml.YAMLError, match="more than 100,000"):
        bounded_yaml.safe_load(nested(5))


def test_deep_nesting_and_binary_files_are_stack_file_errors(tmp_path: Path) -> None:
    deep = tmp_path / "Pulumi.deep.yaml"
    deep.write_text("config:\n  fabml:x: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(StackFileError, match="not valid YAML: nested too deeply"):
        read_stack_config("deep", deep)
    binary = tmp_path / "Pulumi.bin.yaml"
    binary.write_bytes(b"config:\n  fabml:x: \xff\xfe\n")
    with pytest.raises(StackFileError, match="not UTF-8 text"):
        read_stack_config("bin", binary)
