"""What a plain `pip install` ships: every data file the package reads at run time (the demo's seed
folders, the views' SQL, alembic's template) is named by pyproject.toml's package-data, so `evidence demo`
works without the source tree."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "evidence"


def test_every_data_file_of_the_package_is_shipped():
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["evidence"]
    data = [path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc")]
    assert any(name.startswith("seeds/isatuximab-mm/") for name in data)  # the check has something to check
    unshipped = [name for name in data if not any(fnmatch(name, pattern) for pattern in patterns)]
    assert unshipped == []


def test_the_demo_seed_is_found_inside_the_package():
    from evidence.jobs.demo import DEFAULT_SEED
    from evidence.seeds import ISATUXIMAB, ISATUXIMAB_RECORDS

    assert DEFAULT_SEED == ISATUXIMAB and PACKAGE in ISATUXIMAB.parents
    assert (ISATUXIMAB / "review.yaml").is_file() and (ISATUXIMAB / "updates" / "2026-11" / "update.yaml").is_file()
    assert (ISATUXIMAB_RECORDS / "citations.csv").is_file()
