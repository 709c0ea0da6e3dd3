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
    assert db.current_revision(engine) == "0010"
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


# A review on another topic, written here: a two-arm trial and a three-arm trial (two doses against one
# placebo), a dichotomous and a continuous outcome, an arm attribute the review declares.
MULTI_ARM = {
    "review.yaml": "slug: doses\ntitle: Two doses against placebo\nattributes:\n"
                   "  - {level: arm, name: women, kind: integer, unit: participants}\n"
                   "  - {level: arm, name: mean_age, kind: number, unit: years}\n",
    "searches.csv": "database,query,date_run,records_found,source\nPubMed,drug,2025-01-01,,\n",
    "studies.csv": "study,registry_id,first_author,year,design,setting,status,source\n"
                   "T2,,,2020,parallel RCT,,included,\nT3,,,2022,parallel RCT,,included,\n",
    "arms.csv": "study,arm,role,regimen,regimen_text,randomised_n,safety_n,women,mean_age,source\n"
                "T2,Drug,experimental,,,50,,20,61.5,t2 table 1\nT2,Placebo,control,,,50,,22,,t2 table 1\n"
                "T3,10 mg,experimental,,,100,,40,,t3 table 1\nT3,20 mg,experimental,,,99,,41,,t3 table 1\n"
                "T3,Placebo,control,,,101,,45,,t3 table 1\n",
    "outcomes.csv": "outcome,label,kind,measure,direction,category\nresponse,Response,dichotomous,RR,higher_is_better,efficacy\n"
                    "pain,Pain score,continuous,MD,lower_is_better,efficacy\n",
    "analyses.csv": "analysis,outcome,measure,method,model,tau2,level,variant,subgroup,label\n"
                    "response,response,RR,MH,fixed,DL,0.95,primary,,\nresponse_20mg,response,RR,MH,fixed,DL,0.95,primary,,\n"
                    "pain,pain,MD,IV,fixed,DL,0.95,primary,,\n",
    "dichotomous.csv": "study,outcome,variant,arm,events,total,percent,population,source_ref,source_quote,derived\n"
                       "T2,response,primary,Drug,20,50,,,t2,,\nT2,response,primary,Placebo,10,50,,,t2,,\n"
                       "T3,response,primary,10 mg,30,100,,,t3,,\nT3,response,primary,20 mg,40,99,,,t3,,\n"
                       "T3,response,primary,Placebo,25,101,,,t3,,\n",
    "continuous.csv": "study,outcome,variant,arm,mean,sd,n,population,source_ref,source_quote,derived\n"
                      "T2,pain,primary,Drug,3.0,1.0,50,,t2,,\nT2,pain,primary,Placebo,3.9,1.1,50,,t2,,\n"
                      "T3,pain,primary,10 mg,3.1,1.0,100,,t3,,\nT3,pain,primary,20 mg,2.8,1.1,99,,t3,,yes\n"
                      "T3,pain,primary,Placebo,4.0,1.2,101,,t3,,\n",
    "comparisons.csv": "analysis,study,experimental,control\nresponse_20mg,T3,20 mg,Placebo\n",
}


