"""Every path README.md and docs/ name exists in the checkout (no servers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DOCUMENTS = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_PATH = re.compile(r"^(\.\./|\./)?[\w.-]+(/[\w.-]*)*$")


def generated_prefixes() -> list[str]:
    """What .gitignore keeps out of a checkout: made by the commands, not committed."""
    lines = (PROJECT / ".gitignore").read_text().splitlines()
    return [line.strip().lstrip("/") for line in lines if line.strip().endswith("/") and not line.startswith("#")]


def named_paths(text: str) -> set[str]:
    """The words of code spans, code blocks and link targets that name a file or folder of
    the project: their first part is a top-level entry of the checkout (or ``../shared``)."""
    words = set()
    for span in [*_CODE_SPAN.findall(text), *_LINK.findall(text), *re.findall(r"```.*?```", text, re.DOTALL)]:
        words.update(span.split())
    top_level = {path.name for path in PROJECT.iterdir()}
    paths = set()
    for word in words:
        word = word.strip(",;:()'\"")
        if not _PATH.match(word):
            continue
        relative = word.removeprefix("./")
        if relative.startswith("../shared/") or relative.split("/")[0] in top_level:
            paths.add(relative)
    return paths


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(PROJECT)))
def test_every_path_a_document_names_exists(document):
    ignored = generated_prefixes()
    names = named_paths(document.read_text())
    missing = sorted(name for name in names if not (PROJECT / name).exists() and not any(name.startswith(prefix) for prefix in ignored))
    assert not missing, f"{document.name} names paths that do not exist: {missing}"


def test_the_paths_of_a_document_are_found():
    # The check above would pass on any document if nothing were taken for a path.
    text = "Run `./sparkify test tests/pipeline/warehouse/test_bad_input.py`; see [scaling](docs/scaling.md)\n```\ndags/nothing.py\n```"
    assert named_paths(text) == {"sparkify", "tests/pipeline/warehouse/test_bad_input.py", "docs/scaling.md", "dags/nothing.py"}
