"""Quantiles and tail probabilities for many analyses at once (scipy.special ufuncs, no per-call overhead).

A t quantile is costly per element, and G analyses share few distinct degrees of freedom,
so quantiles are computed once per distinct df. A df of NaN means the normal distribution
(a z test); every function takes and returns arrays of shape (G,).
"""

import numpy as np
from scipy import special


def normal_quantile(level) -> np.ndarray:
    """Two-sided standard normal quantile of a confidence level: 1.959963984540054 for 0.95."""
    return special.ndtri(1 - (1 - np.asarray(level, dtype=float)) / 2)


def critical_value(level: float, df) -> np.ndarray:
    """Two-sided critical value per analysis: t with `df` where df is finite, else the normal quantile."""
    df = np.asarray(df, dtype=float)
    critical = np.full(df.shape, float(normal_quantile(level)))
    has_df = np.isfinite(df)
    if has_df.any():
        distinct, position = np.unique(df[has_df], return_inverse=True)
        critical[has_df] = special.stdtrit(distinct, 1 - (1 - level) / 2)[position]
    return critical


def two_sided_p(statistic, df) -> np.ndarray:
    """Two-sided p of a z (df NaN) or t statistic (df finite) per analysis."""
    statistic, df = np.asarray(statistic, dtype=float), np.asarray(df, dtype=float)
    tail = -np.abs(statistic)
    has_df = np.isfinite(df)
    p = 2 * special.ndtr(tail)
    if has_df.any():
        p[has_df] = 2 * special.stdtr(df[has_df], tail[has_df])
    return p


def chi2_upper_tail(statistic, df) -> np.ndarray:
    """P(chi²_df >= statistic); NaN where df < 1."""
    statistic, df = np.asarray(statistic, dtype=float), np.asarray(df, dtype=float)
    p = np.full(statistic.shape, np.nan)
    has_df = df >= 1
    p[has_df] = special.chdtrc(df[has_df], statistic[has_df])
    return p


def chi2_quantile(probability: float, df) -> np.ndarray:
    """The chi² quantile of `probability` per analysis; NaN where df < 1."""
    df = np.asarray(df, dtype=float)
    quantile = np.full(df.shape, np.nan)
    has_df = df >= 1
    if has_df.any():
        distinct, position = np.unique(df[has_df], return_inverse=True)
        quantile[has_df] = special.chdtri(distinct, 1 - probability)[position]
    return quantile
