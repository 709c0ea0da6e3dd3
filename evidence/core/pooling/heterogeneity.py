"""Cochran's Q around the fixed-effect estimate, its chi-squared p, I² (RevMan 5 definitions),
and Q-profile confidence intervals for tau² and I² (Viechtbauer 2007, as metafor's confint)."""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from evidence.core.pooling.distributions import chi2_quantile, chi2_upper_tail
from evidence.core.pooling.groups import Groups
from evidence.core.pooling.tau2 import generalised_q_root


@dataclass(frozen=True)
class Heterogeneity:
    """Per analysis (G,): k estimable studies, Q, its df = k - 1, I² in percent; q_p the p of Q."""

    k: np.ndarray
    q: np.ndarray
    q_df: np.ndarray
    i2: np.ndarray

    @cached_property
    def q_p(self) -> np.ndarray:
        """P(chi²_df >= Q), NaN where df = 0; computed on first use (it costs more than Q itself)."""
        return chi2_upper_tail(self.q, self.q_df)


def heterogeneity(k: np.ndarray, q: np.ndarray) -> Heterogeneity:
    """Q (G,) of k (G,) estimable studies around the analysis's own fixed-effect estimate, and I².

    Q is centred on whatever fixed-effect estimate the analysis reports (the MH estimate in an
    MH analysis), so Q, I² and a DerSimonian-Laird tau² all follow it. I² = max(0, (Q - df)/Q),
    0 when df = 0; Q and I² are NaN for an analysis without estimable studies.
    """
    q = np.where(k > 0, q, np.nan)
    q_df = np.maximum(k - 1, 0)
    excess = (q_df > 0) & (q > q_df)  # I² > 0 only here, where Q > 1
    with np.errstate(all="ignore"):  # elsewhere (a tiny or no Q) the ratio is computed but not used
        i2 = np.where(excess, (q - q_df) / q * 100, np.where(k > 0, 0.0, np.nan))
    return Heterogeneity(k, q, q_df, i2)


def q_profile_intervals(yi, vi, groups: Groups, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Confidence intervals (G, 2) for tau² and for I² (percent) from the generalised Q statistic.

    Estimable studies only: yi, vi (m,) in `groups`. The tau² limits solve
    Q(tau²) = chi²_{k-1} quantiles 1 - alpha/2 (lower) and alpha/2 (upper), each 0 where
    Q(0) is already below; I² limits are 100 tau²/(tau² + s²) with the typical within-study
    variance s² = (k - 1) S1 / (S1² - S2), w = 1/vi. NaN for analyses with fewer than 2 studies.
    """
    k = groups.size
    df = np.where(k > 1, k - 1, 0)
    alpha = 1 - level
    tau2_ci = np.column_stack([
        generalised_q_root(yi, vi, groups, chi2_quantile(1 - alpha / 2, df)),
        generalised_q_root(yi, vi, groups, chi2_quantile(alpha / 2, df)),
    ])
    w = 1 / vi
    s1, s2 = groups.sum(w), groups.sum(w * w)
    with np.errstate(divide="ignore", invalid="ignore"):
        typical = (df * s1 / (s1**2 - s2))[:, None]
        i2_ci = 100 * tau2_ci / (tau2_ci + typical)
    return tau2_ci, i2_ci
