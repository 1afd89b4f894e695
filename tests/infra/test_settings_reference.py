"""The README's settings table is the config models' own descriptions, and stays so."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel

from infra.settings import StackSettings
from infra.settings.reference import markdown_table

REPO = Path(__file__).resolve().parents[2]
BEGIN = "<!-- settings-table:"
END = "<!-- /settings-table -->"


def _readme_table() -> str:
    text = (REPO / "README.md").read_text()
    start = text.index("\n", text.index(BEGIN)) + 1
    return text[start : text.index(END)]


def test_readme_table_is_the_generated_one() -> None:
    # Equality, not containment: a row for a removed setting must fail too.
    assert _readme_table() == markdown_table(), (
        "README settings table is stale: run `python -m infra.settings.reference` and paste it"
    )


def test_every_key_of_every_config_model_has_a_row() -> None:
    keys = set(re.findall(r"^\| `([^`]+)` \|", markdown_table(), re.M))
    expected = set()
    for name, field in StackSettings.model_fields.items():
        key = field.alias or name
        if key == "stack":
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            expected |= {f"{key}.{f.alias or n}" for n, f in annotation.model_fields.items()}
        else:
            expected.add(key)
    assert keys == expected


def test_profile_values_appear_per_environment() -> None:
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `([^`]+)` \| ([^|]+) \|", markdown_table(), re.M)
    }
    assert rows["compute.maxNodes"] == "dev `2`; sandbox `1`; prod `5`"
    assert rows["dataLake.networkDefaultAction"] == "dev, sandbox `Allow`; prod `Deny`"
    assert rows["environment"] == "required"
    assert rows["dataLake.containerName"] == "`scoring`"


def test_the_command_prints_the_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "infra.settings.reference"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout == markdown_table()
