"""The SQL views on both engines: analysis inputs, outcome overview, arm corrections, latest results."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa
from scipy.stats import norm

from evidence.store.queries import VIEWS, view_sql
from evidence.workflows.pool import pool_review


def rows(engine, sql, **params):
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(sa.text(sql), params).mappings()]


def test_each_view_file_starts_with_a_comment_naming_it():
    for name in VIEWS:
        assert view_sql(name).startswith(f"-- {name}: ")


def test_log_hr_and_se_use_the_ci_own_level(loaded):
    # ../shared/trials/outcomes.csv: IMROZ PFS HR 0.60, 98.5% CI 0.41 to 0.88; IKEMA 0.58, 95.4% CI 0.42 to 0.79.
    found = {r["study"]: r for r in rows(loaded, "SELECT * FROM analysis_input WHERE analysis = 'pfs'")}
    assert sorted(found) == ["GMMG-HD7", "ICARIA-MM", "IKEMA", "IMROZ"]
    imroz = found["IMROZ"]
    assert imroz["yi"] == pytest.approx(math.log(0.60), rel=1e-14)
    assert imroz["se"] == pytest.approx((math.log(0.88) - math.log(0.41)) / (2 * norm.ppf(1 - 0.015 / 2)), rel=1e-14)
    assert found["IKEMA"]["se"] == pytest.approx((math.log(0.79) - math.log(0.42)) / (2 * norm.ppf(1 - 0.046 / 2)), rel=1e-14)
    # Participants come from the arms as printed (IKEMA 129 + 123) until update 1 corrects them (test below).
    assert found["IKEMA"]["participants"] == 129 + 123
    assert all(r["data_kind"] == "contrast" for r in found.values())


def test_dichotomous_inputs_pair_the_arms_and_skip_missing(loaded):
    found = {r["study"]: r for r in rows(loaded, "SELECT * FROM analysis_input WHERE analysis = 'orr'")}
    # IMROZ and GMMG-HD7 ORR are MISSING in ../shared/trials/outcomes.csv.
    assert sorted(found) == ["ICARIA-MM", "IKEMA"]
    assert (found["IKEMA"]["e_events"], found["IKEMA"]["e_total"], found["IKEMA"]["c_events"], found["IKEMA"]["c_total"]) == (156, 179, 102, 123)
    assert found["IKEMA"]["derived_from_percent"] is True


def test_subgroup_values_come_from_study_attributes(loaded):
    found = {r["study"]: r["subgroup"] for r in rows(loaded, "SELECT * FROM analysis_input WHERE analysis = 'vgpr_by_prior_lines'")}
    assert found == {"ICARIA-MM": "multiple", "IKEMA": "first", "GMMG-HD7": "first"}


def test_outcome_overview_counts_studies_participants_events(loaded):
    found = {r["outcome"]: r for r in rows(loaded, "SELECT * FROM outcome_overview")}
    orr = found["ORR"]
    assert (orr["studies_included"], orr["k"]) == (4, 2)
    assert orr["participants"] == 154 + 153 + 179 + 123
    assert (orr["events_experimental"], orr["events_control"]) == (93 + 156, 54 + 102)
    assert orr["derived_values"] == 4 and orr["missing_values"] == 4
    assert found["PFS"]["k"] == 4 and found["any_TEAE"]["k"] == 0


def test_latest_result_shows_the_newest_run_beside_the_published_figures(loaded):
    pool_review(loaded)
    second = pool_review(loaded)
    found = rows(loaded, "SELECT * FROM latest_result WHERE analysis = 'pfs' ORDER BY model")
    assert [r["model"] for r in found] == ["fixed", "random"]
    assert {r["run_id"] for r in found} == {second.run_id}
    # FACTS.md, reported results: PFS HR 0.61 (0.50 to 0.73), fixed effect, 4 studies.
    assert (found[0]["published_estimate"], found[0]["published_ci_low"], found[0]["published_ci_high"]) == (0.61, 0.50, 0.73)
    assert found[0]["published_k"] == 4 and found[0]["published_model"] == "fixed"


def test_the_latest_correction_of_a_field_counts(loaded):
    from evidence.store import schema

    current = ("SELECT c.randomised_n FROM arm_current c JOIN study s ON s.id = c.study_id"
               " WHERE s.label = 'IKEMA' AND c.role = 'experimental'")
    with loaded.begin() as c:
        arm_id, review_id = c.execute(sa.text(
            "SELECT a.id, s.review_id FROM arm a JOIN study s ON s.id = a.study_id"
            " WHERE s.label = 'IKEMA' AND a.role = 'experimental'")).one()
        # A later (here invented, for the test only) second correction of the same field.
        c.execute(sa.insert(schema.Correction).values(review_id=review_id, table_name="arm", row_id=arm_id,
                                                      field="randomised_n", printed="179", corrected="180",
                                                      reason="test: a second correction"))
    assert rows(loaded, current)[0]["randomised_n"] == 180
    assert rows(loaded, "SELECT randomised_n FROM arm a JOIN study s ON s.id = a.study_id"
                        " WHERE s.label = 'IKEMA' AND a.role = 'experimental'")[0]["randomised_n"] == 129


def test_participants_use_the_corrected_arms_after_the_update(updated):
    # evidence/seeds/isatuximab-mm/updates/2026-11/corrections.csv: IKEMA experimental randomised_n 129 -> 179 (FACTS.md finding 1).
    found = {r["study"]: r for r in rows(updated, "SELECT * FROM analysis_input WHERE analysis = 'pfs'")}
    assert found["IKEMA"]["participants"] == 179 + 123
    # IsKia is included without usable data: counted among included studies, in no analysis.
    assert "IsKia" not in found
    overview = {r["outcome"]: r for r in rows(updated, "SELECT * FROM outcome_overview")}
    assert (overview["PFS"]["studies_included"], overview["PFS"]["k"]) == (5, 4)
