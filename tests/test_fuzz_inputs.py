"""Every loader and importer, fed broken input by hypothesis: no exception but the library's own
(one line, naming the file, and the row and field where a cell is bad), and the store's content
exactly as it was when the input is refused.

Each example runs against a fresh copy of a prepared DuckDB file (the PostgreSQL half of the
transaction guarantees is proven by test_seed_load, test_updates and test_crash).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings, strategies as st

from evidence.errors import EvidenceError
from evidence.jobs.example import write_exports
from evidence.store import database as db
from evidence.testing.cli import run
from evidence.workflows.load import load_seed
from evidence.workflows.protocol import ProtocolChanges, create_review
from evidence.workflows.records import import_records
from evidence.workflows.screening import export_sheet, import_sheet, record_decision

from .conftest import SEED, SHARED, UPDATE_1, examples, snapshot

# Each example loads a store: half the profile's count (HYPOTHESIS_PROFILE=thorough for a long hunt).
FUZZ = settings(max_examples=examples(0.5))
# Cell values that have broken parsers before, and arbitrary text.
CELLS = st.one_of(
    st.sampled_from(["", " ", "-1", "1e999", "nan", "inf", "0", "0.0", "99999999999999999999", "NA", "MISSING",
                     ",", '"', "\n", "\x00", "１２", "12abc", "2025-02-30", "primary", "experimental", "IKEMA",
                     "ORR", "yes", "0.5e-3", "-0.0", "∞"]),
    st.text(max_size=12),
)


def _copy_store(template: Path, folder: Path) -> tuple[sa.Engine, str]:
    target = folder / "store.duckdb"
    shutil.copyfile(template, target)
    url = f"duckdb:///{target}"
    return db.create_engine(url), url


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """Prepared stores: empty; with the review loaded; with a records-only review (dual screening, a criterion
    and a declared exclusion reason) and its records; the same with every record let through at title/abstract
    by two screeners. Sheets of each stage."""
    root = tmp_path_factory.mktemp("templates")
    paths = {}
    for name in ("empty", "review", "records"):
        paths[name] = root / f"{name}.duckdb"
        db.init(f"duckdb:///{paths[name]}")
    engine = db.create_engine(f"duckdb:///{paths['review']}")
    load_seed(engine, SEED)
    engine.dispose()
    engine = db.create_engine(f"duckdb:///{paths['records']}")
    create_review(engine, "fuzz", "Fuzzing", ProtocolChanges(criteria=[("population", "adults")],
                                                             exclusion_reasons=REASONS))
    for database, path in write_exports(root / "exports").items():
        import_records(engine, path, review="fuzz", database=database, searched=dt.date(2025, 4, 10))
    paths["sheet"] = root / "sheet.csv"
    export_sheet(engine, "fuzz", "title_abstract", paths["sheet"])
    engine.dispose()
    paths["screened"] = root / "screened.duckdb"
    shutil.copyfile(paths["records"], paths["screened"])
    engine = db.create_engine(f"duckdb:///{paths['screened']}")
    for row in _rows(paths["sheet"])[1:]:
        for reviewer in ("ann", "bob"):
            record_decision(engine, int(row[0]), "title_abstract", reviewer, "include")
    paths["full_text_sheet"] = root / "full_text.csv"
    export_sheet(engine, "fuzz", "full_text", paths["full_text_sheet"])
    engine.dispose()
    return paths


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _set_cell(path: Path, row: int, column: int, value: str) -> tuple[int, str]:
    """Put `value` into a data cell (row, column taken modulo the file's size); return (file line, field)."""
    table = _rows(path)
    line = 1 + row % max(1, len(table) - 1) + 1 if len(table) > 1 else 1
    index = column % len(table[0])
    if len(table) > 1:
        table[line - 1][index] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)
    return line, table[0][index]


def _refused_cleanly(error: EvidenceError, path: Path, engine, before) -> None:
    message = str(error)
    assert str(path) in message, message
    assert "\n" not in message, message
    assert snapshot(engine) == before


def _attempt(engine, path: Path, action) -> None:
    """Run a load: it succeeds, or it is refused cleanly (one line naming `path`, the store unchanged)."""
    before = snapshot(engine)
    try:
        action()
    except EvidenceError as error:
        _refused_cleanly(error, path, engine, before)
    finally:
        engine.dispose()


