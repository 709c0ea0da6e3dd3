"""Closed-form hand computations on 1-3 study examples; the arithmetic is written out in each test."""

import math

import numpy as np
import pytest

from evidence.core.pooling import (
    MODEL_RULES,
    Heterogeneity,
    ZeroCells,
    continuous_effects,
    dichotomous_effects,
    effects_from_ci,
    generic_effects,
    peto_effects,
    pool,
    pool_dichotomous,
)

from .tolerances import REARRANGED, assert_close

pytestmark = pytest.mark.filterwarnings("error")  # no RuntimeWarning may leak out
Z95 = 1.959963984540054  # Phi^-1(0.975)


def test_zero_cell_study_gets_half_added_to_every_cell():
    # 0/10 vs 5/10. Cells +0.5: a=0.5, b=10.5, c=5.5, d=5.5; n1 = n2 = 11.
    # RR = (0.5/11)/(5.5/11) = 1/11; var = 1/0.5 - 1/11 + 1/5.5 - 1/11 = 2.
    rr = dichotomous_effects([0], [10], [5], [10], "RR")
    assert_close(rr.yi, [math.log(1 / 11)], "estimate", REARRANGED)
    assert_close(rr.vi, [2.0], "se", REARRANGED)
    # OR = (0.5*5.5)/(10.5*5.5) = 1/21; var = 1/0.5 + 1/10.5 + 1/5.5 + 1/5.5.
    odds = dichotomous_effects([0], [10], [5], [10], "OR")
    assert_close(odds.yi, [math.log(1 / 21)], "estimate", REARRANGED)
    assert_close(odds.vi, [2 + 1 / 10.5 + 2 / 5.5], "se", REARRANGED)
    # RD keeps the raw 0/10 - 5/10 = -0.5; var = (0.5*10.5 + 5.5*5.5)/11³ = 35.5/1331.
    rd = dichotomous_effects([0], [10], [5], [10], "RD")
    assert_close(rd.yi, [-0.5], "estimate", REARRANGED)
    assert_close(rd.vi, [35.5 / 1331], "se", REARRANGED)


def test_double_zero_study_is_kept_but_not_estimable_for_ratios():
    # Study 2 has 0/12 vs 0/15; study 3 has all events in both arms (8/8 vs 9/9).
    counts = ([2, 0, 8], [10, 12, 8], [4, 0, 9], [10, 15, 9])
    for measure in ("RR", "OR"):
        effects = dichotomous_effects(*counts, measure)
        assert effects.estimable.tolist() == [True, False, False]
        assert np.isnan(effects.yi[1:]).all()
        result = pool_dichotomous(*counts, measure=measure, method="MH")
        alone = pool_dichotomous([2], [10], [4], [10], measure=measure, method="MH")
        assert result.heterogeneity.k[0] == 1
        assert result.fixed.weight.tolist() == [100.0, 0.0, 0.0]
        assert result.random.weight.tolist() == [100.0, 0.0, 0.0]
        assert_close(result.pooled.te, alone.pooled.te, "estimate", REARRANGED)
    # RD keeps them: 0 - 0 = 0 with var 0.5*12.5/13³ + 0.5*15.5/16³ (the 0.5 in the SE only).
    rd = dichotomous_effects(*counts, "RD")
    assert rd.estimable.all()
    assert rd.yi[1] == 0.0
    assert_close(rd.vi[1], 0.5 * 12.5 / 13**3 + 0.5 * 15.5 / 16**3, "se", REARRANGED)


