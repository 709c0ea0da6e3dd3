"""GRADE certainty and the Summary of findings: the certainty computed from its domains, the seed's
assessments (evidence/seeds/isatuximab-mm/certainty.csv) beside the stored pooled results, certainty.csv's
errors, re-grading in an update folder, and the renderings."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
import statistics

import pytest
import sqlalchemy as sa

from evidence.core.grade import CERTAINTY_LEVELS, Certainty, corresponding_risk, grade_certainty
from evidence.core.vocabulary import DESIGNS, DOMAIN_LEVELS, LARGE_EFFECT_LEVELS, PRESENT, PUBLICATION_BIAS_LEVELS
from evidence.errors import InputError
from evidence.store import database as db
from evidence.workflows.load import load_seed
from evidence.workflows.pool import pool_review
from evidence.workflows.sof import NOT_ASSESSED, sof_table

from .conftest import SEED, snapshot

MAINTAINERS = "evidence maintainers (not in the published review)"


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def pooled(engine) -> None:
    """Pool the review unless a run exists (loading a review folder does not pool; an update does)."""
    if rows(engine, "SELECT COUNT(*) FROM analysis_run")[0][0] == 0:
        pool_review(engine)


# --- the certainty from its domains -------------------------------------------------------------

STEPS = {"not serious": 0, "serious": 1, "very serious": 2}
NAMES = {4: "high", 3: "moderate", 2: "low", 1: "very low"}


@pytest.mark.parametrize("design", DESIGNS)
def test_every_combination_of_downgrades(design):
    """Every allowed combination of the five domains (3^4 x 2 per design): one level per serious, two per
    very serious, one for strongly suspected publication bias, from high (randomised) or low, floor very low."""
    start = 4 if design == "randomised" else 2
    seen = set()
    for levels in itertools.product(DOMAIN_LEVELS, repeat=4):
        for publication in PUBLICATION_BIAS_LEVELS:
            steps = sum(STEPS[level] for level in levels) + (publication == "strongly suspected")
            expected = NAMES[max(1, start - steps)]
            certainty = grade_certainty(design, *levels, publication)
            assert certainty.level == expected, (design, levels, publication)
            assert certainty.score == CERTAINTY_LEVELS.index(expected) + 1
            seen.add(expected)
    assert seen == ({"high", "moderate", "low", "very low"} if design == "randomised" else {"low", "very low"})


def test_every_combination_of_upgrades_for_non_randomised_evidence():
    """Non-randomised evidence starts at low; large effect +1 (very large +2), dose-response +1, plausible
    confounding +1, after the downgrades; ceiling high, floor very low."""
    plus = {None: 0, "no": 0, "large": 1, "very large": 2, "yes": 1}
    for large, dose, confounding in itertools.product((None, *LARGE_EFFECT_LEVELS), (None, *PRESENT), (None, *PRESENT)):
        for risk_of_bias in DOMAIN_LEVELS:
            score = 2 - STEPS[risk_of_bias] + plus[large] + plus[dose] + plus[confounding]
            certainty = grade_certainty("non-randomised", risk_of_bias, "not serious", "not serious", "not serious",
                                        "undetected", large, dose, confounding)
            assert certainty.level == NAMES[min(4, max(1, score))], (risk_of_bias, large, dose, confounding)


def test_named_cases_floor_ceiling_and_refusals():
    assert grade_certainty("randomised", "not serious", "not serious", "not serious", "not serious", "undetected").level == "high"
    assert grade_certainty("randomised", "serious", "not serious", "not serious", "not serious", "undetected").level == "moderate"
    assert grade_certainty("randomised", "serious", "serious", "not serious", "not serious", "undetected").level == "low"
    assert grade_certainty("randomised", "very serious", "serious", "not serious", "not serious", "undetected").level == "very low"
    worst = grade_certainty("randomised", "very serious", "very serious", "very serious", "very serious", "strongly suspected")
    assert (worst.level, worst.score, worst.symbols) == ("very low", 1, "⊕⊝⊝⊝")  # the floor: 4 - 9 stays at very low
    best = grade_certainty("non-randomised", "not serious", "not serious", "not serious", "not serious", "undetected",
                           "very large", "yes", "yes")
    assert (best.level, best.label) == ("high", "⊕⊕⊕⊕ High")  # the ceiling: 2 + 4 stays at high
    assert Certainty("moderate", 3).label == "⊕⊕⊕⊝ Moderate"
    with pytest.raises(ValueError, match="non-randomised evidence only"):
        grade_certainty("randomised", "serious", "not serious", "not serious", "not serious", "undetected", "large")
    with pytest.raises(ValueError, match="is not one of"):
        grade_certainty("randomised", "moderately serious", "not serious", "not serious", "not serious", "undetected")
    with pytest.raises(ValueError, match="is not one of"):
        grade_certainty("randomised", "serious", "not serious", "not serious", "not serious", "suspected")


def test_corresponding_risk_formulas():
    assert corresponding_risk("RR", 0.2, 1.5) == pytest.approx(0.3)
    assert corresponding_risk("RR", 0.8, 1.5) == 1.0  # capped at every patient
    assert corresponding_risk("OR", 0.2, 2.0) == pytest.approx(2 * 0.2 / (1 - 0.2 + 2 * 0.2))
    assert corresponding_risk("RD", 0.2, -0.05) == pytest.approx(0.15)
    with pytest.raises(ValueError):
        corresponding_risk("HR", 0.2, 0.7)


# --- the seed's Summary of findings -------------------------------------------------------------

SEED_CERTAINTY = {  # evidence/seeds/isatuximab-mm/certainty.csv, as computed from its domains
    "ORR": "very low", "VGPR_or_better": "low", "PFS": "moderate", "OS": "low",
    "TEAE_discontinuation": "low", "pneumonia_any": "moderate",
}


def test_the_seeds_summary_of_findings(loaded):
    pooled(loaded)
    sof = sof_table(loaded, "isatuximab-mm")
    by_outcome = {row.outcome: row for row in sof.rows}
    (run_id,) = rows(loaded, "SELECT MAX(id) FROM analysis_run")[0]
    assert sof.run_id == run_id
    # Every review outcome with a main analysis, in outcomes.csv order; data-only outcomes are left out.
    assert list(by_outcome) == ["ORR", "VGPR_or_better", "PFS", "OS", "any_TEAE", "TEAE_discontinuation", "pneumonia_any"]
    assert {o: r.certainty for o, r in by_outcome.items()} == {**SEED_CERTAINTY, "any_TEAE": NOT_ASSESSED}

    stored = {name: (k, participants, measure, estimate, low, high) for name, k, participants, measure, estimate, low, high in rows(
        loaded, "SELECT an.name, pr.k, pr.participants, pr.measure, pr.estimate, pr.ci_low, pr.ci_high FROM pooled_result pr"
                " JOIN analysis an ON an.id = pr.analysis_id WHERE pr.run_id = :run AND pr.chosen", run=run_id)}
    for row in sof.rows:
        k, participants, measure, estimate, low, high = stored[row.analysis]
        assert (row.k, row.participants, row.measure) == (k, participants, measure), row.outcome
        assert (row.estimate, row.ci_low, row.ci_high) == (estimate, low, high), row.outcome
        if measure == "RR" and estimate is not None:
            # The assumed risk: the median control-group risk of the trials the run pooled, from the stored counts.
            control = [events / total for events, total in rows(
                loaded, "SELECT d.events, d.total FROM dichotomous_current d JOIN arm a ON a.id = d.arm_id"
                        " JOIN analysis an ON an.outcome_id = d.outcome_id AND an.variant = d.variant"
                        " JOIN study_result sr ON sr.study_id = a.study_id AND sr.analysis_id = an.id AND sr.run_id = :run"
                        " WHERE an.name = :analysis AND a.role = 'control'", run=run_id, analysis=row.analysis)]
            assumed = statistics.median(control)
            assert len(control) == k
            assert row.assumed_risk == pytest.approx(assumed, rel=1e-12)
            assert row.corresponding_risk == pytest.approx(min(1.0, assumed * estimate), rel=1e-12)
            assert row.corresponding_ci_low == pytest.approx(min(1.0, assumed * low), rel=1e-12)
            assert row.corresponding_ci_high == pytest.approx(min(1.0, assumed * high), rel=1e-12)
            assert "median control-group risk" in row.absolute_note
        else:
            assert row.corresponding_risk is None and row.absolute_effect == "—"
    assert "time-to-event" in by_outcome["PFS"].absolute_note
    assert by_outcome["any_TEAE"].k == 0 and by_outcome["any_TEAE"].relative_effect == "not estimable"
    # ORR: 4 - 4 downgrades stays at the floor, with every downgrade named.
    orr = by_outcome["ORR"]
    assert orr.certainty_text == "⊕⊝⊝⊝ Very low (risk of bias, inconsistency, indirectness, imprecision)"
    for row in sof.rows:
        if row.certainty == NOT_ASSESSED:
            assert row.judgements == [] and row.certainty_label == NOT_ASSESSED
            continue
        assert row.assessed_by == MAINTAINERS and "FACTS.md" in row.source and row.assessed_in_update == 0
        assert [j.domain for j in row.judgements] == ["risk_of_bias", "inconsistency", "indirectness", "imprecision",
                                                       "publication_bias"]
        assert all(j.reason for j in row.judgements)
        assert row.certainty == grade_certainty("randomised", *(j.level for j in row.judgements)).level


def test_the_certainty_is_computed_from_the_stored_domains(loaded):
    """Every stored assessment's certainty follows from its columns; the store holds no certainty column."""
    with loaded.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("certainty_assessment")} \
            if connection.dialect.name == "postgresql" else set(connection.execute(sa.text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'certainty_assessment'")).scalars())
        stored = connection.execute(sa.text(
            "SELECT o.name, c.design, c.risk_of_bias, c.inconsistency, c.indirectness, c.imprecision, c.publication_bias,"
            " c.large_effect, c.dose_response, c.plausible_confounding FROM certainty_assessment c"
            " JOIN outcome o ON o.id = c.outcome_id")).all()
    assert not {"certainty", "level", "score"} & columns
    assert {name: grade_certainty(*values).level for name, *values in stored} == SEED_CERTAINTY


def test_an_outcome_without_assessment_shows_not_assessed_and_text_is_escaped(engine, tmp_path):
    copy = tmp_path / "seed"
    shutil.copytree(SEED, copy)
    table = _read(copy / "certainty.csv")
    table = [row for row in table if row["outcome"] != "ORR"]
    table[0]["comments"] = "<script>alert('x')</script> & <b>bold</b>"
    _write(copy / "certainty.csv", table)
    load_seed(engine, copy)
    pooled(engine)
    sof = sof_table(engine)
    orr = {row.outcome: row for row in sof.rows}["ORR"]
    assert orr.certainty == NOT_ASSESSED and orr.certainty_text == NOT_ASSESSED and orr.k == 2
    assert orr.assumed_risk is not None  # the numbers are there, the judgement is not
    page = sof.to_html()
    assert page.startswith("<table") and page.rstrip().endswith("</table>")
    assert "<script" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert not any(tag in page.lower() for tag in ("src=", "href=", "<link", "<style", "<img", "@import"))
    assert page.count("<tr>") == 1 + len(sof.rows) + 1  # header, one per outcome, footnotes
    assert NOT_ASSESSED in page and "⊕⊕⊝⊝" in page
    text = sof.to_text()
    assert "ORR — Overall response rate (analysis orr)" in text and "certainty: not assessed" in text
    data = json.loads(json.dumps(sof.as_json()))
    assert [r["outcome"] for r in data["rows"]] == [r.outcome for r in sof.rows]
    vgpr = {r["outcome"]: r for r in data["rows"]}["VGPR_or_better"]
    assert vgpr["certainty"] == "low" and vgpr["certainty_label"] == "⊕⊕⊝⊝ Low"
    assert vgpr["assumed_per_1000"] == round(vgpr["assumed_risk"] * 1000)


# --- certainty.csv's errors ---------------------------------------------------------------------

def _read(path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write(path, table: list[dict]) -> None:
    fields = list(dict.fromkeys(name for row in table for name in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, restval="")
        writer.writeheader()
        writer.writerows(table)


# (row index, changed cells, the field the error names, what it says); rows: ORR, VGPR_or_better, PFS, OS, ...
BROKEN = [
    (0, {"outcome": "NOT_AN_OUTCOME"}, "outcome", "NOT_AN_OUTCOME is not a outcome in outcomes.csv"),
    (1, {"outcome": "ORR"}, "outcome", "repeats row 2"),
    (1, {"inconsistency": "somewhat"}, "inconsistency", "'somewhat' is not one of not serious, serious, very serious"),
    (2, {"imprecision_reason": ""}, "imprecision_reason", "is empty but required"),
    (3, {"analysis": "pfs"}, "analysis", "pfs is an analysis of PFS, not of OS"),
    (3, {"analysis": "no_such_analysis"}, "analysis", "is not a analysis in analyses.csv"),
    (4, {"design": "cohort"}, "design", "is not one of randomised, non-randomised"),
    (4, {"publication_bias": "serious"}, "publication_bias", "is not one of undetected, strongly suspected"),
    (5, {"assessed_by": " "}, "assessed_by", "is empty but required"),
    (2, {"large_effect": "large", "upgrade_reason": "big"}, "large_effect", "non-randomised evidence only"),
    (2, {"design": "non-randomised", "dose_response": "yes"}, "upgrade_reason", "is empty but required when dose_response"),
]


@pytest.mark.parametrize("index,cells,field,problem", BROKEN, ids=[f"{b[2]}:{b[3][:24]}" for b in BROKEN])
def test_a_broken_certainty_file_loads_nothing_and_names_file_row_field(engine, tmp_path, index, cells, field, problem):
    copy = tmp_path / "seed"
    shutil.copytree(SEED, copy)
    table = _read(copy / "certainty.csv")
    table[index].update(cells)
    _write(copy / "certainty.csv", table)
    before = snapshot(engine)
    with pytest.raises(InputError) as raised:
        load_seed(engine, copy)
    message = str(raised.value)
    assert message.startswith(f"{copy / 'certainty.csv'}: row {index + 2}: field {field!r}: "), message
    assert problem in message and "\n" not in message
    assert snapshot(engine) == before


# --- re-grading in an update folder -------------------------------------------------------------

def _update_folder(tmp_path, table: list[dict]):
    folder = tmp_path / "update"
    folder.mkdir()
    (folder / "update.yaml").write_text(
        "review: isatuximab-mm\nlabel: synthetic re-grade, for tests only\n", encoding="utf-8")
    _write(folder / "certainty.csv", table)
    return folder


def test_an_update_regrades_an_outcome_and_keeps_the_earlier_assessment(loaded, tmp_path):
    pooled(loaded)
    (orr,) = [row for row in _read(SEED / "certainty.csv") if row["outcome"] == "ORR"]
    regraded = {**orr, "inconsistency": "very serious", "comments": "synthetic re-grade, for tests only",
                "inconsistency_reason": "synthetic, for tests only"}
    load_seed(loaded, _update_folder(tmp_path, [regraded]))
    row = {r.outcome: r for r in sof_table(loaded).rows}["ORR"]
    assert (row.assessed_in_update, row.certainty) == (1, "very low")
    assert row.comments[0] == "synthetic re-grade, for tests only"
    assert rows(loaded, "SELECT u.number FROM certainty_assessment c JOIN outcome o ON o.id = c.outcome_id"
                        " JOIN review_update u ON u.id = c.review_update_id WHERE o.name = 'ORR' ORDER BY u.number") \
        == [(0,), (1,)]


def test_an_update_naming_a_stored_analysis_of_another_outcome_is_refused(loaded, tmp_path):
    (orr,) = [row for row in _read(SEED / "certainty.csv") if row["outcome"] == "ORR"]
    folder = _update_folder(tmp_path, [{**orr, "analysis": "pfs"}])
    before = snapshot(loaded)
    with pytest.raises(InputError) as raised:
        load_seed(loaded, folder)
    assert str(raised.value) == (f"{folder / 'certainty.csv'}: row 2: field 'analysis':"
                                 " pfs is an analysis of another outcome, not of ORR")
    assert snapshot(loaded) == before


# --- the table itself ---------------------------------------------------------------------------

def test_the_store_refuses_an_upgrade_of_randomised_evidence(engine):
    """The CHECK constraints of migration 0006 hold on both engines, as the model declares them."""
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO review (id, slug, title) VALUES (1, 'r', 'R')"))
        connection.execute(sa.text("INSERT INTO review_update (id, review_id, number) VALUES (1, 1, 0)"))
        connection.execute(sa.text("INSERT INTO outcome (id, review_id, name, kind, measure) VALUES (1, 1, 'o', 'dichotomous', 'RR')"))
    values = {"design": "'randomised'", **{d: "'not serious'" for d in ("risk_of_bias", "inconsistency", "indirectness",
                                                                       "imprecision")},
              "publication_bias": "'undetected'", **{f"{d}_reason": "'r'" for d in (
                  "risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")},
              "assessed_by": "'test'", "outcome_id": "1", "review_update_id": "1"}

    def insert(**changed):
        merged = {**values, **changed}
        with engine.begin() as connection:
            connection.execute(sa.text(f"INSERT INTO certainty_assessment ({', '.join(merged)}) VALUES ({', '.join(merged.values())})"))

    for bad in ({"large_effect": "'large'", "upgrade_reason": "'r'"}, {"design": "'non-randomised'", "dose_response": "'yes'"},
                {"imprecision": "'moderate'"}):
        with pytest.raises(sa.exc.DBAPIError):
            insert(**bad)
    insert(design="'non-randomised'", large_effect="'very large'", upgrade_reason="'r'")
    assert rows(engine, "SELECT COUNT(*) FROM certainty_assessment") == [(1,)]
    assert db.current_revision(engine) >= "0006"  # the constraints came with 0006
