"""Pooled estimates for fixed weights: inverse variance for any measure (also the random-effects
model, whose weights add tau²), Mantel-Haenszel for RR, OR, RD.

Inputs are per-study arrays with their Groups (G analyses); results are FixedEffect with te
and variance of shape (G,) and the study weights on demand.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from evidence.core.pooling.effects import ZeroCells, check_counts, uninformative
from evidence.core.pooling.groups import Groups


@dataclass(frozen=True)
class FixedEffect:
    """Pooled estimate te (G,) and its variance (G,).

    weigh() gives the method's own study weights, made on demand rather than kept: most
    callers of a large pooling never read them, and every array of n held through a pooling
    call is more fresh memory (page faults) at its peak. `spread` (G,): sum w (yi - te)²
    when inverse_variance was asked for it.
    """

    te: np.ndarray
    variance: np.ndarray
    weigh: Callable[[], np.ndarray]
    spread: np.ndarray | None = None


def inverse_variance_weights(vi, groups: Groups, tau2=None) -> np.ndarray:
    """w = 1/(vi + tau²) (m,) for tau² (G,) per analysis (None: 0), made in one array."""
    if tau2 is None:
        return 1 / vi
    weight = groups.spread(tau2)
    weight += vi
    return np.reciprocal(weight, out=weight)


def weighted_spread(yi, weight, centre, groups: Groups) -> np.ndarray:
    """sum w (yi - centre)² per analysis (G,): Cochran's Q for w = 1/vi around a fixed-effect
    estimate, the Hartung-Knapp numerator for random-effects weights around their estimate.

    Two passes, centre first: the one-pass sum w yi² - (sum w yi)² / sum w is no faster here
    and cancels as estimates move away from 0 (2e-3 relative for yi = 1000 +- 0.001).
    """
    deviation = groups.deviation(yi, centre)
    deviation *= deviation
    deviation *= weight  # in place: one array of n at a time besides the weights
    return groups.sum(deviation)


def inverse_variance(yi, vi, groups: Groups, tau2=None, *, spread: bool = False) -> FixedEffect:
    """Weighted mean of estimable studies yi, vi (m,) with w = 1/(vi + tau²), tau² (G,) per analysis
    (None: 0, the fixed-effect model); NaN for an analysis without studies. weigh() gives w (m,).

    spread: also weighted_spread around the estimate, while w is at hand.
    """
    weight = inverse_variance_weights(vi, groups, tau2)
    total = groups.sum(weight)
    with np.errstate(divide="ignore", invalid="ignore"):  # analyses without studies -> NaN
        te = groups.sum(weight * yi) / total
        variance = np.where(total > 0, 1 / total, np.nan)
    return FixedEffect(te, variance, partial(inverse_variance_weights, vi, groups, tau2),
                       weighted_spread(yi, weight, te, groups) if spread else None)


def mantel_haenszel(
    e_events, e_total, c_events, c_total, groups: Groups, measure: str, *, zero_cells: ZeroCells | None
) -> FixedEffect:
    """Mantel-Haenszel estimate of log OR, log RR or RD per analysis.

    Variances: OR Robins-Breslow-Greenland (1986), RR Greenland-Robins (1985), RD
    Greenland-Robins (1985), not Sato (1989) as metafor uses. `zero_cells` adds its increment
    inside the MH sums too (RevMan 5); None gives the exact MH of metafor's rma.mh. RD keeps
    raw risk differences, weighted with the incremented cells as RevMan and R meta do.
    Double-zero studies get no weight for OR and RR unless zero_cells keeps them. An
    analysis whose MH sums vanish (no events in one arm of every study, without increments)
    has no estimate (NaN).
    """
    e_events, e_total, c_events, c_total = (np.asarray(x, dtype=float) for x in (e_events, e_total, c_events, c_total))
    check_counts(e_events, e_total, c_events, c_total)
    inc = (0.0 if zero_cells is None
           else zero_cells.increments(e_events, e_total, c_events, c_total, groups.index, groups.count))
    a, b = e_events + inc, e_total - e_events + inc
    c, d = c_events + inc, c_total - c_events + inc
    n1, n2 = a + b, c + d
    n = n1 + n2
    drops_double_zero = zero_cells is None or zero_cells.drop_double_zero
    included = (~uninformative(e_events, e_total, c_events, c_total) if measure != "RD" and drops_double_zero
                else np.ones(a.shape, bool))

    def total(x):
        return groups.sum(np.where(included, x, 0.0))

    with np.errstate(divide="ignore", invalid="ignore"):  # analyses without studies -> NaN
        if measure == "OR":
            r, s = a * d / n, b * c / n
            p, q = (a + d) / n, (b + c) / n
            sum_r, sum_s = total(r), total(s)
            te = np.log(sum_r / sum_s)
            variance = (
                total(p * r) / (2 * sum_r**2)
                + total(p * s + q * r) / (2 * sum_r * sum_s)
                + total(q * s) / (2 * sum_s**2)
            )
            weight = s
        elif measure == "RR":
            r, s = a * n2 / n, c * n1 / n
            sum_r, sum_s = total(r), total(s)
            te = np.log(sum_r / sum_s)
            variance = total((n1 * n2 * (a + c) - a * c * n) / n**2) / (sum_r * sum_s)
            weight = s
        elif measure == "RD":
            weight = n1 * n2 / n
            sum_w = total(weight)
            te = total(weight * (e_events / e_total - c_events / c_total)) / sum_w
            variance = total((a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n**2)) / sum_w**2
        else:
            raise ValueError(f"Mantel-Haenszel pools RR, OR or RD, not {measure!r}")
    defined = np.isfinite(te) & np.isfinite(variance)
    weight = np.where(included, weight, 0.0)
    return FixedEffect(np.where(defined, te, np.nan), np.where(defined, variance, np.nan), lambda: weight)