def _write_seed(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_three_arm_trial_enters_two_comparisons_with_its_shared_placebo_split(engine, tmp_path):
    from evidence.workflows.load import load_seed
    from evidence.workflows.pool import pool_review

    load_seed(engine, _write_seed(tmp_path / "doses", MULTI_ARM))
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT analysis, study, comparison, e_events, e_total, c_events, c_total, yi, se FROM analysis_input"
            " ORDER BY analysis, study, comparison")).all()
        attributes = connection.execute(sa.text(
            "SELECT a.label, v.name, v.value, v.number, v.source FROM arm_attribute_current v JOIN arm a ON a.id = v.arm_id"
            " ORDER BY a.study_id, a.label, v.name")).all()
    dichotomous = [r[:7] for r in rows if r[0] != "pain"]
    # Placebo's 25/101 split in two as evenly as whole numbers allow: 13/51 to the first pair by the other
    # arm's label ("10 mg"), 12/50 to the second. An analysis that names one pair takes the arm whole.
    assert dichotomous == [
        ("response", "T2", "", 20, 50, 10, 50),
        ("response", "T3", "10 mg vs Placebo", 30, 100, 13, 51),
        ("response", "T3", "20 mg vs Placebo", 40, 99, 12, 50),
        ("response_20mg", "T2", "", 20, 50, 10, 50),
        ("response_20mg", "T3", "", 40, 99, 25, 101),
    ]
    # Means and SDs are not split; n is. MD = mean_e - mean_c, SE = sqrt(sd_e²/n_e + sd_c²/n_c).
    pain = {(r[1], r[2]): (r[7], r[8]) for r in rows if r[0] == "pain"}
    expected = {("T2", ""): (3.0 - 3.9, math.sqrt(1.0 / 50 + 1.1**2 / 50)),
                ("T3", "10 mg vs Placebo"): (3.1 - 4.0, math.sqrt(1.0 / 100 + 1.2**2 / 51)),
                ("T3", "20 mg vs Placebo"): (2.8 - 4.0, math.sqrt(1.1**2 / 99 + 1.2**2 / 50))}
    assert pain.keys() == expected.keys()
    for key, (yi, se) in expected.items():
        assert pain[key] == (pytest.approx(yi, rel=1e-12), pytest.approx(se, rel=1e-12))
    assert ("Drug", "mean_age", "61.5", 61.5, "t2 table 1") in attributes
    assert ("20 mg", "women", "41", 41.0, "t3 table 1") in attributes

    run = pool_review(engine, "doses")
    fixed = next(m for a in run.analyses if a.analysis == "pain" for m in a.models if m.model == "fixed")
    weights = [1 / se**2 for _, se in expected.values()]
    pooled = sum(w * yi for w, (yi, _) in zip(weights, expected.values())) / sum(weights)
    assert fixed.k == 3 and fixed.estimate == pytest.approx(pooled, rel=1e-12)
    assert fixed.participants == 50 + 50 + 100 + 51 + 99 + 50  # the shared arm is counted once
    with engine.connect() as connection:
        stored = connection.execute(sa.text(
            "SELECT s.label, sr.comparison FROM study_result sr JOIN study s ON s.id = sr.study_id"
            " JOIN analysis an ON an.id = sr.analysis_id WHERE an.name = 'pain' ORDER BY 1, 2")).all()
    assert stored == [("T2", ""), ("T3", "10 mg vs Placebo"), ("T3", "20 mg vs Placebo")]


@pytest.mark.parametrize(("name", "old", "new", "problem"), [
    ("comparisons.csv", "20 mg,Placebo", "Placebo,20 mg", "is a control arm"),
    ("comparisons.csv", "20 mg,Placebo", "30 mg,Placebo", "T3/30 mg is not a study arm in arms.csv"),
    ("arms.csv", "T3,20 mg,experimental,,,99,,41", "T3,20 mg,experimental,,,99,,many", "'many' is not a whole number"),
    ("arms.csv", "T3,10 mg,experimental", "T3,10 mg,", "say whether arm '10 mg' is experimental or control"),
    ("continuous.csv", "T3,pain,primary,20 mg,2.8,1.1,99", "T3,pain,primary,20 mg,2.8,-1.1,99", "is negative"),
    ("continuous.csv", "T2,pain,primary,Drug,3.0,1.0,50", "T2,pain,primary,Drug,3.0,1.0,0", "not a number of participants"),
    ("review.yaml", "kind: number", "kind: decimal", "kind 'decimal' is not one of integer, number, percent, text"),
    ("review.yaml", "name: women", "name: Women", "must be lower-case letters"),
])
def test_a_bad_cell_of_the_general_model_is_one_line_and_changes_nothing(engine, tmp_path, name, old, new, problem):
    from evidence.errors import InputError
    from evidence.workflows.load import load_seed

    from .conftest import snapshot

    assert old in MULTI_ARM[name]
    folder = _write_seed(tmp_path / "doses", {**MULTI_ARM, name: MULTI_ARM[name].replace(old, new, 1)})
    before = snapshot(engine)
    with pytest.raises(InputError) as raised:
        load_seed(engine, folder)
    message = str(raised.value)
    assert problem in message and name in message and "\n" not in message
    assert snapshot(engine) == before
