"""Leave-one-out, cumulative and subgroup analyses: against metafor's documented output for dat.bcg
(reference/metafor_sensitivity.csv, each row naming its source), by hand, and vectorised against
pooling each analysis alone."""

import csv
from pathlib import Path

import numpy as np
import pytest

from evidence.core.pooling import cumulative, generic_effects, leave_one_out, pool, pool_subgroups, subgroup_differences
from evidence.core.pooling.meta import counts_pooler, effects_pooler

from .tolerances import ITERATED, REARRANGED, assert_close, assert_printed

REFERENCE = Path(__file__).parent / "reference"
pytestmark = pytest.mark.filterwarnings("error")


def _rows(name: str) -> list[dict]:
    with (REFERENCE / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


BCG = _rows("dat_bcg.csv")
COUNTS = [np.array([float(r["tpos"]) for r in BCG]), np.array([float(r["tpos"]) + float(r["tneg"]) for r in BCG]),
          np.array([float(r["cpos"]) for r in BCG]), np.array([float(r["cpos"]) + float(r["cneg"]) for r in BCG])]
YEAR = np.array([float(r["year"]) for r in BCG])
ONE_ANALYSIS = np.zeros(len(BCG), np.intp)
# metafor's models: rma() (REML, log RR), rma.mh (exact MH: no increment; dat.bcg has no zero cell), rma.peto.
POOLERS = {
    "REML": counts_pooler(*COUNTS, measure="RR", method="IV", model="random", tau2_method="REML"),
    "MH": counts_pooler(*COUNTS, measure="RR", method="MH", model="fixed", preset="modern"),
    "PETO": counts_pooler(*COUNTS, measure="OR", method="PETO", model="fixed"),
}
REFERENCE_ROWS = _rows("metafor_sensitivity.csv")


def _value(resampled, m: int, model: str, quantity: str) -> float:
    result = resampled.result
    summary = result.random if model == "REML" else result.fixed
    values = {"estimate": summary.te, "se": summary.se, "zval": summary.z, "ci.lb": summary.ci_low,
              "ci.ub": summary.ci_high, "Q": result.heterogeneity.q, "tau2": result.tau2, "I2": result.heterogeneity.i2}
    return float(values[quantity][m])


@pytest.fixture(scope="module")
def resampled():
    return {(analysis, model): resample(POOLERS[model], ONE_ANALYSIS, **extra)
            for analysis, resample, extra in (("leave_one_out", leave_one_out, {}),
                                              ("cumulative", cumulative, {"order": YEAR}))
            for model in POOLERS}


@pytest.mark.parametrize("row", REFERENCE_ROWS,
                         ids=[f"{r['analysis']}-{r['model']}-{r['row']}-{r['quantity']}" for r in REFERENCE_ROWS])
def test_resampled_analyses_match_metafor(resampled, row):
    # Source: the row's `source` column (metafor's documented example output).
    # Not compared: metafor's I² under REML (tau²-based, not RevMan's (Q - df)/Q).
    units = ITERATED if row["model"] == "REML" else 0.5
    assert_printed(_value(resampled[row["analysis"], row["model"]], int(row["row"]) - 1, row["model"], row["quantity"]),
                   row["value"], units)


def test_reference_covers_every_model_and_row():
    assert {(r["analysis"], r["model"], r["row"]) for r in REFERENCE_ROWS} == {
        (a, m, str(i)) for a in ("leave_one_out", "cumulative") for m in POOLERS for i in range(1, 14)}


def test_cumulative_follows_year_then_input_order(resampled):
    # Three trials share 1973 (rows 5, 7: Frimodt-Moller, Vandiviere); ties keep file order.
    order = resampled["cumulative", "MH"].study
    assert order.tolist() == sorted(range(13), key=lambda i: (YEAR[i], i))
    assert resampled["cumulative", "MH"].result.heterogeneity.k.tolist() == list(range(1, 14))


def test_leave_one_out_and_cumulative_of_many_analyses_equal_each_alone():
    # Two analyses, interleaved and of different sizes, resampled in one call.
    rng = np.random.default_rng(7)
    yi, vi = rng.normal(0, 1, 11), rng.uniform(0.05, 0.5, 11)
    group = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1])
    order = rng.integers(1990, 2000, 11).astype(float)
    pooler = effects_pooler(generic_effects(yi, vi=vi), tau2_method="REML")
    for resample, extra in ((leave_one_out, {}), (cumulative, {"order": order})):
        together = resample(pooler, group, **extra)
        for g in (0, 1):
            members = np.flatnonzero(group == g)
            alone = resample(effects_pooler(generic_effects(yi[members], vi=vi[members]), tau2_method="REML"),
                             np.zeros(len(members), np.intp), **{k: v[members] for k, v in extra.items()})
            mine = together.parent == g
            assert together.study[mine].tolist() == members[alone.study].tolist()
            assert_close(together.result.random.te[mine], alone.result.random.te, "estimate", REARRANGED)
            assert_close(together.result.tau2[mine], alone.result.tau2, "tau2", REARRANGED)


