"""Every tau² estimator, Hartung-Knapp, prediction and Q-profile intervals, the exact SMD, Egger's
test and trim-and-fill against published numbers; reference/metafor_examples.csv names the
source of each (paper and table, or metafor test file or documented example, with its commit)."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from evidence.core.pooling import (
    TAU2_ESTIMATORS,
    continuous_effects,
    dichotomous_effects,
    egger_test,
    generic_effects,
    pool,
    trim_and_fill,
)
from evidence.core.pooling.groups import Groups
from evidence.core.pooling.tau2 import _ml_score

from .tolerances import ITERATED, METAFOR_TAU2_STOP, assert_printed

REFERENCE = Path(__file__).parent / "reference"
pytestmark = pytest.mark.filterwarnings("error")
ITERATIVE = {"ML", "REML", "EB", "PM"}  # metafor iterates these: its last digit may be one off


def _rows(name: str) -> list[dict]:
    with (REFERENCE / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


EXAMPLES = _rows("metafor_examples.csv")


def _column(rows, *names):
    return [np.array([float(row[name]) for row in rows]) for name in names]


def _bcg(measure: str):
    tpos, tneg, cpos, cneg = _column(_rows("dat_bcg.csv"), "tpos", "tneg", "cpos", "cneg")
    return dichotomous_effects(tpos, tpos + tneg, cpos, cpos + cneg, measure)


def _bcg_smoothed():
    """Berkey et al. (1995): log RR of dat.bcg with one smoothed variance per arm type."""
    tpos, tneg, cpos, cneg = _column(_rows("dat_bcg.csv"), "tpos", "tneg", "cpos", "cneg")
    vi = np.sum(tneg / tpos) / (13 * (tneg + tpos)) + np.sum(cneg / cpos) / (13 * (cneg + cpos))
    return generic_effects(_bcg("RR").yi, vi=vi)


def _counts(name: str, measure: str):
    return dichotomous_effects(*_column(_rows(name), "ai", "n1i", "ci", "n2i"), measure)


EFFECTS = {
    "clasp-OR": lambda: _counts("clasp.csv", "OR"),
    "raudenbush1985": lambda: generic_effects(*_column(_rows("raudenbush1985.csv"), "yi"), vi=_column(
        _rows("raudenbush1985.csv"), "vi")[0]),
    "bcg-RR": lambda: _bcg("RR"),
    "bcg-OR": lambda: _bcg("OR"),
    "berkey1995": _bcg_smoothed,
}


def _quantity(result, quantity: str) -> float:
    natural = result.conventions.to_natural
    values = {
        "tau2": result.tau2, "tau": np.sqrt(result.tau2), "te": result.random.te, "se": result.random.se,
        "z": result.random.z, "ci_low": result.random.ci_low, "ci_high": result.random.ci_high,
        "q": result.heterogeneity.q, "pi_low": result.pi_low, "pi_high": result.pi_high,
        "estimate": natural(result.random.te), "estimate_ci_low": natural(result.random.ci_low),
        "estimate_ci_high": natural(result.random.ci_high),
        "tau2_ci_low": result.tau2_ci[:, 0], "tau2_ci_high": result.tau2_ci[:, 1],
        "i2_ci_low": result.i2_ci[:, 0], "i2_ci_high": result.i2_ci[:, 1],
    }
    return float(values[quantity][0])


POOLED = [row for row in EXAMPLES if row["example"] in EFFECTS and row["quantity"] != "i2_ci_low"]


@pytest.mark.parametrize("row", POOLED, ids=[f"{r['example']}-{r['tau2_method']}-{r['ci_method']}-{r['quantity']}"
                                             for r in POOLED])
def test_random_effects_match_published_numbers(row):
    # Source: the row's `source` column.
    result = pool(EFFECTS[row["example"]](), tau2_method=row["tau2_method"], ci_method=row["ci_method"],
                  prediction=True, heterogeneity_ci=True)
    actual = _quantity(result, row["quantity"])
    if row["example"] == "clasp-OR" and row["tau2_method"] == "ML" and row["quantity"] == "tau":
        # The ML maximum is at the boundary (next test): the published 0.0023 is tau² = 5e-6,
        # where metafor's iteration stopped.
        assert abs(actual**2 - float(row["value"]) ** 2) < METAFOR_TAU2_STOP
    else:
        assert_printed(actual, row["value"], ITERATED if row["tau2_method"] in ITERATIVE else 0.5)


def test_clasp_ml_maximum_is_at_zero():
    # The score of the likelihood at tau² = 0 is negative: tau² = 0 maximises it exactly.
    effects = EFFECTS["clasp-OR"]()
    score, _ = _ml_score(np.zeros(1), effects.yi, effects.vi, Groups.of(np.zeros(6, np.intp), 6))
    assert score[0] < 0
    assert pool(effects, tau2_method="ML").tau2[0] == 0.0


def test_every_estimator_is_checked_against_a_published_value():
    # Guard: each registered estimator has published tau, estimate and se on the CLASP data,
    # and DL, REML, ML and PM have published values on dat.bcg.
    clasp = {(r["tau2_method"], r["quantity"]) for r in POOLED if r["example"] == "clasp-OR"}
    assert {(m, q) for m in TAU2_ESTIMATORS for q in ("tau", "te", "se")} <= clasp
    assert {"DL", "REML", "ML", "PM"} <= {r["tau2_method"] for r in POOLED if r["example"] == "bcg-RR"}
    assert {r["ci_method"] for r in POOLED} == {"z", "hk"}


def test_q_profile_i2_interval_is_exact_where_metafor_stops_early():
    # metafor: I² CI (81.9177, 97.6781) for dat.bcg; its uniroot stops at tau² = 0.11969
    # (tolerance 1.2e-4), the exact lower tau² limit is where Q(tau²) = chi²_12(0.975).
    from scipy import stats

    result = pool(_bcg("RR"), tau2_method="DL", heterogeneity_ci=True)
    low = result.tau2_ci[0, 0]
    w = 1 / (result.studies.vi + low)
    mu = np.sum(w * result.studies.yi) / np.sum(w)
    np.testing.assert_allclose(np.sum(w * (result.studies.yi - mu) ** 2), stats.chi2.ppf(0.975, 12), rtol=1e-9)
    (row,) = [r for r in EXAMPLES if r["quantity"] == "i2_ci_low"]
    assert abs(result.i2_ci[0, 0] - float(row["value"])) < 0.005  # 81.9206 vs metafor's 81.9177


def test_prediction_interval_by_hand_under_z_and_hartung_knapp():
    # PI = te -+ crit * sqrt(se² + tau²): crit z_0.975 under z, t_{k-1, 0.975} with the HK se under HK.
    from scipy import stats

    effects = EFFECTS["raudenbush1985"]()
    for ci_method, crit in (("z", stats.norm.ppf(0.975)), ("hk", stats.t.ppf(0.975, 18))):
        r = pool(effects, tau2_method="REML", ci_method=ci_method, prediction=True)
        half = crit * math.sqrt(r.random.se[0] ** 2 + r.tau2[0])
        np.testing.assert_allclose([r.pi_low[0], r.pi_high[0]], [r.random.te[0] - half, r.random.te[0] + half],
                                   rtol=1e-12)
        np.testing.assert_allclose(r.random.ci_high[0] - r.random.te[0], crit * r.random.se[0], rtol=1e-12)


def test_hartung_knapp_ad_hoc_never_narrower_than_z():
    effects = EFFECTS["raudenbush1985"]()
    plain = pool(effects, tau2_method="HE", ci_method="hk")  # HE: the HK scale factor is below 1 here
    ad_hoc = pool(effects, tau2_method="HE", ci_method="hk_adhoc")
    wald = pool(effects, tau2_method="HE", ci_method="z")
    assert plain.random.se[0] < wald.random.se[0]
    assert ad_hoc.random.se[0] == pytest.approx(wald.random.se[0], rel=1e-12)
    assert ad_hoc.random.df[0] == 18


def _example(name: str, tau2_method: str = "") -> dict[str, str]:
    return {r["quantity"]: r["value"] for r in EXAMPLES if r["example"] == name and r["tau2_method"] == tau2_method}


def test_exact_hedges_g_matches_metafor():
    rows = _rows("normand1999.csv")[:4]
    effects = continuous_effects(*_column(rows, "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"), "SMD", smd="exact")
    expected = _example("normand1999-SMD")
    for i in range(4):
        assert_printed(effects.yi[i], expected[f"yi{i + 1}"])
        assert_printed(effects.vi[i], expected[f"vi{i + 1}"])
    assert_printed(pool(effects, tau2_method="REML").tau2[0], _example("normand1999-SMD", "REML")["tau2"], ITERATED)


def test_egger_matches_metafor_regtest_lm():
    effects = _counts("egger2001.csv", "OR")
    without_isis4 = effects.take(np.arange(15))  # subset=-16 in the source call
    expected = _example("egger2001")
    egger = egger_test(without_isis4)
    assert_printed(egger.statistic[0], expected["statistic"])
    assert egger.df[0] == float(expected["df"])
    assert_printed(egger.p[0], expected["p"])


def test_egger_by_hand_and_undefined_below_three_studies():
    # x = 1/se = 1, 2, 4 and z = yi/se = 1, 3, 4: ordinary least squares of z on x, the
    # intercept and its standard error by the textbook formulas (k - 2 = 1 residual df).
    se = np.array([1.0, 0.5, 0.25])
    yi = np.array([1.0, 1.5, 1.0])  # z = yi/se = 1, 3, 4
    x, z = 1 / se, yi / se
    sxx = np.sum((x - x.mean()) ** 2)
    slope = np.sum((x - x.mean()) * (z - z.mean())) / sxx
    intercept = z.mean() - slope * x.mean()
    residual = z - intercept - slope * x
    se_intercept = math.sqrt(np.sum(residual**2) / 1 * (1 / 3 + x.mean() ** 2 / sxx))
    egger = egger_test(generic_effects(yi, se=se))
    np.testing.assert_allclose([egger.intercept[0], egger.se[0]], [intercept, se_intercept], rtol=1e-12)
    two = egger_test(generic_effects(yi[:2], se=se[:2]))
    assert np.isnan(two.intercept[0]) and np.isnan(two.p[0])


@pytest.mark.parametrize(("model", "tau2_method"), [("fixed", "FE"), ("random", "REML")])
def test_trim_and_fill_matches_metafor(model, tau2_method):
    expected = _example("bcg-RR-trimfill", tau2_method)
    filled = trim_and_fill(_bcg("RR"), lambda effects, group, n: pool(
        effects, group, n_groups=n, model=model, tau2_method="REML"))
    assert filled.k0.tolist() == [int(expected["k0"])] and filled.side.tolist() == [expected["side"]]
    summary = filled.result.pooled
    for quantity, value in (("te", summary.te), ("se", summary.se), ("ci_low", summary.ci_low),
                            ("ci_high", summary.ci_high), ("q", filled.result.heterogeneity.q)):
        assert_printed(value[0], expected[quantity], ITERATED)
    if model == "random":
        assert_printed(filled.result.tau2[0], expected["tau2"], ITERATED)
    else:
        for i, value in enumerate(sorted(filled.filled.yi)):
            assert_printed(value, expected[f"filled{i + 1}"])
