"""The general data model: arms with labels, a review's own characteristics as declared attributes.

The isatuximab review, loaded in the new model, pools to the numbers it pooled to before
(tests/reference/isatuximab_pooled.csv); migration 0009 moves table 1's columns into
declared arm attributes on a populated store with no value, source or correction lost.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import sqlalchemy as sa

from evidence.store import database as db

REFERENCE = Path(__file__).parent / "reference" / "isatuximab_pooled.csv"
NUMBERS = ("estimate", "ci_low", "ci_high", "te", "se", "statistic", "p", "q", "q_p", "i2", "tau2")
WHOLE = ("k", "participants", "events_experimental", "events_control", "q_df")


def _reference() -> list[dict[str, str]]:
    with REFERENCE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def test_the_isatuximab_review_pools_as_before(updated):
    with updated.connect() as connection:
        found = {(str(r["run_id"]), r["analysis"], r["model"]): r for r in connection.execute(sa.text(
            "SELECT p.run_id, an.name AS analysis, p.* FROM pooled_result p JOIN analysis an ON an.id = p.analysis_id"
        )).mappings()}
    expected = _reference()
    assert len(found) == len(expected) == 36
    for row in expected:
        now = found[row["run_id"], row["analysis"], row["model"]]
        assert str(now["chosen"]) == row["chosen"]
        for name in WHOLE:
            assert (None if now[name] is None else int(now[name])) == (int(row[name]) if row[name] else None), name
        for name in NUMBERS:
            before = float(row[name]) if row[name] else None
            if before is None or math.isnan(before):
                assert now[name] is None or math.isnan(now[name]), (row["analysis"], name)
            else:
                assert now[name] == pytest.approx(before, rel=1e-12, abs=1e-15), (row["analysis"], row["model"], name)


# A store as revision 0007 left it: two studies of two reviews, table 1's five columns partly filled, a
# correction of an arm's count and of one of its table 1 values, outcome data on the arms.
AT_0007 = [
    "INSERT INTO review (id, slug, title) VALUES (1, 'a', 'A'), (2, 'b', 'B')",
    "INSERT INTO review_update (id, review_id, number, label) VALUES (1, 1, 0, 'original review'), (2, 2, 0, 'original review')",
    "INSERT INTO study (id, review_id, label, status, review_update_id) VALUES (1, 1, 'S1', 'included', 1),"
    " (2, 2, 'S2', 'included', 2)",
    "INSERT INTO arm (id, study_id, role, regimen, randomised_n, safety_n, aged_65_plus, women, men, iss_stage_2plus_pct,"
    " median_prior_lines, source) VALUES (1, 1, 'experimental', 'X', 100, 99, 40, 55, 45, 37.5, 2, 'table 1'),"
    " (2, 1, 'control', 'Y', 98, 98, 38, NULL, NULL, NULL, 3, 'table 1 (control)'),"
    " (3, 2, 'experimental', NULL, 20, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
    " (4, 2, 'control', NULL, 21, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    "INSERT INTO outcome (id, review_id, name, kind, measure) VALUES (1, 1, 'death', 'dichotomous', 'RR'),"
    " (2, 1, 'pain', 'continuous', 'MD')",
    "INSERT INTO dichotomous_data (id, outcome_id, arm_id, variant, events, total, review_update_id) VALUES"
    " (1, 1, 1, 'primary', 5, 100, 1), (2, 1, 2, 'primary', 9, 98, 1)",
    "INSERT INTO continuous_data (id, outcome_id, arm_id, variant, mean, sd, n) VALUES (1, 2, 1, 'primary', 3.5, 1.2, 100),"
    " (2, 2, 2, 'primary', 4.0, 1.1, 98)",
    "INSERT INTO correction (id, review_id, table_name, row_id, field, printed, corrected, reason) VALUES"
    " (1, 1, 'arm', 2, 'randomised_n', '98', '97', 'misprint'), (2, 1, 'arm', 2, 'median_prior_lines', '3', '0', 'none'),"
    " (3, 1, 'arm', 2, 'women', NULL, '50', 'found in the paper')",
]


def _rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return sorted(map(tuple, connection.execute(sa.text(sql))), key=repr)


def test_0009_moves_table_1_into_declared_arm_attributes_and_back(store_url):
    engine = db.create_engine(store_url, must_exist=False)
    db.upgrade(engine, "0007")
    with engine.begin() as connection:
        for statement in AT_0007:
            connection.execute(sa.text(statement))
    kept_sql = {
        "dichotomous_data": "SELECT id, outcome_id, arm_id, variant, events, total FROM dichotomous_data",
        "continuous_data": "SELECT id, outcome_id, arm_id, variant, mean, sd, n FROM continuous_data",
        "correction": "SELECT id, table_name, row_id, field, printed, corrected, reason FROM correction",
        "arm": "SELECT id, study_id, role, regimen, randomised_n, safety_n, source FROM arm",
    }
    kept = {table: _rows(engine, sql) for table, sql in kept_sql.items()}
    db.upgrade(engine)
    assert db.current_revision(engine) == "0009"
    assert {table: _rows(engine, sql) for table, sql in kept_sql.items()} == kept  # same rows, same ids
    assert _rows(engine, "SELECT id, label, role FROM arm") == [
        (1, "experimental", "experimental"), (2, "control", "control"), (3, "experimental", "experimental"),
        (4, "control", "control")]
    # Review 1 declares what it had a value or a correction of; review 2 had none of them.
    assert _rows(engine, "SELECT review_id, level, name, kind, unit FROM attribute_definition") == sorted([
        (1, "arm", "aged_65_plus", "integer", "participants"), (1, "arm", "women", "integer", "participants"),
        (1, "arm", "men", "integer", "participants"), (1, "arm", "iss_stage_2plus_pct", "percent", "%"),
        (1, "arm", "median_prior_lines", "number", "lines")], key=repr)
    assert _rows(engine, "SELECT arm_id, name, value, source FROM arm_attribute") == sorted([
        (1, "aged_65_plus", "40", "table 1"), (1, "women", "55", "table 1"), (1, "men", "45", "table 1"),
        (1, "iss_stage_2plus_pct", "37.5", "table 1"), (1, "median_prior_lines", "2", "table 1"),
        (2, "aged_65_plus", "38", "table 1 (control)"), (2, "median_prior_lines", "3", "table 1 (control)")], key=repr)
    # Corrections apply as before: to the arm's count, to a printed attribute, and to one the source left out.
    assert _rows(engine, "SELECT arm_id, randomised_n FROM arm_current") == [(1, 100), (2, 97), (3, 20), (4, 21)]
    assert _rows(engine, "SELECT arm_id, name, value, number, corrected FROM arm_attribute_current WHERE arm_id = 2") == [
        (2, "aged_65_plus", "38", 38.0, False), (2, "median_prior_lines", "0", 0.0, True), (2, "women", "50", 50.0, True)]

    from alembic import command

    with engine.begin() as connection:
        command.downgrade(db.alembic_config(connection), "0007")
    assert _rows(engine, "SELECT id, aged_65_plus, women, men, iss_stage_2plus_pct, median_prior_lines FROM arm") == [
        (1, 40, 55, 45, 37.5, 2.0), (2, 38, None, None, None, 3.0), (3, None, None, None, None, None),
        (4, None, None, None, None, None)]
    assert _rows(engine, "SELECT id, table_name, row_id, field, printed, corrected, reason FROM correction") == \
        kept["correction"]
    engine.dispose()
