"""Trial sequential analysis (evidence.core.tsa) against published values and closed forms.

Published values (ldbounds, rpact, RTSA) live in tests/tsa_reference/references.json, each
with its source and the reason for its tolerance. The closed-form checks use scipy's normal
and bivariate normal distributions, which share no code with the recursive integration.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from evidence.core import tsa
from evidence.errors import InputError

REFERENCES = json.loads((Path(__file__).parent / "tsa_reference" / "references.json").read_text())
z = stats.norm.isf  # upper quantile: z(0.025) = 1.959964


def _cases(kind):
    return pytest.mark.parametrize("case", REFERENCES[kind], ids=[c["id"] for c in REFERENCES[kind]])


def _bivariate(t1, t2, mean=(0.0, 0.0)):
    r = math.sqrt(t1 / t2)
    return stats.multivariate_normal(mean=mean, cov=[[1, r], [r, 1]])


def _rectangle(mvn, x, y):
    """P(x0 < Z1 < x1, y0 < Z2 < y1) from the bivariate cdf."""
    (x0, x1), (y0, y1) = x, y
    return mvn.cdf([x1, y1]) - mvn.cdf([x0, y1]) - mvn.cdf([x1, y0]) + mvn.cdf([x0, y0])


# --- alpha spending --------------------------------------------------------------------------

@pytest.mark.parametrize("sides", [1, 2])
def test_alpha_spent_is_the_obrien_fleming_function_per_side(sides):
    t = np.array([0.1, 0.25, 0.5, 0.75, 1.0])
    alpha = 0.05
    # 2 - 2 Phi(z_{1 - alpha_s/2} / sqrt t) per side, alpha_s = alpha / sides, summed over the sides
    expected = sides * 2 * stats.norm.sf(z(alpha / sides / 2) / np.sqrt(t))
    np.testing.assert_allclose(tsa.alpha_spent(t, alpha, sides), expected, rtol=1e-12)
    # by hand, two-sided at t = 0.5: z_{0.9875} = 2.241403, / sqrt(0.5) = 3.169830, 4 (1 - Phi) = 0.0030506
    if sides == 2:
        assert tsa.alpha_spent(0.5, 0.05, 2) == pytest.approx(0.0030506, abs=5e-8)


@pytest.mark.parametrize("alpha,sides", [(0.05, 2), (0.05, 1), (0.01, 2), (0.2, 1)])
def test_alpha_spent_increases_from_zero_to_alpha(alpha, sides):
    t = np.linspace(0, 1, 201)
    spent = tsa.alpha_spent(t, alpha, sides)
    assert spent[0] == 0
    assert spent[-1] == pytest.approx(alpha, rel=1e-12)
    assert np.all(np.diff(spent[60:]) > 0)  # early increments underflow to 0 below t ~ 0.003
    assert np.all(np.diff(spent) >= 0)


def test_alpha_spent_keeps_the_shape_of_its_input():
    t = np.array([[0.2, 0.4], [0.6, 1.0]])
    assert tsa.alpha_spent(t, 0.05).shape == (2, 2)


# --- boundaries: closed forms ------------------------------------------------------------------

@pytest.mark.parametrize("alpha,sides", [(0.05, 2), (0.05, 1), (0.01, 2), (0.025, 1)])
def test_one_look_at_the_end_is_the_fixed_sample_test(alpha, sides):
    result = tsa.boundaries([1.0], alpha, sides)
    assert result.upper[0] == pytest.approx(z(alpha / sides), abs=1e-9)
    assert result.alpha_spent[0] == pytest.approx(alpha, rel=1e-12)


@pytest.mark.parametrize("t1", [0.2, 0.5, 0.8])
def test_two_looks_one_sided_against_the_bivariate_normal(t1):
    """All alpha is spent by t2 = 1: P(Z1 < b1, Z2 < b2) = 1 - alpha with corr sqrt(t1/t2)."""
    alpha = 0.025
    b1, b2 = tsa.boundaries([t1, 1.0], alpha, sides=1).upper
    assert b1 == pytest.approx(z(tsa.alpha_spent(t1, alpha, 1)), abs=1e-9)
    assert _bivariate(t1, 1.0).cdf([b1, b2]) == pytest.approx(1 - alpha, abs=2e-7)
    # and the exact b2 from scipy alone agrees to 1e-6
    exact = optimize.brentq(lambda b: _bivariate(t1, 1.0).cdf([b1, b]) - (1 - alpha), 1, 4, xtol=1e-10)
    assert b2 == pytest.approx(exact, abs=1e-6)


@pytest.mark.parametrize("t1,t2", [(0.2, 0.4), (0.15, 0.4), (0.5, 1.0), (0.3, 0.7)])
def test_two_looks_two_sided_against_the_bivariate_normal(t1, t2):
    """P(|Z1| < b1, |Z2| < b2) = 1 - alpha*(t2), all sides together."""
    alpha = 0.05
    b1, b2 = tsa.boundaries([t1, t2], alpha, sides=2).upper
    mvn = _bivariate(t1, t2)
    inside = _rectangle(mvn, (-b1, b1), (-b2, b2))
    assert inside == pytest.approx(1 - tsa.alpha_spent(t2, alpha, 2), abs=2e-7)
    exact = optimize.brentq(lambda b: _rectangle(mvn, (-b1, b1), (-b, b)) - (1 - tsa.alpha_spent(t2, alpha, 2)),
                            1, 6, xtol=1e-10)
    assert b2 == pytest.approx(exact, abs=1e-6)


def test_looks_close_together_against_adaptive_quadrature():
    """Three looks, two 0.001 apart: P(|Z_k| < b_k, k = 1..3) = 1 - alpha, by conditioning on Z2.

    Given Z2 = z, Z1 is normal (mean rho z, sd sqrt(1 - rho²)) and Z3 sqrt(t3) - z sqrt(t2) is
    N(0, t3 - t2), so the box is a 1-D integral for scipy's adaptive quad. Such looks need the
    grid refined to their step: 16 points per unit leave 2e-6 here, 48 points 3e-8.
    (Genz's algorithm is too noisy, 1e-6, at a correlation of 0.999.)
    """
    alpha, (t1, t2, t3) = 0.05, (0.5, 0.501, 1.0)
    b1, b2, b3 = tsa.boundaries([t1, t2, t3], alpha, 2).upper
    rho, s = math.sqrt(t1 / t2), math.sqrt(1 - t1 / t2)
    n = stats.norm

    def density(x):
        first = n.cdf((b1 - rho * x) / s) - n.cdf((-b1 - rho * x) / s)
        last = n.cdf((b3 * math.sqrt(t3) - x * math.sqrt(t2)) / math.sqrt(t3 - t2)) \
            - n.cdf((-b3 * math.sqrt(t3) - x * math.sqrt(t2)) / math.sqrt(t3 - t2))
        return n.pdf(x) * first, n.pdf(x) * first * last
    two = integrate.quad(lambda x: density(x)[0], -b2, b2, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
    three = integrate.quad(lambda x: density(x)[1], -b2, b2, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
    assert two == pytest.approx(1 - tsa.alpha_spent(t2, alpha, 2), abs=1e-9)
    assert three == pytest.approx(1 - alpha, abs=2e-7)


def test_many_looks_against_the_multivariate_normal():
    """P(|Z_j| < b_j for j <= k) = 1 - alpha*(t_k), boxes of the k-variate normal (Genz's
    algorithm, randomised: ~1e-9 between calls at these correlations)."""
    alpha, t = 0.05, np.array([0.05, 0.1, 0.3, 0.6, 1.0])
    b = tsa.boundaries(t, alpha, 2).upper
    cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    for k in range(2, len(t) + 1):
        mvn = stats.multivariate_normal(mean=np.zeros(k), cov=cov[:k, :k], maxpts=2_000_000, abseps=1e-10, releps=1e-10)
        inside = mvn.cdf(b[:k], lower_limit=-b[:k])
        assert inside == pytest.approx(1 - tsa.alpha_spent(t[k - 1], alpha, 2), abs=2e-7)


def test_lower_boundary_is_not_reported_one_sided_and_mirrors_two_sided():
    two = tsa.design("MD", mean_difference=1, sd=2, timing=[0.3, 0.6])
    assert two["lower"] == [-u for u in two["upper"]]
    assert tsa.design("MD", mean_difference=1, sd=2, timing=[0.3, 0.6], sides=1)["lower"] is None


# --- boundaries: published values ----------------------------------------------------------------

@_cases("boundaries")
def test_boundaries_match_published_values(case):
    result = tsa.boundaries(case["timing"], case["alpha"], case["sides"])
    np.testing.assert_allclose(result.upper, case["upper"], rtol=0, atol=case["upper_tolerance"])
    if "alpha_spent" in case:
        np.testing.assert_allclose(result.alpha_spent, case["alpha_spent"], rtol=case["alpha_spent_relative_tolerance"])


@_cases("crossing")
def test_crossing_probabilities_match_ldbounds_ldpower(case):
    probs = tsa.crossing_probability(case["timing"], case["upper"], case["drift"], case["sides"])
    np.testing.assert_allclose(probs[0], case["upper_probs"], rtol=case["upper_probs_relative_tolerance"])
    assert probs.sum() == pytest.approx(case["power"], abs=case["power_tolerance"])
    # P(some crossing) = 1 - P(|Z_k| < c_k for all k), a box of the K-variate normal (Genz's algorithm)
    t, c = np.array(case["timing"]), np.array(case["upper"])
    cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    mvn = stats.multivariate_normal(mean=case["drift"] * np.sqrt(t), cov=cov, maxpts=2_000_000, abseps=1e-9, releps=1e-9)
    assert probs.sum() == pytest.approx(1 - mvn.cdf(c, lower_limit=-c), abs=1e-7)


# --- information size ------------------------------------------------------------------------------

def test_ris_by_hand_control_risk_half_rrr_20_percent():
    # p_c = 0.5, RRR = 0.2: p_e = 0.4, pbar = 0.45, nu = 0.45 x 0.55 = 0.2475, theta = 0.1;
    # z_{0.975} + z_{0.8} = 1.959964 + 0.841621 = 2.801585, squared 7.848879;
    # 4 x 7.848879 x 0.2475 / 0.01 = 777.04 -> 778; D² = 0.25: 778 / 0.75 = 1037.33 -> 1038
    result = tsa.required_information_size("RR", control_risk=0.5, rrr=0.2, alpha=0.05, beta=0.2, sides=2, d2=0.25)
    assert result["ris_fixed"] == 778
    assert result["ris"] == 1038
    assert result["ris_sequential"] is None and result["inflation_factor"] is None
    assert result["heterogeneity"] == {"measure": "D2", "value": 0.25}


def test_ris_by_hand_mean_difference_one_sided():
    # theta = 2, nu = 5² = 25, one-sided alpha 0.025 is the two-sided 0.05 formula:
    # 4 x 7.848879 x 25 / 4 = 196.22 -> 197
    one = tsa.required_information_size("MD", mean_difference=2, sd=5, alpha=0.025, beta=0.2, sides=1)
    assert one["ris_fixed"] == 197
    assert tsa.required_information_size("MD", mean_difference=-2, sd=5)["ris_fixed"] == 197


@_cases("ris")
def test_ris_matches_rtsa(case):
    result = tsa.required_information_size(**case["args"])
    assert result["ris_fixed"] == case["ris_fixed"]
    assert result["ris"] == case["ris"]
    if "ris_sequential" in case:
        assert result["ris_sequential"] == case["ris_sequential"]


def test_rr_and_rrr_are_one_effect():
    # RTSA: "set RRR = 0.2 or mc = 0.8 (RR of 80%)" (RSTA-SOP vignette, section 2.3.2)
    assert tsa.required_information_size("RR", control_risk=0.3, rr=0.8) == \
        tsa.required_information_size("RR", control_risk=0.3, rrr=0.2)


def test_or_takes_a_relative_risk_like_the_tsa_software():
    rr = tsa.required_information_size("RR", control_risk=0.3, rr=0.8)
    assert tsa.required_information_size("OR", control_risk=0.3, rr=0.8) == rr
    # RTSA's mc for OR is an odds ratio. OR 0.75 at p_c = 0.3: p_e = 0.225 / 0.925 = 0.243243,
    # rr = OR / (1 - p_c + p_c OR) = 0.810811; pbar = 0.271622, nu = 0.197843, theta = 0.056757;
    # 4 x 7.848879 x 0.197843 / 0.0032213 = 1928.2 -> 1929
    assert tsa.required_information_size("OR", control_risk=0.3, rr=0.75 / (1 - 0.3 + 0.3 * 0.75))["ris_fixed"] == 1929


@_cases("inflation")
def test_inflation_factor_matches_rtsa(case):
    factor = tsa.inflation_factor(case["timing"], case["alpha"], case["beta"], case["sides"], case["futility"])
    assert factor == pytest.approx(case["factor"], abs=case["tolerance"])


@pytest.mark.parametrize("timing,sides", [([0.5], 2), ([0.25, 0.5, 0.75], 2), ([0.3, 0.6], 1)])
def test_inflation_factor_gives_power_one_minus_beta(timing, sides):
    alpha, beta = 0.05, 0.2
    factor = tsa.inflation_factor(timing, alpha, beta, sides)
    looks = np.append(timing, 1.0)
    upper = tsa.boundaries(looks, alpha, sides).upper
    drift = (z(alpha / sides) + z(beta)) * math.sqrt(factor)
    assert tsa.crossing_probability(looks, upper, drift, sides)[0].sum() == pytest.approx(1 - beta, abs=1e-8)
    assert factor > 1


def test_two_look_inflation_against_the_bivariate_normal():
    alpha, beta, t1 = 0.05, 0.1, 0.5
    factor = tsa.inflation_factor([t1], alpha, beta, 2)
    b1, b2 = tsa.boundaries([t1, 1.0], alpha, 2).upper
    drift = (z(alpha / 2) + z(beta)) * math.sqrt(factor)
    mvn = _bivariate(t1, 1.0, mean=(drift * math.sqrt(t1), drift))
    power = stats.norm.sf(b1 - drift * math.sqrt(t1)) + _rectangle(mvn, (-b1, b1), (b2, 40))
    assert power == pytest.approx(1 - beta, abs=1e-6)


# --- futility ----------------------------------------------------------------------------------------

@_cases("futility")
def test_futility_matches_published_values(case):
    result = tsa.futility_boundaries(case["timing"], case["alpha"], case["beta"], case["binding"], case["sides"])
    np.testing.assert_allclose(result.upper, case["upper"], rtol=0, atol=case["tolerance"])
    np.testing.assert_allclose(result.futility, case["futility"], rtol=0, atol=case["tolerance"])
    if "beta_spent" in case:
        np.testing.assert_allclose(result.beta_spent, case["beta_spent"], rtol=1e-6)


def test_nonbinding_futility_leaves_the_efficacy_boundaries_alone():
    timing = [0.3, 0.6, 1.0]
    result = tsa.futility_boundaries(timing, 0.05, 0.2, binding=False, sides=2)
    np.testing.assert_allclose(result.upper, tsa.boundaries(timing, 0.05, 2).upper, atol=1e-12)


def test_binding_two_sided_keeps_type_one_error_and_power():
    """Two looks: every probability is a rectangle of the bivariate normal."""
    alpha, beta, t1 = 0.05, 0.2, 0.5
    result = tsa.futility_boundaries([t1, 1.0], alpha, beta, binding=True, sides=2)
    (f1, f2), (c1, c2) = result.futility, result.upper
    assert 0 < f1 < c1 and f2 == pytest.approx(c2, abs=1e-9)
    null = _bivariate(t1, 1.0)
    go_on = [(f1, c1), (-c1, -f1)]  # the inner wedge |Z1| < f1 stops for futility
    type_one = 2 * stats.norm.sf(c1) + sum(_rectangle(null, x, (c2, 40)) + _rectangle(null, x, (-40, -c2))
                                           for x in go_on)
    assert type_one == pytest.approx(alpha, abs=1e-6)
    # the futility bound spends beta*(t1) under the alternative, one-sided as RTSA does
    d = result.drift
    assert stats.norm.cdf(f1 - d * math.sqrt(t1)) == pytest.approx(result.beta_spent[0], abs=1e-9)
    assert result.beta_spent[0] == pytest.approx(2 * stats.norm.sf(z(beta / 2) / math.sqrt(t1)), rel=1e-12)
    # power with the final bounds meeting: P(reject upper) = 1 - beta (one-sided continuation)
    alt = _bivariate(t1, 1.0, mean=(d * math.sqrt(t1), d))
    power = stats.norm.sf(c1 - d * math.sqrt(t1)) + _rectangle(alt, (f1, c1), (c2, 40))
    assert power == pytest.approx(1 - beta, abs=1e-6)


def test_two_sided_wedge_below_zero_is_dropped_and_its_beta_carried():
    result = tsa.futility_boundaries([0.1, 0.5, 1.0], 0.05, 0.2, binding=False, sides=2)
    assert np.isnan(result.futility[0]) and result.beta_spent[0] == 0
    assert result.futility[1] > 0
    assert result.beta_spent[1] == pytest.approx(2 * stats.norm.sf(z(0.1) / math.sqrt(0.5)), rel=1e-12)


def test_futility_with_a_given_drift_is_capped_at_efficacy():
    result = tsa.futility_boundaries([0.5, 1.0], 0.025, 0.1, binding=False, sides=1, drift=6.0)
    assert np.all(result.futility <= result.upper)
    assert result.drift == 6.0


# --- design: the JSON contract ---------------------------------------------------------------------

def test_design_keys_and_final_look():
    result = tsa.design("RR", control_risk=0.5, rr=0.8, alpha=0.05, beta=0.2, timing=[0.25, 0.5, 0.75])
    assert set(result) == {"ris_fixed", "ris", "ris_sequential", "timing", "upper", "lower", "futility"}
    assert result["timing"] == [0.25, 0.5, 0.75, 1.0]
    assert result["ris_fixed"] == 778 and result["futility"] is None
    assert result["ris_sequential"] == math.ceil(778 * tsa.inflation_factor([0.25, 0.5, 0.75], 0.05, 0.2))
    np.testing.assert_allclose(result["upper"], tsa.boundaries(result["timing"], 0.05).upper, atol=1e-12)
    json.dumps(result, allow_nan=False)


def test_design_without_timing_is_one_final_look():
    result = tsa.design("MD", mean_difference=0.5, sd=1, alpha=0.05, beta=0.1)
    assert result["ris_sequential"] is None and result["timing"] == [1.0]
    assert result["upper"][0] == pytest.approx(z(0.025), abs=1e-9)
    with pytest.raises(InputError):
        tsa.design("MD", mean_difference=0.5, sd=1, futility="binding")


def test_design_with_futility_uses_the_futility_inflation():
    result = tsa.design("MD", mean_difference=0.5, sd=1, alpha=0.025, beta=0.1, sides=1,
                        timing=[0.5, 0.75], futility="binding")
    assert result["ris_fixed"] == 169  # one-sided 0.025: 4 x (1.959964 + 1.281552)² x 1² / 0.5² = 168.12
    # RTSA's binding root is 1.053 (references.json); ours 1.05318: 169 x 1.05318 = 177.99 -> 178
    assert result["ris_sequential"] == math.ceil(169 * tsa.inflation_factor([0.5, 0.75], 0.025, 0.1, 1, "binding"))
    assert result["ris_sequential"] == 178
    np.testing.assert_allclose(result["futility"], [0.299, 1.251, 1.963], atol=5e-4)  # RTSA, as above
    json.dumps(result, allow_nan=False)


def test_i2_stands_in_for_d2():
    assert tsa.design("RR", control_risk=0.2, rr=0.9, i2=0.2)["ris"] == tsa.design("RR", control_risk=0.2, rr=0.9, d2=0.2)["ris"]
    with pytest.raises(InputError):
        tsa.required_information_size("RR", control_risk=0.2, rr=0.9, d2=0.2, i2=0.2)


def test_boundaries_json_has_no_infinity():
    # at t = 0.001 no alpha can be spent in double precision: the boundary is +inf, printed null
    result = tsa.boundaries_json([0.001, 0.5, 1.0], 0.05)
    assert result["upper"][0] is None and result["alpha_spent"][0] == 0
    assert result["upper"][1:] == pytest.approx(list(tsa.boundaries([0.001, 0.5, 1.0], 0.05).upper[1:]))
    json.dumps(result, allow_nan=False)


# --- monitoring ----------------------------------------------------------------------------------------

def test_monitor_uses_boundaries_at_the_observed_fractions():
    result = tsa.monitor([1.0, 1.5], [100, 300], ris=1000)
    assert result["timing"] == [0.1, 0.3]
    looks = tsa.boundaries([0.1, 0.3, 1.0], 0.05, 2).upper
    np.testing.assert_allclose(result["upper"], looks[:2], atol=1e-12)
    assert result["verdict"] == "not yet conclusive" and result["decided_at"] is None
    assert not result["ris_reached"]


def test_monitor_benefit_at_the_first_crossing():
    result = tsa.monitor([1.0, 3.1, 1.0], [250, 500, 750], ris=1000)
    assert result["upper"][1] < 3.1  # 2.963 at t = 0.5 (RTSA, as above)
    assert result["verdict"] == "firm evidence of benefit" and result["decided_at"] == 1


def test_monitor_harm_two_sided_only():
    two = tsa.monitor([-1.0, -3.1], [250, 500], ris=1000)
    assert two["verdict"] == "firm evidence of harm" and two["decided_at"] == 1
    one = tsa.monitor([-1.0, -3.1], [250, 500], ris=1000, alpha=0.025, sides=1)
    assert one["verdict"] == "not yet conclusive" and one["lower"] is None


def test_monitor_ris_reached_without_crossing_is_futility():
    result = tsa.monitor([0.5, 1.0, 1.2], [400, 900, 1200], ris=1000)
    assert result["ris_reached"] and result["timing"][1] == 0.9
    final = tsa.boundaries([0.4, 0.9, 1.0], 0.05, 2).upper[-1]
    assert result["upper"][2] == pytest.approx(final, abs=1e-12)
    assert result["verdict"] == "futility" and result["decided_at"] == 2
    assert result["alpha_spent"][-1] == pytest.approx(0.05)


def test_monitor_crossing_at_the_ris_is_benefit():
    assert tsa.monitor([0.5, 2.1], [400, 1000], ris=1000)["verdict"] == "firm evidence of benefit"


def test_monitor_futility_region_one_sided():
    result = tsa.monitor([-0.2, -0.5], [300, 600], ris=1000, alpha=0.025, beta=0.2, sides=1, futility="nonbinding")
    design = tsa.futility_boundaries([0.3, 0.6, 1.0], 0.025, 0.2, binding=False, sides=1)
    np.testing.assert_allclose(result["futility"], design.futility[:2], atol=1e-12)
    assert result["z"][0] >= result["futility"][0]  # -0.2 is above the first bound
    assert result["verdict"] == "futility" and result["decided_at"] == 1


# --- input checks --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {"measure": "RD", "control_risk": 0.2, "rr": 0.8},
    {"measure": "RR", "control_risk": 0.2},
    {"measure": "RR", "control_risk": 0.2, "rr": 0.8, "rrr": 0.2},
    {"measure": "RR", "control_risk": 1.2, "rr": 0.8},
    {"measure": "RR", "control_risk": 0.6, "rr": 2.0},
    {"measure": "RR", "control_risk": 0.2, "rr": 1.0},
    {"measure": "MD", "mean_difference": 1.0},
    {"measure": "MD", "mean_difference": 1.0, "sd": 0.0},
    {"measure": "MD", "mean_difference": 1.0, "sd": 1.0, "d2": 1.0},
    {"measure": "MD", "mean_difference": 1.0, "sd": 1.0, "sides": 3},
    {"measure": "MD", "mean_difference": 1.0, "sd": 1.0, "alpha": 0.0},
])
def test_bad_design_input_is_an_input_error(kwargs):
    with pytest.raises(InputError):
        tsa.required_information_size(**kwargs)


@pytest.mark.parametrize("timing", [[], [0.5, 0.5], [0.6, 0.4], [0.0, 1.0], [0.5, 1.2], [float("nan")]])
def test_bad_timing_is_an_input_error(timing):
    with pytest.raises(InputError):
        tsa.boundaries(timing, 0.05)


def test_bad_monitor_input_is_an_input_error():
    with pytest.raises(InputError):
        tsa.monitor([1.0, 2.0], [100], ris=1000)
    with pytest.raises(InputError):
        tsa.monitor([1.0, 2.0], [200, 100], ris=1000)
    with pytest.raises(InputError):
        tsa.monitor([1.0], [100], ris=1000, futility="sometimes")