SEED_FILES = sorted(p.name for p in SEED.glob("*.csv") if len(_rows(p)) > 1)
UPDATE_FILES = sorted(p.name for p in UPDATE_1.glob("*.csv") if len(_rows(p)) > 1)


@FUZZ
@given(name=st.sampled_from(SEED_FILES), row=st.integers(0, 200), column=st.integers(0, 20), value=CELLS)
def test_a_seed_with_one_bad_cell(templates, tmp_path_factory, name, row, column, value):
    folder = tmp_path_factory.mktemp("seed")
    copy = folder / "seed"
    shutil.copytree(SEED, copy, ignore=shutil.ignore_patterns("updates"))
    engine, _ = _copy_store(templates["empty"], folder)
    _set_cell(copy / name, row, column, value)
    _attempt(engine, copy, lambda: load_seed(engine, copy))


@FUZZ
@given(name=st.sampled_from(["review.yaml", *SEED_FILES]), data=st.binary(max_size=300), keep=st.integers(0, 4000))
def test_a_seed_with_a_garbled_or_truncated_file(templates, tmp_path_factory, name, data, keep):
    folder = tmp_path_factory.mktemp("seed")
    copy = folder / "seed"
    shutil.copytree(SEED, copy, ignore=shutil.ignore_patterns("updates"))
    engine, _ = _copy_store(templates["empty"], folder)
    original = (copy / name).read_bytes()
    (copy / name).write_bytes(original[:keep] + data)
    _attempt(engine, copy, lambda: load_seed(engine, copy))


@FUZZ
@given(name=st.sampled_from(UPDATE_FILES), row=st.integers(0, 50), column=st.integers(0, 20), value=CELLS)
def test_an_update_with_one_bad_cell(templates, tmp_path_factory, name, row, column, value):
    folder = tmp_path_factory.mktemp("update")
    copy = folder / "2026-11"
    shutil.copytree(UPDATE_1, copy)
    engine, _ = _copy_store(templates["review"], folder)
    _set_cell(copy / name, row, column, value)
    _attempt(engine, copy, lambda: load_seed(engine, copy))


RIS_LINES = st.one_of(
    st.sampled_from(["TY  - JOUR", "ER  - ", "TI  - A title", "AU  - Someone", "PY  - 2020", "PY  - twenty",
                     "DO  - 10.1000/x", "AN  - 123", "ID  - 7", "T1  - ", "", "  - ", "XX  - odd tag", "TY  -"]),
    st.text(max_size=30).map(lambda s: s.replace("\r", "")),
)


@FUZZ
@given(lines=st.lists(RIS_LINES, max_size=30), encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_a_broken_records_file(templates, tmp_path_factory, lines, encoding):
    folder = tmp_path_factory.mktemp("records")
    engine, _ = _copy_store(templates["records"], folder)
    path = folder / "export.ris"
    path.write_bytes("\n".join(lines).encode(encoding, errors="replace"))
    _attempt(engine, path, lambda: import_records(engine, path, review="fuzz", database="Embase",
                                                  searched=dt.date(2025, 11, 1)))


@FUZZ
@given(row=st.integers(0, 50), column=st.integers(0, 20), value=CELLS,
       decision=st.sampled_from(["include", "exclude", "maybe", "INCLUDE", "", "x"]))
def test_a_broken_decision_sheet(templates, tmp_path_factory, row, column, value, decision):
    folder = tmp_path_factory.mktemp("sheet")
    engine, _ = _copy_store(templates["records"], folder)
    sheet = folder / "sheet.csv"
    table = _rows(templates["sheet"])
    for cells in table[1:]:
        cells[table[0].index("decision")] = decision
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)
    _set_cell(sheet, row, column, value)
    _attempt(engine, sheet, lambda: import_sheet(engine, "fuzz", "title_abstract", "fuzzer", sheet))


REASONS = ["wrong population", "wrong comparator"]


@FUZZ
@given(row=st.integers(0, 50), column=st.integers(0, 20), value=CELLS,
       decisions=st.lists(st.sampled_from(["include", "exclude", "maybe", "", "x"]), min_size=1, max_size=20),
       reasons=st.lists(st.one_of(st.sampled_from(["", "wrong population", "WRONG  comparator", "too small"]), CELLS),
                        min_size=1, max_size=20),
       resolver=st.booleans())
