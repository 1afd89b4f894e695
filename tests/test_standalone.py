"""The repository stands alone: nothing it tracks reads a folder beside the clone."""

from __future__ import annotations

from tests.conftest import REPO, tracked

# Built at run time so that this file does not match itself.
SIBLING = "../" + "shared"


def test_no_tracked_file_names_a_folder_beside_the_clone() -> None:
    offenders = []
    for rel in tracked():
        path = REPO / rel
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if SIBLING in text:
            offenders.append(rel)
    assert offenders == []


def test_vendored_folders_carry_licence_and_source() -> None:
    for folder in ("data", "tests/specs/fabric", "tests/specs/pulumi"):
        names = {p.name for p in (REPO / folder).iterdir()}
        assert {n for n in names if n.startswith("LICENSE")}, folder
        assert "SOURCE.txt" in names, folder
        source = (REPO / folder / "SOURCE.txt").read_text()
        assert "commit" in source.lower() or "@" in source, folder
