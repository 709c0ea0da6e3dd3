"""Between-study variance (tau²) estimators for many analyses at once, in a registry by name.

Each estimator takes the estimable studies only, as yi (m,), vi (m,), their Groups (G
analyses) and the analysis's Q (G,) (around its own fixed-effect estimate, so an MH
analysis passes its MH-centred Q), and returns tau² (G,): 0 for an analysis with one study,
NaN for one without studies. Definitions follow metafor's rma.uni for an intercept-only model.

The iterative estimators (PM and EB, ML and REML) iterate all analyses together; each
analysis stops when its own step is below TOLERANCE, and the loop ends when all have.
"""

from collections.abc import Callable

import numpy as np

from evidence.core.pooling.fixed import inverse_variance_weights
from evidence.core.pooling.groups import Groups

Tau2Estimator = Callable[[np.ndarray, np.ndarray, Groups, np.ndarray], np.ndarray]

TOLERANCE = 1e-10  # on a step of tau², relative to 1 + tau² (metafor stops at 1e-5)
MAX_ITERATIONS = 200


def _with_edge_cases(k, estimate) -> np.ndarray:
    """One study has no between-study spread; no study has no tau² at all."""
    return np.where(k > 1, estimate, np.where(k == 1, 0.0, np.nan))


def _weighted_residuals(yi, vi, tau2, groups: Groups):
    """Weights 1/(vi + tau²) (m,), their sums (G,) and the residuals around the weighted mean (m,)."""
    w = inverse_variance_weights(vi, groups, tau2)
    sum_w = groups.sum(w)
    with np.errstate(invalid="ignore", divide="ignore"):  # analyses without studies
        mean = groups.sum(w * yi) / sum_w
    return w, sum_w, groups.deviation(yi, mean)


