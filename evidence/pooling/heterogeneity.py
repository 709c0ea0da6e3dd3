"""Cochran's Q around the fixed-effect estimate, its chi-squared p and I² (RevMan 5 definitions)."""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .groups import group_sum


@dataclass(frozen=True)
class Heterogeneity:
    """Per analysis (G,): k estimable studies, Q, its df = k - 1, p of Q, I² in percent."""

    k: np.ndarray
    q: np.ndarray
    q_df: np.ndarray
    q_p: np.ndarray
    i2: np.ndarray


def heterogeneity(yi, vi, estimable, group, n_groups: int, fixed_te: np.ndarray) -> Heterogeneity:
    """Q = sum (1/vi)(yi - fixed_te)² over estimable studies, around the analysis's own fixed estimate.

    fixed_te (G,) is whatever fixed-effect estimate the analysis reports (the MH estimate in an
    MH analysis), so Q, I² and a DerSimonian-Laird tau² all follow it. I² = max(0, (Q - df)/Q),
    0 when df = 0; NaN for an analysis without estimable studies.
    """
    k = np.bincount(group[estimable], minlength=n_groups)
    deviation = np.where(estimable, (yi - fixed_te[group]) ** 2 / vi, 0.0)
    q = np.where(k > 0, group_sum(deviation, group, n_groups), np.nan)
    q_df = np.maximum(k - 1, 0)
    has_df = q_df > 0
    excess = has_df & (q > q_df)  # I² > 0 only here, where Q > 1: no overflow from a tiny Q
    i2 = np.where(k > 0, 0.0, np.nan)
    i2[excess] = (q[excess] - q_df[excess]) / q[excess] * 100
    q_p = np.full(n_groups, np.nan)
    q_p[has_df] = stats.chi2.sf(q[has_df], q_df[has_df])
    return Heterogeneity(k, q, q_df, q_p, i2)
