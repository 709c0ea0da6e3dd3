"""`evidence bench pooling`: this engine against the installed peers, in one run, on simulated analyses.

N analyses of K studies each (or of 2..2K-2 studies when ragged) are simulated from a
random-effects model and pooled, best of `repeats` round-robin timings (each warm: see
run_pooling_bench), by:
- evidence: one vectorised `pool` call (flat arrays and a group index);
- PyMARE (optional): its vectorised estimators on (k, m) matrices, one call per distinct k
  (it needs equal k within a call);
- statsmodels (optional): `combine_effects` once per analysis (it has no REML).
Methods: DerSimonian-Laird with Hartung-Knapp-Sidik-Jonkman and a prediction interval
(PyMARE: DL with its Knapp-Hartung correction), and REML with a Wald interval. The largest
absolute difference between each peer's pooled estimates and this engine's is reported;
statsmodels' DL does not truncate tau² at 0, so analyses where its tau² is negative (Q < k - 1)
are left out of its comparison and counted in `notes`. PyMARE's REML search stops where the
likelihood is flat, some 1e-6 from the root in tau², which bounds its agreement near 1e-8
(this engine solves the REML score to 1e-10 in tau²): `notes` gives its DL and REML
differences apart. Peers are imported lazily; a missing one is named in `missing`, not an error.
"""

from __future__ import annotations

import importlib.util
import time
import warnings

import numpy as np

from evidence.core.pooling import generic_effects, pool

DL_HK_PI = "DL+HK+PI"
REML = "REML"
PEERS = {"pymare": "pymare", "statsmodels": "statsmodels"}  # engine name -> module to import
INSTALL_HINT = "not installed (pip install 'evidence[peers]')"
WARM_UP_BELOW = 1.0  # seconds: a call faster than this is timed right after an untimed call of itself
# Why a peer's REML estimates differ from this engine's more than its closed-form DL ones do.
REML_CAVEATS = {"pymare": ("its REML search stops where the likelihood is flat, up to ~1e-6 from the root in tau², "
                           "which this engine solves to 1e-10")}


def simulate(analyses: int, studies: int, ragged: bool = False, seed: int = 2026):
    """Study estimates yi (n,), variances vi (n,) and analysis index group (n,), sorted by analysis.

    Each analysis has a true mean ~ N(0, 0.5²) and tau² ~ U(0, 0.2); each study a variance
    ~ U(0.01, 0.3). Ragged: each analysis has 2..2K-2 studies (mean K) instead of K.
    """
    rng = np.random.default_rng(seed)
    if ragged:
        sizes = rng.integers(2, max(3, 2 * studies - 1), analyses)
    else:
        sizes = np.full(analyses, studies)
    group = np.repeat(np.arange(analyses), sizes)
    mean = rng.normal(0.0, 0.5, analyses)
    tau = np.sqrt(rng.uniform(0.0, 0.2, analyses))
    vi = rng.uniform(0.01, 0.3, group.shape[0])
    yi = mean[group] + rng.normal(0.0, 1.0, group.shape[0]) * tau[group] + rng.normal(0.0, 1.0, group.shape[0]) * np.sqrt(vi)
    return yi, vi, group


def _evidence(yi, vi, group, n_groups):
    def run(tau2_method, ci_method, prediction):
        def call():
            result = pool(generic_effects(yi, vi=vi), group, n_groups=n_groups, tau2_method=tau2_method,
                          ci_method=ci_method, prediction=prediction, heterogeneity_ci=False)
            return result.random.te
        return call
    return {DL_HK_PI: run("DL", "hk", True), REML: run("REML", "z", False)}


def _by_size(yi, vi, group, n_groups):
    """Columns (k, m) of the analyses with k studies, for each distinct k, with their analysis numbers."""
    sizes = np.bincount(group, minlength=n_groups)
    start = np.cumsum(sizes) - sizes
    blocks = []
    for k in np.unique(sizes):
        members = np.flatnonzero(sizes == k)
        rows = start[members][None, :] + np.arange(k)[:, None]  # (k, m): group is sorted
        blocks.append((members, yi[rows], vi[rows]))
    return blocks