def test_leave_one_out_of_a_single_study_leaves_nothing():
    result = leave_one_out(effects_pooler(generic_effects([0.3], vi=[0.1])), np.zeros(1, np.intp)).result
    assert result.heterogeneity.k.tolist() == [0] and np.isnan(result.random.te).all()


def test_subgroup_differences_by_hand():
    # Two subgroups: te 0 (se 1) and 1 (se 0.5): w = 1, 4; centre 4/5; Q = 1*(0.8)² + 4*(0.2)² = 0.8.
    test = subgroup_differences([0.0, 1.0, 2.0], [1.0, 0.5, np.nan], [0, 0, 1], 2)
    assert_close(test.q[:1], [0.8], "heterogeneity", REARRANGED)
    assert test.df.tolist() == [1, 0]
    assert_close(test.p[:1], [0.37109336952269756], "p", REARRANGED)  # P(chi²_1 >= 0.8) = erfc(sqrt(0.4))
    assert np.isnan(test.q[1]) and np.isnan(test.p[1])  # one usable subgroup: no test


def test_pool_subgroups_pools_each_subgroup_on_its_own():
    # dat.bcg by allocation (random, alternate, systematic), separate tau² per subgroup, DL.
    alloc = np.array(["random", "random", "random", "random", "alternate", "alternate", "random", "random",
                      "random", "systematic", "systematic", "systematic", "systematic"], dtype=object)
    pooler = counts_pooler(*COUNTS, measure="RR", method="IV")
    split = pool_subgroups(pooler, ONE_ANALYSIS, alloc)
    assert split.subgroup.tolist() == ["alternate", "random", "systematic"]
    for u, name in enumerate(split.subgroup):
        members = np.flatnonzero(alloc == name)
        alone = pooler(members, np.zeros(len(members), np.intp), 1)
        assert_close(split.result.random.te[u], alone.random.te[0], "estimate", REARRANGED)
        assert_close(split.result.tau2[u], alone.tau2[0], "tau2", REARRANGED)
    random = split.result.random
    w = 1 / random.se**2
    centre = np.sum(w * random.te) / np.sum(w)
    test = split.differences("random")
    assert_close(test.q, [np.sum(w * (random.te - centre) ** 2)], "heterogeneity", REARRANGED)
    assert test.df.tolist() == [2]


def test_pool_subgroups_of_many_analyses():
    # Analysis 0 has subgroups a and b, analysis 1 only b: three units, tests per analysis.
    effects = generic_effects([0.1, 0.5, 0.3, 0.9, 0.2], vi=[0.1, 0.2, 0.1, 0.3, 0.2])
    split = pool_subgroups(effects_pooler(effects, model="fixed"), [0, 0, 0, 1, 1], ["a", "b", "a", "b", "b"])
    assert split.parent.tolist() == [0, 0, 1] and split.subgroup.tolist() == ["a", "b", "b"]
    assert split.result.heterogeneity.k.tolist() == [2, 1, 2]
    test = split.differences("fixed")
    assert test.df.tolist() == [1, 0] and np.isnan(test.q[1])
    assert_close(split.result.fixed.te[1], [0.5], "estimate", REARRANGED)
    assert_close(pool(effects.take(np.array([3, 4]))).fixed.te, split.result.fixed.te[2:], "estimate", REARRANGED)
