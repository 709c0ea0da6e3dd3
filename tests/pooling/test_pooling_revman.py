"""Every outcome with data in two real RevMan 5 files, against RevMan's own stored results.

Sources (see /work/shared/data/rm5/README.md):
- Fleiss1993.rm5 (RevMan 5.0; from R package meta, inst/extdata): aspirin after myocardial
  infarction, Mantel-Haenszel OR, fixed effect, 7 studies.
- Benzodiazepines_versus_pregabalin_for_GAD.rm5 (RevMan 5.3.4): 13 dichotomous outcomes
  with data (Mantel-Haenszel RR, random effects; zero cells, one double-zero) and 2 continuous
  outcomes (MD, random effects). Each study row of a multi-arm study is its own comparison.
RevMan's stored doubles are compared to STORED tolerances (tolerances.py).
"""

import numpy as np
import pytest

from evidence.core.pooling import continuous_effects, pool, pool_dichotomous

from .rm5 import RM5_DIR, read_outcomes
from .tolerances import STORED, assert_close

if not RM5_DIR.is_dir():
    pytest.skip(f"RevMan test files not found at {RM5_DIR}", allow_module_level=True)

pytestmark = pytest.mark.filterwarnings("error")
BENZO = "Benzodiazepines_versus_pregabalin_for_GAD.rm5"
DICHOTOMOUS = [(name, *o) for name in ("Fleiss1993.rm5", BENZO) for o in read_outcomes(name, "DICH_OUTCOME")]
CONTINUOUS = read_outcomes(BENZO, "CONT_OUTCOME")


def _floats(rows, *fields) -> list[np.ndarray]:
    return [np.array([float(row[field]) for row in rows]) for field in fields]


def _assert_pooled_matches(result, outcome: dict) -> None:
    """Pooled estimate, z, p, heterogeneity and tau² against the outcome's stored attributes."""
    natural, pooled, het = result.conventions.to_natural, result.pooled, result.heterogeneity
    assert int(het.q_df[0]) == int(outcome["DF"])
    assert_close(natural(pooled.te[0]), float(outcome["EFFECT_SIZE"]), "estimate", STORED)
    assert_close(natural(pooled.ci_low[0]), float(outcome["CI_START"]), "ci", STORED)
    assert_close(natural(pooled.ci_high[0]), float(outcome["CI_END"]), "ci", STORED)
    assert_close(abs(pooled.z[0]), float(outcome["Z"]), "estimate", STORED)  # RevMan stores |Z|
    assert_close(pooled.p[0], float(outcome["P_Z"]), "p", STORED)
    assert_close(het.q[0], float(outcome["CHI2"]), "heterogeneity", STORED)
    assert_close(het.q_p[0], float(outcome["P_CHI2"]), "p", STORED)
    assert_close(het.i2[0], float(outcome["I2"]), "heterogeneity", STORED)
    if outcome["RANDOM"] == "YES":  # RevMan stores TAU2 = 0 for a fixed-effect analysis
        assert_close(result.tau2[0], float(outcome["TAU2"]), "tau2", STORED)


def _assert_studies_match(result, rows: list[dict]) -> None:
    """Study rows; RevMan stores 0 as effect and SE of a study it cannot estimate, we NaN."""
    natural = result.conventions.to_natural
    estimable = np.array([row["ESTIMABLE"] == "YES" for row in rows])
    assert list(result.studies.estimable) == list(estimable)
    assert np.isnan(result.studies.yi[~estimable]).all()
    effect, se, low, high, weight = _floats(rows, "EFFECT_SIZE", "SE", "CI_START", "CI_END", "WEIGHT")
    assert_close(natural(result.studies.yi[estimable]), effect[estimable], "estimate", STORED)
    assert_close(result.studies.se[estimable], se[estimable], "se", STORED)
    assert_close(natural(result.study_ci_low[estimable]), low[estimable], "ci", STORED)
    assert_close(natural(result.study_ci_high[estimable]), high[estimable], "ci", STORED)
    assert_close(result.study_weight, weight, "estimate", STORED)


def test_every_outcome_with_data_is_compared():
    # Guard against silently comparing nothing: 1 + 13 dichotomous (of 20; 7 are empty), 2 continuous outcomes,
    # among them studies with one zero cell and a double-zero study RevMan marks not estimable.
    assert len(DICHOTOMOUS) == 14
    assert len(CONTINUOUS) == 2
    rows = [row for _, _, outcome_rows in DICHOTOMOUS for row in outcome_rows]
    assert any(row["EVENTS_1"] == "0" and row["EVENTS_2"] != "0" for row in rows)
    assert any(row["EVENTS_1"] == row["EVENTS_2"] == "0" and row["ESTIMABLE"] == "NO" for row in rows)


@pytest.mark.parametrize(("filename", "outcome", "rows"), DICHOTOMOUS,
                         ids=[f"{name}:{outcome['ID']}" for name, outcome, _ in DICHOTOMOUS])
def test_dichotomous_outcome_matches_revman(filename, outcome, rows):
    result = pool_dichotomous(
        *_floats(rows, "EVENTS_1", "TOTAL_1", "EVENTS_2", "TOTAL_2"),
        measure=outcome["EFFECT_MEASURE"], method=outcome["METHOD"],
        model="random" if outcome["RANDOM"] == "YES" else "fixed", level=float(outcome["CI_TOTAL"]) / 100,
    )
    _assert_pooled_matches(result, outcome)
    _assert_studies_match(result, rows)


def test_fleiss_aspirin_mh_fixed_weights_are_mantel_haenszel():
    # Fleiss1993.rm5 stores MH weights b*c/N (normalised): AMIS has 10.15%, whereas its
    # inverse-variance weight (1/VAR normalised, from the same file) is 11.42%.
    (_, outcome, rows), = [d for d in DICHOTOMOUS if d[0] == "Fleiss1993.rm5"]
    result = pool_dichotomous(*_floats(rows, "EVENTS_1", "TOTAL_1", "EVENTS_2", "TOTAL_2"), measure="OR",
                              method="MH", model="fixed")
    amis = [row["STUDY_ID"] for row in rows].index("STD-AMIS")
    inverse_variance_weight = 100 / float(rows[amis]["VAR"]) / sum(1 / float(row["VAR"]) for row in rows)
    assert_close(result.study_weight[amis], 10.153491219997628, "estimate", STORED)
    assert abs(inverse_variance_weight - 11.42) < 0.005


@pytest.mark.parametrize(("outcome", "rows"), CONTINUOUS, ids=[outcome["ID"] for outcome, _ in CONTINUOUS])
def test_mean_difference_outcome_matches_revman(outcome, rows):
    effects = continuous_effects(*_floats(rows, "MEAN_1", "SD_1", "TOTAL_1", "MEAN_2", "SD_2", "TOTAL_2"),
                                 measure=outcome["EFFECT_MEASURE"])
    result = pool(effects, model="random")
    _assert_pooled_matches(result, outcome)
    _assert_studies_match(result, rows)
