"""The Python examples of the documentation run as written: docs/python-api.md and the README's
```python blocks are doctest text, run against a fresh demo store in the working folder."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from evidence.seeds import ISATUXIMAB
from evidence.workflows.load import build_store

from .conftest import REPO

OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.fixture
def demo_folder(tmp_path, monkeypatch) -> Path:
    """A folder holding evidence.duckdb as `make demo` leaves it (the review and its first update), made
    the working folder so an example can say evidence.open("evidence.duckdb")."""
    build_store(f"duckdb:///{tmp_path / 'evidence.duckdb'}", ISATUXIMAB, with_updates=True)[0].dispose()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def python_blocks_only(text: str) -> str:
    """The text with every line outside a ```python block blanked, so doctest runs only those blocks and
    its line numbers are the file's."""
    lines = text.splitlines()
    kept = [""] * len(lines)
    inside = False
    for number, line in enumerate(lines):
        if re.fullmatch(r"```python\s*", line):
            inside = True
        elif inside and line.strip() == "```":
            inside = False
        elif inside:
            kept[number] = line
    return "\n".join(kept) + "\n"


def run_examples(name: str, folder: Path) -> doctest.TestResults:
    """Run the ```python blocks of the file `name` (relative to the repository) as one doctest, in `folder`."""
    examples = python_blocks_only((REPO / name).read_text(encoding="utf-8"))
    assert examples.count(">>>") >= 5, f"{name} has no ```python doctest blocks"
    copy = folder / Path(name).name  # the fences blanked: doctest would read a closing ``` as expected output
    copy.write_text(examples, encoding="utf-8")
    return doctest.testfile(str(copy), module_relative=False, name=name, optionflags=OPTIONS, encoding="utf-8")


def test_the_python_api_walkthrough_runs(demo_folder):
    results = run_examples("docs/python-api.md", demo_folder)
    assert results.failed == 0 and results.attempted >= 20


def test_the_readme_python_examples_run(demo_folder):
    results = run_examples("README.md", demo_folder)
    assert results.failed == 0 and results.attempted >= 5


def test_python_blocks_only_keeps_the_blocks_and_their_lines():
    text = "intro >>> not run\n```python\n>>> 1 + 1\n2\n```\n```\n>>> shell\n```\n"
    assert python_blocks_only(text).splitlines() == ["", "", ">>> 1 + 1", "2", "", "", "", ""]
