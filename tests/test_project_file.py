"""Pulumi.yaml against Pulumi's own schema, and consistent with the settings."""

from __future__ import annotations

import json

import jsonschema
import yaml

from infra.settings import StackSettings
from tests.conftest import REPO, SPECS


def test_pulumi_yaml_validates_against_the_published_schema() -> None:
    schema = json.loads((SPECS / "pulumi" / "project.json").read_text())
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    jsonschema.validate(project, schema)


def test_pulumi_yaml_points_at_the_program_and_the_stacks() -> None:
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    assert project["name"] == "fabml"
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "uv", "virtualenv": ".venv"},
    }
    assert project["main"].rstrip("/") == "infra"
    assert project["stackConfigDir"] == "stacks"
    assert (REPO / "infra" / "__main__.py").is_file()


def test_declared_config_keys_are_settings_without_defaults() -> None:
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    fields = {(f.alias or n): f for n, f in StackSettings.model_fields.items()}
    for key, declaration in project["config"].items():
        assert key in fields, key
        assert fields[key].is_required(), f"{key} has a default in code: do not declare it twice"
        assert "default" not in declaration
