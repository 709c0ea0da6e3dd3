"""`pool_review`: every planned analysis pooled from the views, stored, and set beside the published figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sqlalchemy as sa
from scipy.stats import chi2, norm

from evidence.workflows.pool import pool_review

# (HR, CI low, CI high, CI level) from ../shared/trials/outcomes.csv, primary PFS rows.
PFS = {
    "ICARIA-MM": (0.596, 0.44, 0.81, 0.95),
    "IKEMA": (0.58, 0.42, 0.79, 0.954),
    "IMROZ": (0.60, 0.41, 0.88, 0.985),
    "GMMG-HD7": (0.70, 0.52, 0.95, 0.95),
}


def hand_pooled_pfs():
    """Inverse-variance fixed effect on log HR, se from each CI at its own level (POOLING.md)."""
    hr, lo, hi, level = (np.array(v) for v in zip(*PFS.values()))
    se = (np.log(hi) - np.log(lo)) / (2 * norm.ppf(1 - (1 - level) / 2))
    w = 1 / se**2
    te = np.sum(w * np.log(hr)) / np.sum(w)
    se_te = 1 / math.sqrt(np.sum(w))
    q = np.sum(w * (np.log(hr) - te) ** 2)
    return te, se_te, q


def by_analysis(run):
    return {a.analysis: a for a in run.analyses}


def test_pfs_reproduces_the_published_pooled_hr(loaded):
    run = by_analysis(pool_review(loaded))
    pfs = run["pfs"]
    te, se, q = hand_pooled_pfs()
    z = norm.ppf(0.975)
    chosen = pfs.chosen
    assert chosen.model == "fixed" and chosen.k == 4
    assert chosen.te == pytest.approx(te, rel=1e-12)
    assert chosen.se == pytest.approx(se, rel=1e-12)
    assert chosen.ci_low == pytest.approx(math.exp(te - z * se), rel=1e-12)
    assert chosen.ci_high == pytest.approx(math.exp(te + z * se), rel=1e-12)
    assert chosen.q == pytest.approx(q, rel=1e-12)
    assert chosen.q_p == pytest.approx(chi2.sf(q, 3), rel=1e-10)
    assert chosen.i2 == 0
    # ../shared/trials/README.md: "PFS HR 0.62 (0.53-0.73), 4 trials, I² 0%". With each CI at its
    # own level (95.4% IKEMA, 98.5% IMROZ) the upper limit is 0.7204; treating every CI as
    # 95% would give 0.7286, which is where that README's 0.73 comes from.
    assert (round(chosen.estimate, 2), round(chosen.ci_low, 2), round(chosen.ci_high, 2)) == (0.62, 0.53, 0.72)
    # FACTS.md: the review printed 0.61 (0.50 to 0.73), fixed effect, 4 trials.
    assert pfs.published["estimate"] == 0.61 and pfs.published["k"] == 4


def test_both_models_are_stored_and_the_rule_marks_one(loaded):
    run = pool_review(loaded)
    with loaded.connect() as c:
        stored = c.execute(sa.text(
            "SELECT a.name, p.model, p.chosen, p.k, p.i2, p.q_p FROM pooled_result p JOIN analysis a ON a.id = p.analysis_id"
            " WHERE p.run_id = :run ORDER BY a.name, p.model"), {"run": run.run_id}).all()
    names = {name for name, *_ in stored}
    assert len(stored) == 2 * len(names) == 2 * len(run.analyses)
    for name in names:
        fixed, random = [r for r in stored if r[0] == name]
        assert fixed[2] != random[2], name  # exactly one chosen
        if fixed[3] >= 2:
            heterogeneous = fixed[5] < 0.10 or fixed[4] > 50  # the review's rule (FACTS.md, statistics)
            assert random[2] == heterogeneous, name


def test_orr_is_random_by_the_rule_and_mh_counts_match_hand_computation(loaded):
    orr = by_analysis(pool_review(loaded))["orr"]
    # ../shared/trials/outcomes.csv: ICARIA-MM 93/154 vs 54/153; IKEMA 156/179 vs 102/123.
    a, n1, c, n2 = np.array([93, 156]), np.array([154, 179]), np.array([54, 102]), np.array([153, 123])
    mh = np.sum(a * n2 / (n1 + n2)) / np.sum(c * n1 / (n1 + n2))  # Mantel-Haenszel RR
    fixed = next(m for m in orr.models if m.model == "fixed")
    assert fixed.estimate == pytest.approx(mh, rel=1e-12)
    assert orr.chosen.model == "random" and orr.chosen.i2 > 50
    assert (orr.chosen.events_experimental, orr.chosen.events_control) == (249, 156)
    assert orr.chosen.participants == 609


def test_study_weights_sum_to_100_per_model(loaded):
    run = pool_review(loaded)
    with loaded.connect() as c:
        sums = c.execute(sa.text(
            "SELECT analysis_id, SUM(weight_fixed), SUM(weight_random) FROM study_result WHERE run_id = :run"
            " GROUP BY analysis_id"), {"run": run.run_id}).all()
    assert len(sums) == 8  # every analysis but any_ae, which has no study with data
    assert all(f == pytest.approx(100.0) and r == pytest.approx(100.0) for _, f, r in sums)


def test_outcomes_without_sourced_data_are_kept_and_explained(loaded):
    any_ae = by_analysis(pool_review(loaded))["any_ae"]
    assert any_ae.chosen.k == 0 and any_ae.chosen.estimate is None
    assert any_ae.published["estimate"] == 0.49
    assert any("no trial has sourced data" in r for r in any_ae.explanations)


def test_differences_from_the_published_review_are_explained(loaded):
    run = by_analysis(pool_review(loaded))
    assert any("2 of the 4" in r and "GMMG-HD7, IMROZ" in r for r in run["orr"].explanations)
    assert not any("129" in r for r in run["orr"].explanations)  # no correction recorded yet


def test_a_corrected_denominator_explains_after_the_update(updated):
    # Update 1 records IKEMA's printed n 129 -> 179 (FACTS.md finding 1); ORR's IKEMA denominator is 179.
    run = by_analysis(pool_review(updated))
    assert any("129" in r and "179" in r for r in run["orr"].explanations)
    assert any("103 vs 91" in r for r in run["ae_discontinuation"].explanations)
    assert not any("misprint" in r for r in run["pfs"].explanations)  # an HR does not use the arm sizes
    # outcomes.csv holds PFS_alt / PFS_alt2 rows (interim cut-offs, other CI levels) for three trials.
    assert any("other reports" in r and "GMMG-HD7, IKEMA, IMROZ" in r for r in run["pfs"].explanations)


def test_subgroups_are_pooled_separately_with_a_test_for_differences(loaded):
    vgpr = by_analysis(pool_review(loaded))["vgpr_by_prior_lines"]
    assert set(vgpr.subgroups) == {"first", "multiple"}
    first = next(m for m in vgpr.subgroups["first"] if m.model == "fixed")
    multiple = next(m for m in vgpr.subgroups["multiple"] if m.model == "fixed")
    assert (first.k, multiple.k) == (2, 1)
    w = np.array([1 / first.se**2, 1 / multiple.se**2])
    te = np.array([first.te, multiple.te])
    q = np.sum(w * (te - np.sum(w * te) / np.sum(w)) ** 2)
    assert vgpr.subgroup_tests["fixed"]["q"] == pytest.approx(q, rel=1e-12)
    assert vgpr.subgroup_tests["fixed"]["df"] == 1


def test_runs_keep_their_history_and_hash_their_inputs(loaded):
    first, second = pool_review(loaded), pool_review(loaded)
    assert second.run_id > first.run_id and first.inputs_hash == second.inputs_hash
    with loaded.connect() as c:
        assert c.execute(sa.text("SELECT COUNT(DISTINCT run_id) FROM pooled_result")).scalar() == 2
