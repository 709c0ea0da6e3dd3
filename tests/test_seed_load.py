"""Loading a seed folder: everything lands, printed values and corrections sit side by side,
missing stays missing, a reload changes nothing, and a broken file loads nothing."""

from __future__ import annotations

import csv
import shutil

import pytest
import sqlalchemy as sa

from evidence.errors import AlreadyLoadedError, InputError
from evidence.formats.seed import FILES, read_seed
from evidence.workflows.load import load_seed

from .conftest import SEED, snapshot


def csv_rows(name: str) -> list[dict]:
    if not (SEED / name).exists():  # a file the seed does not need (the review has no continuous outcome)
        return []
    with (SEED / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def scalar(engine, sql: str, **params):
    with engine.connect() as connection:
        return connection.execute(sa.text(sql), params).scalar()


def test_every_row_of_every_file_is_loaded(loaded):
    tables = {
        "searches.csv": "search", "flow.csv": "reported_flow_count", "studies.csv": "study",
        "study_attributes.csv": "study_attribute", "reports.csv": "report", "arms.csv": "arm",
        "corrections.csv": "correction", "outcomes.csv": "outcome", "dichotomous.csv": "dichotomous_data",
        "estimates.csv": "contrast_estimate", "bias.csv": "bias_judgement", "analyses.csv": "analysis",
        "published_results.csv": "published_result", "certainty.csv": "certainty_assessment",
        "continuous.csv": "continuous_data", "comparisons.csv": "analysis_comparison",
    }
    assert set(tables) == set(FILES)
    for name, table in tables.items():
        assert scalar(loaded, f"SELECT COUNT(*) FROM {table}") == len(csv_rows(name)), name


def test_table_1_misprint_kept_with_its_correction_beside_it(updated):
    # FACTS.md table 1 prints IKEMA (Yong) n E = 129; F 101 + M 78 = 179 (finding 1). The review's folder
    # holds table 1 as printed; the first update (evidence/seeds/isatuximab-mm/updates/2026-11) corrects it.
    printed = "SELECT a.{col} FROM arm a JOIN study s ON s.id = a.study_id WHERE s.label = 'IKEMA' AND a.role = 'experimental'"
    assert scalar(updated, printed.format(col="randomised_n")) == 129
    current = ("SELECT c.randomised_n FROM arm_current c JOIN study s ON s.id = c.study_id"
               " WHERE s.label = 'IKEMA' AND c.role = 'experimental'")
    assert scalar(updated, current) == 179
    assert scalar(updated, "SELECT COUNT(*) FROM correction c JOIN review_update u ON u.id = c.review_update_id"
                           " WHERE c.field = 'randomised_n' AND c.printed = '129' AND c.corrected = '179' AND u.number = 1") == 1


def test_missing_values_stay_missing_and_derived_counts_keep_their_flag(loaded):
    # ../shared/trials/outcomes.csv: IMROZ ORR is MISSING in every source; ICARIA-MM ORR 93/154 is round(60.4% x 154).
    rows = dict(
        ((study, role), (events, total, ref, derived))
        for study, role, events, total, ref, derived in sa_rows(loaded, """
            SELECT s.label, a.role, d.events, d.total, d.source_ref, d.derived_from_percent
            FROM dichotomous_data d JOIN arm a ON a.id = d.arm_id JOIN study s ON s.id = a.study_id
            JOIN outcome o ON o.id = d.outcome_id WHERE o.name = 'ORR' AND d.variant = 'primary'""")
    )
    assert rows[("IMROZ", "experimental")] == (None, None, "MISSING", False)
    assert rows[("ICARIA-MM", "experimental")][:2] == (93, 154)
    assert rows[("ICARIA-MM", "experimental")][3] is True


def sa_rows(engine, sql):
    with engine.connect() as connection:
        return connection.execute(sa.text(sql)).all()


def test_ci_levels_get_their_exact_quantile(loaded):
    from scipy.stats import norm

    levels = dict(sa_rows(loaded, "SELECT level, z FROM ci_level"))
    assert set(levels) == {0.95, 0.954, 0.985, 0.99}
    assert levels[0.985] == pytest.approx(norm.ppf(0.9925), rel=1e-15)
    assert levels[0.95] == pytest.approx(1.959963984540054, rel=1e-15)


def test_reloading_the_same_folder_changes_nothing(loaded):
    before = snapshot(loaded)
    result = load_seed(loaded, SEED)
    assert result.loaded is False
    assert snapshot(loaded) == before


def test_loading_other_content_for_the_same_review_is_refused(loaded, tmp_path):
    copy = tmp_path / "seed"
    shutil.copytree(SEED, copy)
    with (copy / "flow.csv").open("a", encoding="utf-8") as handle:
        handle.write("duplicates,0,invented for the test\n")
    before = snapshot(loaded)
    with pytest.raises(AlreadyLoadedError, match="already in the store"):
        load_seed(loaded, copy)
    assert snapshot(loaded) == before


def _replace_cell(path, row_index: int, column: str, value: str) -> int:
    """Set one cell of a CSV; return the file line of that row (header = line 1)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows[row_index][column] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return row_index + 2


BROKEN = [
    ("dichotomous.csv", 4, "events", "lots", "is not a whole number"),
    ("dichotomous.csv", 0, "events", "999", "more than the total"),
    ("dichotomous.csv", 0, "total", "-3", "is negative"),
    ("dichotomous.csv", 4, "study", "NOPE-1", "is not a study"),
    ("estimates.csv", 0, "estimate", "0.95", "does not contain the estimate"),
    ("estimates.csv", 0, "ci_level", "95", "is not a level"),
    ("dichotomous.csv", 1, "arm", "placebo", "is not a study arm in arms.csv"),
    ("bias.csv", 2, "judgement", "probably fine", "is not one of"),
    ("analyses.csv", 0, "outcome", "NOT_AN_OUTCOME", "is not a outcome"),
    ("flow.csv", 0, "count", "", "is empty but required"),
    ("searches.csv", 0, "date_run", "10/04/2025", "is not a date"),
    ("studies.csv", 1, "study", "ICARIA-MM", "repeats row"),
]


@pytest.mark.parametrize("name,row,column,value,problem", BROKEN, ids=[f"{b[0]}:{b[2]}:{b[3]}" for b in BROKEN])
def test_a_broken_file_loads_nothing_and_names_file_row_field(engine, tmp_path, name, row, column, value, problem):
    copy = tmp_path / "seed"
    shutil.copytree(SEED, copy)
    line = _replace_cell(copy / name, row, column, value)
    before = snapshot(engine)
    with pytest.raises(InputError) as raised:
        load_seed(engine, copy)
    message = str(raised.value)
    assert str(copy / name) in message and problem in message
    assert "\n" not in message
    if "repeats" not in problem:
        assert f"row {line}" in message and repr(column) in message
    assert snapshot(engine) == before


@pytest.mark.parametrize("content,problem", [
    ("slug: Not A Slug\ntitle: x\n", "may hold only lower-case"),
    ("title: no slug\n", "'slug': is required"),
    ("slug: x\ntitle: [unclosed\n", "not valid YAML"),
    ("slug: x\ntitle: t\nmodel_rule: coin_toss\n", "'model_rule'"),
    ("\x00", "character 1: not valid YAML: special characters are not allowed"),  # found by hypothesis
])
def test_a_broken_review_yaml_is_named(tmp_path, content, problem):
    copy = tmp_path / "seed"
    shutil.copytree(SEED, copy)
    (copy / "review.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=problem) as raised:
        read_seed(copy)
    assert "\n" not in str(raised.value)


def test_missing_file_and_missing_column(tmp_path):
    copy = tmp_path / "seed"
    shutil.copytree(SEED, copy)
    (copy / "arms.csv").unlink()
    with pytest.raises(InputError, match=r"arms.csv: is missing"):
        read_seed(copy)
    shutil.copy(SEED / "arms.csv", copy / "arms.csv")
    text = (copy / "outcomes.csv").read_text(encoding="utf-8").replace("direction,", "", 1)
    (copy / "outcomes.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"outcomes.csv: row 1: missing column\(s\) direction"):
        read_seed(copy)


def test_not_a_folder(tmp_path):
    with pytest.raises(InputError, match="is not a folder"):
        read_seed(tmp_path / "nowhere")