def test_a_broken_full_text_sheet(templates, tmp_path_factory, row, column, value, decisions, reasons, resolver):
    """Full-text decisions with reasons declared, misspelt, missing or garbled, by a screener or a resolver."""
    folder = tmp_path_factory.mktemp("sheet")
    engine, _ = _copy_store(templates["screened"], folder)
    sheet = folder / "sheet.csv"
    table = _rows(templates["full_text_sheet"])
    for i, cells in enumerate(table[1:]):
        cells[-2], cells[-1] = decisions[i % len(decisions)], reasons[i % len(reasons)]
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)
    _set_cell(sheet, row, column, value)
    _attempt(engine, sheet, lambda: import_sheet(engine, "fuzz", "full_text", "cat" if resolver else "ann", sheet,
                                                 role="resolver" if resolver else "screener"))


OPTION_VALUES = st.one_of(CELLS, st.sampled_from(["RoB 1", "rob2", "RoB 3", "single", "dual", "Dual", "fixed", "random",
                                                  "fixed_if_homogeneous", "0.05", "1", "adults", "wrong population"]))
PROTOCOL_OPTIONS = ["--question", "--population", "--intervention", "--comparator", "--outcome", "--design",
                    "--exclusion", "--rob-tool", "--model-rule", "--alpha", "--screening", "--screening-title-abstract",
                    "--screening-full-text", "--exclusion-reason"]
EDIT_OPTIONS = ["--title", "--why", "--by", "--remove-criterion", "--remove-exclusion-reason"]


def _options(pairs) -> list[str]:
    return [f"{name}={value}" for name, value in pairs]  # `=`: a value that looks like an option stays a value


def _command_attempt(engine, url: str, *args: str) -> None:
    """Run a command: it succeeds, or it is refused on one line with a user error's exit code, the store unchanged."""
    before = snapshot(engine)
    result = run(*args, url=url)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        assert result.returncode in (2, 6, 7) and len(lines) == 1 and lines[0].startswith("error: "), result
        assert snapshot(engine) == before
    engine.dispose()


@FUZZ
@given(slug=st.one_of(st.sampled_from(["blue", "fuzz", "a-b", "Bad Slug"]), st.text(max_size=8)),
       options=st.lists(st.tuples(st.sampled_from(PROTOCOL_OPTIONS), OPTION_VALUES), max_size=8))
def test_review_create_with_fuzzed_options(templates, tmp_path_factory, slug, options):
    folder = tmp_path_factory.mktemp("create")
    engine, url = _copy_store(templates["records"], folder)
    _command_attempt(engine, url, "review", "create", slug, "--title=Fuzzed", *_options(options))


@FUZZ
@given(options=st.lists(st.tuples(st.sampled_from(PROTOCOL_OPTIONS + EDIT_OPTIONS), OPTION_VALUES), max_size=8),
       screened=st.booleans())
def test_review_edit_with_fuzzed_options(templates, tmp_path_factory, options, screened):
    folder = tmp_path_factory.mktemp("edit")
    engine, url = _copy_store(templates["screened" if screened else "records"], folder)
    _command_attempt(engine, url, "review", "edit", "fuzz", "--by=fuzzer", *_options(options))


RM5_FILE = SHARED / "data" / "rm5" / "Fleiss1993.rm5"


@FUZZ
@given(attribute=st.sampled_from(["EVENTS_1", "TOTAL_1", "EVENTS_2", "TOTAL_2", "MEAN_1", "SD_2", "STUDY_ID",
                                  "EFFECT_MEASURE", "CI_TOTAL"]),
       occurrence=st.integers(0, 6), value=CELLS, keep=st.integers(0, 200000))
def test_a_broken_revman_file(templates, tmp_path_factory, attribute, occurrence, value, keep):
    import re
    from xml.sax.saxutils import quoteattr

    from evidence.workflows.revman import import_rm5

    folder = tmp_path_factory.mktemp("rm5")
    engine, _ = _copy_store(templates["empty"], folder)
    text = RM5_FILE.read_bytes().decode("cp1252")
    matches = list(re.finditer(f' {attribute}="[^"]*"', text))
    if matches:
        m = matches[occurrence % len(matches)]
        text = text[:m.start()] + f" {attribute}={quoteattr(value)}" + text[m.end():]
    path = folder / "broken.rm5"
    path.write_bytes(text.encode("cp1252", errors="replace")[:keep])
    _attempt(engine, path, lambda: import_rm5(engine, path))