def test_mantel_haenszel_odds_ratio_with_robins_breslow_greenland_variance():
    # Study 1: a=2 b=8 c=4 d=6 (N=20); study 2: a=1 b=9 c=3 d=7 (N=20).
    # R = ad/N = 0.6, 0.35 (sum 0.95); S = bc/N = 1.6, 1.35 (sum 2.95); OR_MH = 0.95/2.95.
    # P = (a+d)/N = 0.4, 0.4; Q = (b+c)/N = 0.6, 0.6.
    # sum PR = 0.38; sum (PS + QR) = 1.00 + 0.75 = 1.75; sum QS = 0.96 + 0.81 = 1.77.
    result = pool_dichotomous([2, 1], [10, 10], [4, 3], [10, 10], measure="OR", method="MH", model="fixed")
    variance = 0.38 / (2 * 0.95**2) + 1.75 / (2 * 0.95 * 2.95) + 1.77 / (2 * 2.95**2)
    assert_close(result.fixed.te, [math.log(0.95 / 2.95)], "estimate", REARRANGED)
    assert_close(result.fixed.se, [math.sqrt(variance)], "se", REARRANGED)
    # RevMan shows MH weights: S normalised, 1.6/2.95 and 1.35/2.95.
    assert_close(result.study_weight, [160 / 2.95, 135 / 2.95], "estimate", REARRANGED)
    assert_close(result.pooled.ci_low, [math.log(0.95 / 2.95) - Z95 * math.sqrt(variance)], "ci", REARRANGED)


def test_mantel_haenszel_risk_ratio_includes_the_zero_cell_increment():
    # Study 1: 0/10 vs 4/10 -> cells +0.5: a=0.5, n1=11, c=4.5, n2=11, N=22.
    # Study 2: 2/10 vs 4/10, no increment, N=20.
    # R = a n2/N = 0.25, 1 (sum 1.25); S = c n1/N = 2.25, 2 (sum 4.25); RR_MH = 1.25/4.25 = 5/17.
    # (Without the increment, as metafor's rma.mh, study 1 would give R=0, S=2 and RR 1/4.)
    # Greenland-Robins: P = (n1 n2 (a+c) - a c N)/N² = (605 - 49.5)/484 and (600 - 160)/400.
    result = pool_dichotomous([0, 2], [10, 10], [4, 4], [10, 10], measure="RR", method="MH", model="fixed")
    variance = (555.5 / 484 + 1.1) / (1.25 * 4.25)
    assert_close(result.fixed.te, [math.log(5 / 17)], "estimate", REARRANGED)
    assert_close(result.fixed.se, [math.sqrt(variance)], "se", REARRANGED)
    assert_close(result.study_weight, [225 / 4.25, 200 / 4.25], "estimate", REARRANGED)


def test_mantel_haenszel_risk_difference_with_greenland_robins_variance():
    # Study 1: 2/10 vs 4/10, RD -0.2, w = n1 n2/N = 5; study 2: 3/20 vs 6/20, RD -0.15, w = 10.
    # RD_MH = (5*-0.2 + 10*-0.15)/15 = -1/6.
    # Greenland-Robins 1985: sum (a b n2³ + c d n1³)/(n1 n2 N²) / (sum w)²
    #   study 1: (2*8*1000 + 4*6*1000)/(100*400) = 1; study 2: (3*17 + 6*14)*8000/(400*1600) = 1.6875.
    result = pool_dichotomous([2, 3], [10, 20], [4, 6], [10, 20], measure="RD", method="MH", model="fixed")
    assert_close(result.fixed.te, [-1 / 6], "estimate", REARRANGED)
    assert_close(result.fixed.se, [math.sqrt(2.6875) / 15], "se", REARRANGED)


def test_mh_random_takes_tau2_from_the_mh_centred_q():
    # Q around the MH estimate, not around the IV estimate; the two differ whenever the
    # MH and IV fixed estimates differ. Q = sum (y_i - theta_MH)²/v_i, written out here.
    counts = ([2, 9, 1], [10, 12, 14], [4, 3, 6], [10, 12, 15])
    mh = pool_dichotomous(*counts, measure="OR", method="MH")
    iv = pool_dichotomous(*counts, measure="OR", method="IV")
    y, v = mh.studies.yi, mh.studies.vi
    q_mh = float(np.sum((y - mh.fixed.te[0]) ** 2 / v))
    w = 1 / v
    tau2 = max(0.0, (q_mh - 2) / (w.sum() - (w**2).sum() / w.sum()))
    assert_close(mh.heterogeneity.q, [q_mh], "heterogeneity", REARRANGED)
    assert_close(mh.tau2, [tau2], "tau2", REARRANGED)
    assert tau2 > 0 and abs(mh.heterogeneity.q[0] - iv.heterogeneity.q[0]) > 1e-3


