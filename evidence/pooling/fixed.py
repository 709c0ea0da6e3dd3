"""Fixed-effect pooled estimates: inverse variance for any measure, Mantel-Haenszel for RR, OR, RD.

Inputs are per-study arrays (n,) with the analysis index `group` (n,); results are
FixedEffect with te and variance of shape (G,) and the raw study weights (n,).
"""

from dataclasses import dataclass

import numpy as np

from .effects import ZeroCells, check_counts, uninformative
from .groups import group_sum, zero_where


@dataclass(frozen=True)
class FixedEffect:
    """Pooled fixed-effect estimate te (G,) and its variance (G,); weight (n,) is the method's own."""

    te: np.ndarray
    variance: np.ndarray
    weight: np.ndarray


def inverse_variance(yi, vi, estimable, group, n_groups: int) -> FixedEffect:
    """Weighted mean with w = 1/vi; inestimable studies (NaN yi/vi) get weight 0."""
    missing = ~estimable
    weight = zero_where(1 / vi, missing)
    total = group_sum(weight, group, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):  # analyses without studies -> NaN
        te = group_sum(zero_where(weight * yi, missing), group, n_groups) / total
        return FixedEffect(te, np.where(total > 0, 1 / total, np.nan), weight)


def mantel_haenszel(
    e_events, e_total, c_events, c_total, group, n_groups: int, measure: str, *, zero_cells: ZeroCells | None
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
           else zero_cells.increments(e_events, e_total, c_events, c_total, group, n_groups))
    a, b = e_events + inc, e_total - e_events + inc
    c, d = c_events + inc, c_total - c_events + inc
    n1, n2 = a + b, c + d
    n = n1 + n2
    drops_double_zero = zero_cells is None or zero_cells.drop_double_zero
    included = (~uninformative(e_events, e_total, c_events, c_total) if measure != "RD" and drops_double_zero
                else np.ones(a.shape, bool))

    def total(x):
        return group_sum(np.where(included, x, 0.0), group, n_groups)

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
    return FixedEffect(np.where(defined, te, np.nan), np.where(defined, variance, np.nan),
                       np.where(included, weight, 0.0))
