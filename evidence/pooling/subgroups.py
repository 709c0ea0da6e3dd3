"""Test for subgroup differences across the subgroups of many analyses at once."""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .groups import group_sum


@dataclass(frozen=True)
class SubgroupDifferences:
    """Per parent analysis (A,): Q across its subgroup estimates, df = G - 1, p."""

    q: np.ndarray
    df: np.ndarray
    p: np.ndarray


def subgroup_differences(te, se, parent, n_parents: int) -> SubgroupDifferences:
    """Q = sum w_g (te_g - te_w)² with w_g = 1/se_g², over the subgroups (m,) of each parent analysis.

    te, se, parent: (m,), one entry per subgroup; parent holds its analysis index
    0..A-1. Subgroups without an estimate (NaN) are left out. RevMan 5 and metafor
    (a fixed-effect meta-regression on the subgroup factor) compute the same Q.
    """
    te, se, parent = np.asarray(te, float), np.asarray(se, float), np.asarray(parent, np.intp)
    usable = np.isfinite(te) & np.isfinite(se) & (se > 0)
    w = np.where(usable, 1.0 / np.where(usable, se, 1.0) ** 2, 0.0)
    wte = np.where(usable, w * np.where(usable, te, 0.0), 0.0)
    sum_w = group_sum(w, parent, n_parents)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = group_sum(wte, parent, n_parents) / sum_w
        deviation = np.where(usable, w * (np.where(usable, te, 0.0) - centre[parent]) ** 2, 0.0)
    q = group_sum(deviation, parent, n_parents)
    df = np.bincount(parent[usable], minlength=n_parents) - 1
    p = np.full(n_parents, np.nan)
    has_df = df > 0
    p[has_df] = stats.chi2.sf(q[has_df], df[has_df])
    q = np.where(has_df, q, np.nan)
    return SubgroupDifferences(q, np.maximum(df, 0), p)