def test_dersimonian_laird_by_hand():
    # y = 0, 1, 2; v = 0.5, 0.5, 1 -> w = 2, 2, 1, S1 = 5, S2 = 9, theta_FE = 4/5 = 0.8.
    # Q = 2*0.64 + 2*0.04 + 1*1.44 = 2.8, df = 2, I² = 0.8/2.8 = 28.571...%.
    # tau² = (2.8 - 2)/(5 - 9/5) = 0.25. Random weights 1/(v + 0.25) = 4/3, 4/3, 4/5 (sum 52/15);
    # theta_RE = (0 + 4/3 + 8/5)/(52/15) = 44/52 = 11/13, se = sqrt(15/52).
    result = pool(generic_effects([0.0, 1.0, 2.0], vi=[0.5, 0.5, 1.0]), model="random")
    assert_close(result.fixed.te, [0.8], "estimate", REARRANGED)
    assert_close(result.fixed.se, [math.sqrt(1 / 5)], "se", REARRANGED)
    assert_close(result.heterogeneity.q, [2.8], "heterogeneity", REARRANGED)
    assert result.heterogeneity.q_df.tolist() == [2]
    assert_close(result.heterogeneity.q_p, [math.exp(-2.8 / 2)], "p", REARRANGED)  # chi² with 2 df
    assert_close(result.heterogeneity.i2, [100 * 0.8 / 2.8], "heterogeneity", REARRANGED)
    assert_close(result.tau2, [0.25], "tau2", REARRANGED)
    assert_close(result.pooled.te, [11 / 13], "estimate", REARRANGED)
    assert_close(result.pooled.se, [math.sqrt(15 / 52)], "se", REARRANGED)
    assert_close(result.pooled.z, [11 / 13 / math.sqrt(15 / 52)], "estimate", REARRANGED)
    assert_close(result.study_weight, [100 * 20 / 52, 100 * 20 / 52, 100 * 12 / 52], "estimate", REARRANGED)
    assert_close(result.pooled.p, [math.erfc(11 / 13 / math.sqrt(15 / 52) / math.sqrt(2))], "p", REARRANGED)


def test_ci_of_any_level_converts_with_its_own_quantile():
    # HR 0.5 (0.25-1.0) as a 90% CI: se = ln 4 / (2 * 1.6448536269514722); as 95%: ln 4 / (2 * 1.959963984540054).
    for level, z in ((0.90, 1.6448536269514722), (0.95, Z95)):
        effects = effects_from_ci([0.5], [0.25], [1.0], level, measure="HR")
        assert_close(effects.yi, [math.log(0.5)], "estimate", REARRANGED)
        assert_close(effects.se, [math.log(4) / (2 * z)], "se", REARRANGED)
    # A difference on its own scale: MD 2 (1-3), 95%: se = 2 / (2 z).
    assert_close(effects_from_ci([2.0], [1.0], [3.0], measure="MD").se, [1 / Z95], "se", REARRANGED)


def test_generic_accepts_se_or_vi_and_rejects_neither_or_both():
    assert_close(generic_effects([0.1], se=[0.2]).vi, generic_effects([0.1], vi=[0.04]).vi, "se", REARRANGED)
    with pytest.raises(ValueError):
        generic_effects([0.1])
    with pytest.raises(ValueError):
        generic_effects([0.1], se=[0.2], vi=[0.04])


def test_hedges_g_as_revman_computes_it():
    # e: mean 10, sd 2, n 10; c: mean 8, sd 3, n 12; N = 22.
    # pooled sd = sqrt((9*4 + 11*9)/20) = sqrt(6.75); J = 1 - 3/(4*22 - 9) = 1 - 3/79.
    # g = 2/sqrt(6.75) * J; var = 22/120 + g²/(2*(22 - 3.94)).
    g = 2 / math.sqrt(6.75) * (1 - 3 / 79)
    effects = continuous_effects([10], [2], [10], [8], [3], [12], "SMD")
    assert_close(effects.yi, [g], "estimate", REARRANGED)
    assert_close(effects.vi, [22 / 120 + g**2 / 36.12], "se", REARRANGED)
    # MD: 2 with var 4/10 + 9/12.
    assert_close(continuous_effects([10], [2], [10], [8], [3], [12], "MD").vi, [0.4 + 0.75], "se", REARRANGED)


