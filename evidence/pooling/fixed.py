"""Fixed-effect pooled estimates: inverse variance for any measure, Mantel-Haenszel for RR, OR, RD.

Inputs are per-study arrays (n,) with the analysis index `group` (n,); results are
FixedEffect with te and variance of shape (G,) and the raw study weights (n,).
"""

from dataclasses import dataclass

import numpy as np

from .effects import check_counts, uninformative, zero_cell_increment
from .groups import group_sum


@dataclass(frozen=True)
class FixedEffect:
    """Pooled fixed-effect estimate te (G,) and its variance (G,); weight (n,) is the method's own."""

    te: np.ndarray
    variance: np.ndarray
    weight: np.ndarray


def inverse_variance(yi, vi, estimable, group, n_groups: int) -> FixedEffect:
    """Weighted mean with w = 1/vi; inestimable studies (NaN yi/vi) get weight 0."""
    weight = np.where(estimable, 1 / np.where(estimable, vi, 1.0), 0.0)
    total = group_sum(weight, group, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):  # analyses without studies -> NaN
        te = group_sum(weight * np.where(estimable, yi, 0.0), group, n_groups) / total
        return FixedEffect(te, np.where(total > 0, 1 / total, np.nan), weight)


def mantel_haenszel(
    e_events, e_total, c_events, c_total, group, n_groups: int, measure: str, *, increment: float = 0.5
) -> FixedEffect:
    """Mantel-Haenszel estimate of log OR, log RR or RD per analysis.

    Variances: OR Robins-Breslow-Greenland (1986), RR Greenland-Robins (1985), RD
    Greenland-Robins (1985), not Sato (1989) as metafor uses. `increment` is added to all
    cells of a study with a zero cell, inside the MH sums too (RevMan 5; 0 for the exact
    MH of metafor's rma.mh). RD keeps raw risk differences, weighted with the incremented
    cells as RevMan and R meta do. Double-zero studies get no weight for OR and RR.
    """
    e_events, e_total, c_events, c_total = (np.asarray(x, dtype=float) for x in (e_events, e_total, c_events, c_total))
    check_counts(e_events, e_total, c_events, c_total)
    inc = zero_cell_increment(e_events, e_total, c_events, c_total, increment)
    a, b = e_events + inc, e_total - e_events + inc
    c, d = c_events + inc, c_total - c_events + inc
    n1, n2 = a + b, c + d
    n = n1 + n2
    included = np.ones(a.shape, bool) if measure == "RD" else ~uninformative(e_events, e_total, c_events, c_total)

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
    return FixedEffect(te, variance, np.where(included, weight, 0.0))
