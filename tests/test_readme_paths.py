"""Every repository path the documents name in backticks exists, so a move cannot leave one stale.

A path is a word in an inline code span that starts with one of the repository's top-level
folders (`infra/`, `tests/`, `.github/` ...). Placeholders (`stacks/Pulumi.<stack>.yaml`) and
globs must match at least one file; a `:line` or a `::test` after a file name is dropped.
"""

from __future__ import annotations

import fnmatch
import re

import pytest

from tests.conftest import REPO, tracked

# model/README.md names its files relative to model/, so only the root documents are read.
DOCUMENTS = ("README.md", "CONTRIBUTING.md")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
SPAN = re.compile(r"`([^`\n]+)`")
PLACEHOLDER = re.compile(r"<[^>]*>|\{[^}]*\}")


# Deleted but not yet committed files are gone already.
FILES = [p for p in tracked() if (REPO / p).exists()]
FOLDERS = {p.split("/")[0] for p in FILES if "/" in p}
KNOWN = set(FILES) | {"/".join(p.split("/")[:i]) for p in FILES for i in range(1, p.count("/") + 1)}


def paths_in(text: str) -> list[str]:
    """The repository paths `text` names in inline code, in order, without line or test ids."""
    found = []
    for span in SPAN.findall(FENCE.sub("", text)):
        for word in span.split():
            path = re.split(r"::|:\d", word.lstrip("\"'(").rstrip("\"'),;:."), maxsplit=1)[0]
            if path.split("/")[0] in FOLDERS and "/" in path:
                found.append(path)
    return found


def exists(path: str) -> bool:
    pattern = PLACEHOLDER.sub("*", path.rstrip("/"))
    if "*" not in pattern:
        return pattern in KNOWN
    return any(fnmatch.fnmatchcase(known, pattern) for known in KNOWN)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_path_a_document_names_exists(document: str) -> None:
    named = paths_in((REPO / document).read_text(encoding="utf-8"))
    assert named, f"{document} names no repository path: is the pattern still right?"
    assert [p for p in named if not exists(p)] == []


def test_the_pattern_reads_paths_as_the_documents_write_them() -> None:
    text = (
        "`tests/infra/components/`, `bin/bootstrap dev`, `infra/settings/loading.py:78`, "
        "`tests/test_imports.py::test_x`, `stacks/Pulumi.<stack>.yaml`, `pulumi up`, "
        "`infra/stack.py: build()` (`.github/workflows/*.yml`)\n```\ncat tests/nowhere/\n```\n"
    )
    assert paths_in(text) == [
        "tests/infra/components/",
        "bin/bootstrap",
        "infra/settings/loading.py",
        "tests/test_imports.py",
        "stacks/Pulumi.<stack>.yaml",
        "infra/stack.py",
        ".github/workflows/*.yml",
    ]
    assert all(exists(p) for p in paths_in(text))
    assert not exists("tests/infra/offline/")
    assert not exists("stacks/Nothing.<stack>.yaml")