def test_peto_odds_ratio_by_hand():
    # 2/10 vs 4/10: O = 2, E = 10*6/20 = 3, V = 10*10*6*14/(20²*19) = 8400/7600.
    # log OR = (O - E)/V = -7600/8400, var = 1/V.
    effects = peto_effects([2], [10], [4], [10])
    assert_close(effects.yi, [-7600 / 8400], "estimate", REARRANGED)
    assert_close(effects.vi, [7600 / 8400], "se", REARRANGED)
    result = pool_dichotomous([2, 0], [10, 10], [4, 0], [10, 10], measure="OR", method="PETO")
    assert result.studies.estimable.tolist() == [True, False]  # no events at all: V = 0
    assert result.conventions.zero_cell_rule == "none"


def test_single_study_returns_itself_for_every_method():
    for measure, method in (("RR", "MH"), ("OR", "MH"), ("RD", "MH"), ("RR", "IV"), ("OR", "PETO")):
        result = pool_dichotomous([3], [20], [7], [21], measure=measure, method=method, model="random")
        for summary in (result.fixed, result.random):
            assert_close(summary.te, result.studies.yi, "estimate", REARRANGED)
            assert_close(summary.se, result.studies.se, "se", REARRANGED)
        assert result.heterogeneity.q_df.tolist() == [0]
        assert result.heterogeneity.i2.tolist() == [0.0]
        assert result.tau2.tolist() == [0.0]
        assert np.isnan(result.heterogeneity.q_p).all()
        assert result.study_weight.tolist() == [100.0]


def test_analyses_without_estimable_studies_give_nan_without_warnings():
    # Analysis 0: one study; analysis 1: only a double-zero study; analysis 2: no study at all.
    result = pool_dichotomous([3, 0], [20, 9], [7, 0], [21, 9], group=[0, 1], n_groups=3, measure="RR")
    assert result.heterogeneity.k.tolist() == [1, 0, 0]
    for values in (result.pooled.te, result.pooled.se, result.pooled.ci_low, result.pooled.p,
                   result.heterogeneity.q, result.heterogeneity.i2, result.tau2):
        assert np.isfinite(values[0]) and np.isnan(values[1:]).all()
    assert result.study_weight.tolist() == [100.0, 0.0]


def test_model_rules():
    # fixed if P(Q) >= 0.10 and I² <= 50%, otherwise random; P(Q) undefined (one study) -> fixed.
    # Q is chosen so that P(chi²_2 >= Q) = exp(-Q/2) is the wanted p: Q = -2 ln p.
    q_p = np.array([0.5, 0.05, 0.5, np.nan, 0.10])
    q_df = np.array([2, 2, 2, 0, 2])
    het = Heterogeneity(np.array([3, 3, 3, 1, 3]), np.where(q_df > 0, -2 * np.log(q_p), 0.0), q_df,
                        np.array([10.0, 10.0, 60.0, 0.0, 50.0]))
    assert_close(het.q_p, q_p, "p", REARRANGED)
    assert MODEL_RULES["fixed_if_homogeneous"](het).tolist() == [False, True, True, False, False]
    assert MODEL_RULES["fixed"](het).tolist() == [False] * 5
    assert MODEL_RULES["random"](het).tolist() == [True] * 5


def test_rule_picks_the_model_per_analysis():
    # Analysis 0 is the DL example above (Q = 2.8, df 2, P = 0.247, I² 28.6%: fixed);
    # analysis 1 has y = 0, 3 with v = 0.5 (Q = 9, P = 0.0027: random).
    effects = generic_effects([0.0, 1.0, 2.0, 0.0, 3.0], vi=[0.5, 0.5, 1.0, 0.5, 0.5])
    result = pool(effects, group=[0, 0, 0, 1, 1], model="fixed_if_homogeneous")
    assert result.model.tolist() == ["fixed", "random"]
    assert_close(result.pooled.te, [result.fixed.te[0], result.random.te[1]], "estimate", REARRANGED)
    assert_close(result.study_weight[:3], [40, 40, 20], "estimate", REARRANGED)  # IV weights 2, 2, 1


