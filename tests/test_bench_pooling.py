"""evidence.bench.pooling.run_pooling_bench on a small size: the contract and the agreement with peers, not timings."""

import importlib.util

import numpy as np
import pytest

from evidence.bench.pooling import DL_HK_PI, REML, run_pooling_bench, simulate
from evidence.pooling import generic_effects, pool

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
    # PyMARE's REML search stops ~1e-6 from the root in tau² (module docstring of evidence.bench.pooling).
    assert differences[REML] < 1e-7


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
