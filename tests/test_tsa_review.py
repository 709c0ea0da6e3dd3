"""`evidence tsa` on the review's stored outcomes: RIS by closed form, the z-curve from the stored
cumulative meta-analysis, the anticipated effect's source, and the verdicts."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa
from scipy.stats import norm

from evidence.errors import NotFoundError
from evidence.workflows.tsa import review_tsa

Z = norm.ppf(1 - 0.05 / 2) + norm.ppf(1 - 0.2)  # two-sided alpha 0.05 (review.yaml), beta 0.2


def by_name(engine, **options):
    return {r.analysis: r for r in review_tsa(engine, **options)[2]}


def test_hr_outcome_ris_and_z_curve(updated):
    pfs = by_name(updated)["pfs"]
    # No trial is at low risk of bias in every domain (evidence/seeds/isatuximab-mm/bias.csv: open label), so the
    # observed pooled HR is the anticipated effect; D² = 0 (I² 0% for PFS).
    assert pfs.settings["effect"]["source"].startswith("observed")
    hr = pfs.settings["effect"]["ratio"]
    assert pfs.ris["ris_fixed"] == pytest.approx(Z ** 2 / math.log(hr) ** 2, rel=1e-12)  # closed form
    assert pfs.ris["events"] == math.ceil(4 * pfs.ris["ris"])
    with updated.connect() as c:
        steps = c.execute(sa.text(
            "SELECT c.te, c.se FROM cumulative_result c JOIN analysis an ON an.id = c.analysis_id"
            " WHERE an.name = 'pfs' AND c.model = 'random' AND c.run_id = (SELECT MAX(id) FROM analysis_run)"
            " ORDER BY c.step")).all()
    assert pfs.curve["z"] == pytest.approx([-te / se for te, se in steps], rel=1e-12)  # lower HR favours isatuximab
    assert pfs.curve["studies"] == ["ICARIA-MM", "IKEMA", "GMMG-HD7", "IMROZ"]
    # The information passes the RIS at the first trial, and z = 6.2 is far beyond the final boundary 1.96.
    assert pfs.verdict == "firm evidence of benefit"


def test_dichotomous_ris_by_closed_form_with_observed_control_risk(updated):
    result = by_name(updated)["ae_discontinuation"]
    with updated.connect() as c:
        events, total = c.execute(sa.text(
            "SELECT SUM(c_events), SUM(c_total) FROM analysis_input WHERE analysis = 'ae_discontinuation'")).one()
    p_c = events / total
    rr = result.settings["effect"]["ratio"]
    p_bar = (p_c + p_c * rr) / 2
    ris_fixed = math.ceil(4 * Z ** 2 * p_bar * (1 - p_bar) / (p_c - p_c * rr) ** 2)
    assert result.settings["control_risk"]["value"] == pytest.approx(p_c)
    assert result.ris["ris_fixed"] == ris_fixed
    assert result.ris["ris"] == math.ceil(ris_fixed / (1 - result.settings["d2"]) - 1e-9)
    assert result.curve["information"][-1] < result.ris["ris"] and result.verdict == "not yet conclusive"


def test_planned_effect_and_low_bias_trials_take_precedence(updated):
    with updated.begin() as c:
        # Test-only changes: a planned RRR of 20% for PFS, and two trials judged low risk in every domain.
        c.execute(sa.text("UPDATE analysis SET planned_rrr = 0.2 WHERE name = 'pfs'"))
        c.execute(sa.text("UPDATE bias_judgement SET judgement = 'low' WHERE study_id IN"
                          " (SELECT id FROM study WHERE label IN ('IKEMA', 'IMROZ'))"))
    results = by_name(updated)
    assert results["pfs"].settings["effect"] == {"ratio": 0.8, "source": "planned"}
    assert results["pfs"].ris["ris_fixed"] == pytest.approx(Z ** 2 / math.log(0.8) ** 2, rel=1e-12)
    assert results["os"].settings["effect"]["source"] == "low risk of bias trials (IKEMA)"  # IMROZ OS is MISSING
    with updated.connect() as c:
        ikema_os = c.execute(sa.text(
            "SELECT sr.estimate FROM study_result sr JOIN study s ON s.id = sr.study_id JOIN analysis an"
            " ON an.id = sr.analysis_id WHERE an.name = 'os' AND s.label = 'IKEMA'"
            " AND sr.run_id = (SELECT MAX(id) FROM analysis_run)")).scalar_one()
    assert results["os"].settings["effect"]["ratio"] == pytest.approx(ikema_os, rel=1e-12)


def test_outcomes_without_data_are_not_assessable_and_one_outcome_can_be_asked(updated):
    assert by_name(updated)["any_ae"].verdict == "not assessable"
    assert list(by_name(updated, outcome="PFS")) == ["pfs"]
    with pytest.raises(NotFoundError, match="no analysis of outcome 'NOPE'"):
        review_tsa(updated, outcome="NOPE")


def test_a_review_without_runs_is_refused(loaded):
    with pytest.raises(NotFoundError, match="run `evidence pool` first"):
        review_tsa(loaded)
