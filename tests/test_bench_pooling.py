"""evidence.jobs.bench.pooling.run_pooling_bench on a small size: the contract and the agreement with peers, not timings."""

import importlib.util

import numpy as np
import pytest

from evidence.core.pooling import generic_effects, pool
from evidence.jobs.bench.pooling import DL_HK_PI, REML, run_pooling_bench, simulate

PEERS = ("pymare", "statsmodels")


@pytest.fixture(scope="module")
def figures():
    return run_pooling_bench(analyses=60, studies=6, ragged=True, repeats=1)


def test_contract_keys(figures):
    assert {"analyses", "studies", "results", "max_abs_diff"} <= set(figures)
    assert (figures["analyses"], figures["studies"]) == (60, 6)
    assert set(figures["max_abs_diff"]) == set(PEERS)
    ours = [(r["engine"], r["method"]) for r in figures["results"] if r["engine"] == "evidence"]
    assert ours == [("evidence", DL_HK_PI), ("evidence", REML)]
    for row in figures["results"]:
        assert row["engine"] in ("evidence", *PEERS) and row["method"] in (DL_HK_PI, REML) and row["seconds"] > 0
    for peer in PEERS:
        installed = importlib.util.find_spec(peer) is not None
        assert (figures["max_abs_diff"][peer] is None) == (not installed) == (peer in figures["missing"])


def test_simulation_is_ragged_and_sorted():
    yi, vi, group = simulate(200, 6, ragged=True)
    sizes = np.bincount(group)
    assert sizes.min() >= 2 and sizes.max() <= 10 and len(set(sizes)) > 1
    assert (np.diff(group) >= 0).all() and (vi > 0).all() and yi.shape == vi.shape


@pytest.mark.skipif(importlib.util.find_spec("pymare") is None, reason="PyMARE not installed (the 'peers' extra)")
def test_estimates_agree_with_pymare(figures):
    differences = {r["method"]: r["max_abs_diff"] for r in figures["results"] if r["engine"] == "pymare"}
    assert differences[DL_HK_PI] < 1e-12  # closed form on both sides
    # PyMARE's REML search stops ~1e-6 from the root in tau² (module docstring of evidence.jobs.bench.pooling;
    # test_reml_differences_from_pymare_are_its_early_stop below): the notes give both apart.
    assert differences[REML] < 1e-7
    assert f"{DL_HK_PI} differs by {differences[DL_HK_PI]:.1e}, {REML} by {differences[REML]:.1e}" in \
        figures["notes"]["pymare"]


@pytest.mark.skipif(importlib.util.find_spec("pymare") is None, reason="PyMARE not installed (the 'peers' extra)")
def test_reml_differences_from_pymare_are_its_early_stop():
    # The REML comparison tightened to where it is exact: this engine's tau² is the root of the REML
    # score (a Fisher step from it is below 1e-9), and given PyMARE's own tau² this engine's estimate
    # is PyMARE's to 1e-12: the whole difference is PyMARE's tau², up to ~1e-6 short of the root.
    from pymare.estimators import VarianceBasedLikelihoodEstimator

    from evidence.core.pooling.fixed import inverse_variance
    from evidence.core.pooling.groups import Groups
    from evidence.core.pooling.tau2 import _reml_score
    from evidence.jobs.bench.pooling import _by_size

    analyses = 400
    yi, vi, group = simulate(analyses, 8, ragged=True)
    ours = pool(generic_effects(yi, vi=vi), group, n_groups=analyses, tau2_method="REML")
    theirs_tau2, theirs_te = np.empty(analyses), np.empty(analyses)
    for members, y, v in _by_size(yi, vi, group, analyses):
        estimator = VarianceBasedLikelihoodEstimator("REML", small_sample_correction="wald")
        fitted = estimator.fit(y, v, np.ones((len(y), 1)))
        theirs_tau2[members] = np.maximum(fitted.params_["tau2"].ravel(), 0.0)
        theirs_te[members] = fitted.params_["fe_params"][0]
    groups = Groups.of(group, len(yi), analyses)
    score, information = _reml_score(ours.tau2, yi, vi, groups)
    inside = ours.tau2 > 0
    assert np.all(np.abs(score / information)[inside] < 1e-9 * (1 + ours.tau2[inside]))
    assert np.max(np.abs(inverse_variance(yi, vi, groups, theirs_tau2).te - theirs_te)) < 1e-12
    assert np.max(np.abs(theirs_tau2 - ours.tau2)) < 1e-5


@pytest.mark.skipif(importlib.util.find_spec("statsmodels") is None,
                    reason="statsmodels not installed (the 'peers' extra)")
def test_estimates_agree_with_statsmodels(figures):
    (row,) = [r for r in figures["results"] if r["engine"] == "statsmodels"]
    assert row["method"] == DL_HK_PI and row["max_abs_diff"] < 1e-12


def test_engine_pools_what_it_times():
    # The timed call is `pool` on the simulated studies; its estimate for one analysis, alone:
    yi, vi, group = simulate(3, 4)
    alone = pool(generic_effects(yi[group == 1], vi=vi[group == 1]), tau2_method="REML").random.te[0]
    together = pool(generic_effects(yi, vi=vi), group, tau2_method="REML").random.te[1]
    assert together == pytest.approx(alone, rel=1e-9)