def test_conventions_are_recorded():
    result = pool_dichotomous([2], [10], [4], [10], measure="OR", method="MH", model="fixed_if_homogeneous",
                              level=0.9)
    c = result.conventions
    assert (c.measure, c.scale, c.fixed_method, c.tau2_method, c.ci_method, c.preset, c.level, c.model_rule) == (
        "OR", "log", "MH", "DL", "z", "revman5", 0.9, "fixed_if_homogeneous")
    assert c.zero_cell_rule == "add 0.5 to all four cells of a study with a zero cell"
    assert_close(result.pooled.ci_high - result.pooled.te, 1.6448536269514722 * result.pooled.se, "ci", REARRANGED)


@pytest.mark.parametrize("options", [
    {"model": "mixed"}, {"tau2_method": "GLMM"}, {"preset": "revman6"}, {"ci_method": "t"}, {"level": 1.0},
    {"method": "GLMM"}, {"method": "PETO", "measure": "RR"}, {"measure": "HR"},
])
def test_unknown_options_raise_value_error(options):
    with pytest.raises(ValueError):
        pool_dichotomous([2], [10], [4], [10], **options)


@pytest.mark.parametrize("counts", [([11], [10], [4], [10]), ([-1], [10], [4], [10]), ([0], [0], [4], [10])])
def test_impossible_counts_raise_value_error(counts):
    with pytest.raises(ValueError):
        pool_dichotomous(*counts)


def test_zero_cell_rules_choose_which_studies_get_the_increment():
    # Study 1: 0/10 vs 4/10 (a zero cell); study 2: 2/10 vs 4/10 (none); analysis 1: study 3 alone, 3/10 vs 5/10.
    counts = ([0, 2, 3], [10, 10, 10], [4, 4, 5], [10, 10, 10])
    group = [0, 0, 1]
    plain_rr = [math.log(0.2 / 0.4), math.log(0.3 / 0.5)]  # studies 2 and 3 without increments
    only0 = dichotomous_effects(*counts, "RR", group=group)
    assert_close(only0.yi[1:], plain_rr, "estimate", REARRANGED)
    # "if0all": every study of analysis 0 gets 0.5 (2.5/11 vs 4.5/11); analysis 1 has no zero cell.
    if0all = dichotomous_effects(*counts, "RR", zero_cells=ZeroCells(to="if0all"), group=group)
    assert_close(if0all.yi[1:], [math.log(2.5 / 4.5), plain_rr[1]], "estimate", REARRANGED)
    # "all" with increment 1: (3/12)/(5/12) for study 2.
    every = dichotomous_effects(*counts, "RR", zero_cells=ZeroCells(increment=1.0, to="all"), group=group)
    assert_close(every.yi[1], math.log(3 / 5), "estimate", REARRANGED)
    assert every.zero_cell_rule == "add 1 to all four cells of every study"
    # "none": the zero-cell study has no finite log RR and is not estimable (no warning either).
    none = dichotomous_effects(*counts, "RR", zero_cells=ZeroCells(to="none"))
    assert none.estimable.tolist() == [False, True, True] and none.zero_cell_rule == "none"


def test_double_zero_studies_can_be_kept_with_their_increments():
    # 0/12 vs 0/15 kept: RR = (0.5/13)/(0.5/16) = 16/13, var = 1/0.5 - 1/13 + 1/0.5 - 1/16.
    keep = ZeroCells(drop_double_zero=False)
    effects = dichotomous_effects([2, 0], [10, 12], [4, 0], [10, 15], "RR", zero_cells=keep)
    assert effects.estimable.tolist() == [True, True]
    assert_close(effects.yi[1], math.log(16 / 13), "estimate", REARRANGED)
    assert_close(effects.vi[1], 4 - 1 / 13 - 1 / 16, "se", REARRANGED)
    assert effects.zero_cell_rule.endswith("double-zero studies kept")
    result = pool_dichotomous([2, 0], [10, 12], [4, 0], [10, 15], zero_cells=keep)
    assert result.heterogeneity.k.tolist() == [2] and (result.fixed.weight > 0).all()