def _pymare(yi, vi, group, n_groups):
    from pymare.estimators import DerSimonianLaird, VarianceBasedLikelihoodEstimator

    blocks = _by_size(yi, vi, group, n_groups)

    def run(make_estimator):
        def call():
            estimates = np.empty(n_groups)
            for members, y, v in blocks:
                fitted = make_estimator().fit(y, v, np.ones((y.shape[0], 1)))
                estimates[members] = fitted.params_["fe_params"][0]
            return estimates
        return call
    return {
        DL_HK_PI: run(lambda: DerSimonianLaird(small_sample_correction="knapp-hartung")),
        REML: run(lambda: VarianceBasedLikelihoodEstimator("REML", small_sample_correction="wald")),
    }


def _statsmodels(yi, vi, group, n_groups):
    from statsmodels.stats.meta_analysis import combine_effects

    bounds = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=n_groups))])

    def call():
        estimates = np.empty(n_groups)
        with warnings.catch_warnings():  # its negative tau² (see the module docstring) takes square roots of < 0
            warnings.simplefilter("ignore", RuntimeWarning)
            for g in range(n_groups):
                result = combine_effects(yi[bounds[g]:bounds[g + 1]], vi[bounds[g]:bounds[g + 1]], method_re="dl",
                                         use_t=True)
                result.conf_int()
                estimates[g] = result.mean_effect_re if result.tau2 >= 0 else np.nan
        return estimates
    return {DL_HK_PI: call}


ENGINES = {"pymare": _pymare, "statsmodels": _statsmodels}


def run_pooling_bench(analyses: int = 10_000, studies: int = 10, ragged: bool = False, repeats: int = 5,
                      seed: int = 2026) -> dict:
    """Time this engine and the installed peers on the same simulated analyses; return the figures.

    {"analyses", "studies", "ragged", "repeats",
     "results": [{"engine", "method", "seconds"[, "max_abs_diff" for a peer]}],
     "max_abs_diff": {peer: largest |estimate difference| over its methods, None if missing},
     "missing": {peer: why it was not run}, "notes": {peer: what qualifies its comparison}}

    Engines take turns (round-robin), so that each meets the same load on a noisy machine, and
    the best run counts. A call of milliseconds is timed right after an untimed call of
    itself: warm, as in a loop of poolings, rather than cold after whichever engine the turn
    put before it (right after statsmodels' loop in Python, this engine's DL pooling took up
    to 1.6x as long; PyMARE's followed this engine's REML). A call slower than WARM_UP_BELOW
    is not repeated: no cold start shows at that scale.
    """
    yi, vi, group = simulate(analyses, studies, ragged, seed)
    calls = [("evidence", method, call) for method, call in _evidence(yi, vi, group, analyses).items()]
    missing, notes = {}, {}
    for engine, module in PEERS.items():
        if importlib.util.find_spec(module) is None:
            missing[engine] = INSTALL_HINT
        else:
            calls += [(engine, method, call) for method, call in ENGINES[engine](yi, vi, group, analyses).items()]
    # Round-robin, best run, warm (docstring).
    seconds = [np.inf] * len(calls)
    estimates = [None] * len(calls)
    for _ in range(repeats):
        for i, (_, _, call) in enumerate(calls):
            if seconds[i] < WARM_UP_BELOW:
                call()
            start = time.perf_counter()
            estimates[i] = call()
            seconds[i] = min(seconds[i], time.perf_counter() - start)
    reference = {method: estimates[i] for i, (engine, method, _) in enumerate(calls) if engine == "evidence"}
    results = []
    max_abs_diff = {engine: None for engine in PEERS}
    for i, (engine, method, _) in enumerate(calls):
        row = {"engine": engine, "method": method, "seconds": seconds[i]}
        if engine != "evidence":
            comparable = np.isfinite(estimates[i])
            row["max_abs_diff"] = float(np.max(np.abs(estimates[i] - reference[method])[comparable], initial=0.0))
            max_abs_diff[engine] = max(row["max_abs_diff"], max_abs_diff[engine] or 0.0)
            if not comparable.all():
                notes[engine] = (f"{int((~comparable).sum())} of {analyses} {method} analyses not compared: "
                                 "its DL tau² is negative there (not truncated at 0)")
        results.append(row)
    for engine, caveat in REML_CAVEATS.items():  # the headline difference is REML's: give each method's apart
        by_method = {r["method"]: r["max_abs_diff"] for r in results if r["engine"] == engine}
        if by_method:
            notes[engine] = (f"{DL_HK_PI} differs by {by_method[DL_HK_PI]:.1e}, {REML} by {by_method[REML]:.1e}: "
                             f"{caveat}")
    return {"analyses": analyses, "studies": studies, "ragged": ragged, "repeats": repeats, "results": results,
            "max_abs_diff": max_abs_diff, "missing": missing, "notes": notes}