def _unweighted_spread(yi, groups: Groups):
    """Sum of squares around the unweighted mean of each analysis (G,)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = groups.sum(yi) / groups.size
    deviation = groups.deviation(yi, mean)
    return groups.sum(np.square(deviation, out=deviation))


def dersimonian_laird(yi, vi, groups: Groups, q) -> np.ndarray:
    """tau² = max(0, (Q - df) / (S1 - S2/S1)), w = 1/vi.

    Q is passed in rather than recomputed so that an MH analysis takes tau² from its
    MH-centred Q, as RevMan 5 does.
    """
    k = groups.size
    w = 1 / vi
    s1, s2 = groups.sum(w), groups.sum(w * w)
    with np.errstate(divide="ignore", invalid="ignore"):
        moment = np.maximum(0.0, (q - (k - 1)) / (s1 - s2 / s1))
    return _with_edge_cases(k, moment)  # rounding would otherwise divide 0 by ~0 for one study


def hunter_schmidt(yi, vi, groups: Groups, q) -> np.ndarray:
    """tau² = max(0, (Q - k) / S1), w = 1/vi (Q passed in, as for DL)."""
    k = groups.size
    with np.errstate(divide="ignore", invalid="ignore"):
        moment = np.maximum(0.0, (q - k) / groups.sum(1 / vi))
    return _with_edge_cases(k, moment)


def hedges(yi, vi, groups: Groups, q=None) -> np.ndarray:
    """Hedges' (Cochran's ANOVA) estimator: max(0, unweighted variance of yi - mean vi)."""
    k = groups.size
    with np.errstate(divide="ignore", invalid="ignore"):
        moment = _unweighted_spread(yi, groups) / (k - 1) - groups.sum(vi) / k
    return _with_edge_cases(k, np.maximum(0.0, moment))


def sidik_jonkman(yi, vi, groups: Groups, q=None) -> np.ndarray:
    """Sidik-Jonkman: from tau²_0 = the unweighted variance of yi with divisor k,
    tau² = tau²_0 * sum w (yi - mu_w)² / (k - 1) with w = 1/(vi + tau²_0)."""
    k = groups.size
    with np.errstate(divide="ignore", invalid="ignore"):
        start = _unweighted_spread(yi, groups) / k
    start = np.where(k > 1, start, 0.0)
    w, _, residual = _weighted_residuals(yi, vi, start, groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = start * groups.sum(w * np.square(residual, out=residual)) / (k - 1)
    return _with_edge_cases(k, estimate)


def _decreasing_root(evaluate, yi, vi, groups: Groups, target, start, active, high) -> np.ndarray:
    """Per analysis (G,), the tau² >= 0 where a decreasing function f reaches target (0 where f(0) <= target).

    evaluate(tau2 (g,), yi, vi, groups) returns f and its slope (g,) for the g analyses of
    `groups` over their studies. Newton steps from `start`, truncated at 0, are taken while they stay
    inside the bracket [low, high] that the values seen so far establish and shrink to at
    most half the previous step; otherwise the bracket is bisected (the rtsafe safeguard:
    Newton's speed near the root, bisection's certainty far from it). Analyses that have
    converged leave the working set, so late iterations cost only what is still moving.
    Analyses not `active` keep their start.
    """
    n_groups = groups.count
    tau2 = np.array(start, dtype=float)
    working = np.arange(n_groups)  # the analyses still iterated, by their number
    state = [tau2.copy(), np.zeros(n_groups), np.array(high, dtype=float), np.full(n_groups, np.inf),
             np.asarray(target, dtype=float), np.array(active, dtype=bool)]
    for _ in range(MAX_ITERATIONS):
        moving = state[-1]
        if not moving.any():
            break
        if moving.sum() < moving.shape[0] / 2:  # drop the converged analyses and their studies
            tau2[working] = state[0]
            kept = np.flatnonzero(moving)
            working, state = working[kept], [x[kept] for x in state]
            rows, groups = groups.restrict(moving)
            yi, vi = yi[rows], vi[rows]
        current, low, high, previous_step, goal, moving = state
        value, slope = evaluate(current, yi, vi, groups)
        excess = value - goal
        low = np.where(moving & (excess > 0), current, low)
        high = np.where(moving & (excess <= 0), current, high)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a vanishing slope: bisect
            proposal = np.maximum(0.0, current - excess / slope)
        inside = (proposal < high) & ((proposal > low) | ((low == 0) & (proposal == 0)))
        shrinking = np.abs(proposal - current) <= 0.5 * np.abs(previous_step)
        bisection = np.where(np.isfinite(high), (low + high) / 2, proposal)
        step = np.where(moving, np.where(inside & shrinking, proposal, bisection) - current, 0.0)
        current = current + step
        moving = moving & (np.abs(step) > TOLERANCE * (1 + current))
        state = [current, low, high, np.where(step != 0, step, previous_step), goal, moving]
    tau2[working] = state[0]
    return tau2


def _generalised_q(tau2, yi, vi, groups: Groups):
    """Q(tau²) = sum w (yi - mu_w)² with w = 1/(vi + tau²), and its slope -sum w² (yi - mu_w)² (G,)."""
    w, _, residual = _weighted_residuals(yi, vi, tau2, groups)
    weighted = w * residual
    return groups.sum(weighted * residual), -groups.sum(weighted * weighted)


def generalised_q_root(yi, vi, groups: Groups, target) -> np.ndarray:
    """tau² (G,) at which the generalised Q(tau²) equals target (G,).

    Q decreases in tau², so the root is 0 where Q(0) <= target, and it lies below SS/target
    (SS: the sum of squares around the unweighted mean). NaN where the target is NaN or the
    analysis has no studies.
    """
    target = np.asarray(target, dtype=float)
    solvable = (groups.size > 0) & np.isfinite(target)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where(solvable, _unweighted_spread(yi, groups) / target, 0.0)
    tau2 = _decreasing_root(_generalised_q, yi, vi, groups, np.where(solvable, target, 0.0),
                            np.zeros(groups.count), solvable, bound)
    return np.where(solvable, tau2, np.nan)


def paule_mandel(yi, vi, groups: Groups, q=None) -> np.ndarray:
    """Paule-Mandel: the tau² at which the generalised Q equals its expectation k - 1."""
    k = groups.size
    return _with_edge_cases(k, generalised_q_root(yi, vi, groups, np.maximum(k - 1, 0).astype(float)))


def _ml_score(tau2, yi, vi, groups: Groups):
    """Score of the likelihood in tau² (sum w² r² - S1, halved away) and minus the expected information (S2)."""
    w, s1, residual = _weighted_residuals(yi, vi, tau2, groups)
    w2 = w * w
    return groups.sum(w2 * np.square(residual, out=residual)) - s1, -groups.sum(w2)


def _reml_score(tau2, yi, vi, groups: Groups):
    """Score of the restricted likelihood (sum w² r² - tr P) and minus its expected information (tr PP),
    tr P = S1 - S2/S1, tr PP = S2 - 2 S3/S1 + S2²/S1², Sj = sum w^j."""
    w, s1, residual = _weighted_residuals(yi, vi, tau2, groups)
    w2 = w * w
    s2, s3 = groups.sum(w2), groups.sum(w2 * w)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (groups.sum(w2 * np.square(residual, out=residual)) - (s1 - s2 / s1),
                -(s2 - 2 * s3 / s1 + (s2 / s1) ** 2))


def _log_likelihood(tau2, yi, vi, groups: Groups, restricted: bool):
    """The (restricted) log-likelihood of tau² (G,), up to a constant:
    -(sum log(vi + tau²) + sum w r² [+ log S1]) / 2."""
    w, s1, residual = _weighted_residuals(yi, vi, tau2, groups)
    value = groups.sum(np.log(vi + groups.spread(tau2)) + w * residual**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(value + np.log(s1) * restricted) / 2


def _fisher_scoring(yi, vi, groups: Groups, restricted: bool) -> np.ndarray:
    """ML or REML tau²: the root of the score by Fisher scoring (score over expected information)
    from Hedges' estimate, safeguarded by bisection (_decreasing_root), which keeps a full
    Fisher step from oscillating between 0 and an overshoot.

    The likelihood can have a local maximum inside and another at tau² = 0; scoring finds the
    one uphill from its start, so the two are compared and the higher kept.
    """
    k, zero = groups.size, np.zeros(groups.count)
    start = np.nan_to_num(hedges(yi, vi, groups))
    score = _reml_score if restricted else _ml_score
    tau2 = _decreasing_root(score, yi, vi, groups, zero, start, k > 1, np.full(groups.count, np.inf))
    at_zero = _log_likelihood(zero, yi, vi, groups, restricted)
    tau2 = np.where(at_zero > _log_likelihood(tau2, yi, vi, groups, restricted), 0.0, tau2)
    return _with_edge_cases(k, tau2)


def maximum_likelihood(yi, vi, groups: Groups, q=None) -> np.ndarray:
    return _fisher_scoring(yi, vi, groups, restricted=False)


def restricted_maximum_likelihood(yi, vi, groups: Groups, q=None) -> np.ndarray:
    return _fisher_scoring(yi, vi, groups, restricted=True)


TAU2_ESTIMATORS: dict[str, Tau2Estimator] = {
    "DL": dersimonian_laird,
    "REML": restricted_maximum_likelihood,
    "ML": maximum_likelihood,
    "PM": paule_mandel,
    "EB": paule_mandel,  # Morris's empirical Bayes estimator equals Paule-Mandel without moderators
    "SJ": sidik_jonkman,
    "HE": hedges,
    "HS": hunter_schmidt,
}