def test_modern_mantel_haenszel_adds_nothing_to_the_pooled_sums():
    # Same studies as the RevMan test above: without the increment R = 0 + 1, S = 2 + 2 -> RR 1/4 (metafor's rma.mh).
    result = pool_dichotomous([0, 2], [10, 10], [4, 4], [10, 10], measure="RR", method="MH", model="fixed",
                              preset="modern")
    assert_close(result.fixed.te, [math.log(1 / 4)], "estimate", REARRANGED)
    # The study-level estimate still gets 0.5 (RR 1/9), as escalc gives it.
    assert_close(result.studies.yi[0], math.log(1 / 9), "estimate", REARRANGED)


def test_mantel_haenszel_without_events_in_one_arm_has_no_estimate():
    # No events in any experimental arm and no increment: sum R = 0, log(0) is not an estimate.
    result = pool_dichotomous([0, 0], [10, 12], [3, 4], [10, 12], measure="OR", method="MH", model="fixed",
                              preset="modern")
    assert np.isnan(result.fixed.te).all() and np.isnan(result.fixed.se).all()


def test_presets_and_explicit_options():
    effects = generic_effects([0.0, 1.0, 2.0], vi=[0.5, 0.5, 1.0])
    modern = pool(effects, preset="modern").conventions
    assert (modern.tau2_method, modern.ci_method, modern.prediction, modern.heterogeneity_ci, modern.preset) == (
        "REML", "hk", True, True, "modern")
    revman = pool(effects).conventions
    assert (revman.tau2_method, revman.ci_method, revman.prediction, revman.heterogeneity_ci) == ("DL", "z", False, False)
    mixed = pool(effects, preset="modern", tau2_method="DL", ci_method="z", prediction=False).conventions
    assert (mixed.tau2_method, mixed.ci_method, mixed.prediction, mixed.heterogeneity_ci) == ("DL", "z", False, True)
    # The DL example above: under HK, se² = sum w*(y - te)² / ((k - 1) sum w*) with w* = 1/(v + 0.25).
    hk = pool(effects, ci_method="hk")
    w = np.array([4 / 3, 4 / 3, 4 / 5])
    scale = np.sum(w * (np.array([0.0, 1.0, 2.0]) - 11 / 13) ** 2) / 2
    assert_close(hk.random.se, [math.sqrt(scale * 15 / 52)], "se", REARRANGED)
    assert hk.random.df.tolist() == [2.0] and np.isnan(hk.fixed.df).all()


def test_hartung_knapp_falls_back_to_z_for_a_single_study():
    result = pool(generic_effects([0.4], vi=[0.04]), ci_method="hk", prediction=True)
    assert np.isnan(result.random.df).all()
    assert_close(result.random.ci_high, [0.4 + Z95 * 0.2], "ci", REARRANGED)
    assert_close(result.pi_high, [0.4 + Z95 * 0.2], "ci", REARRANGED)  # tau² = 0


def test_revman_and_exact_hedges_g_differ_only_in_the_small_sample_terms():
    # J exact for m = 20: Gamma(10)/(sqrt(10) Gamma(9.5)) = 0.96194453...; RevMan: 1 - 3/(4*22 - 9).
    from scipy.special import gamma

    exact = continuous_effects([10], [2], [10], [8], [3], [12], "SMD", smd="exact")
    j = gamma(10) / (math.sqrt(10) * gamma(9.5))
    g = 2 / math.sqrt(6.75) * j
    assert_close(exact.yi, [g], "estimate", REARRANGED)
    assert_close(exact.vi, [1 / 10 + 1 / 12 + g**2 / 44], "se", REARRANGED)
    with pytest.raises(ValueError):
        continuous_effects([10], [2], [10], [8], [3], [12], "SMD", smd="cohen")
