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


def _per_distinct(function, df: np.ndarray) -> np.ndarray:
    """function(df) (m,), evaluated once per distinct df.

    Degrees of freedom are mostly whole numbers k - 1 no larger than the number of analyses;
    those are told apart by a count per value, which is much cheaper than np.unique's sort.
    """
    if df.size and df.min() == df.max():  # analyses of equal size
        return np.full(df.shape, function(df[:1])[0])
    whole = df.astype(np.intp)
    if df.size and (whole == df).all() and 0 <= whole.min() and whole.max() <= df.size:
        distinct = np.flatnonzero(np.bincount(whole))
        table = np.empty(distinct[-1] + 1)
        table[distinct] = function(distinct.astype(float))
        return table[whole]
    distinct, position = np.unique(df, return_inverse=True)
    return function(distinct)[position]


def critical_value(level: float, df) -> np.ndarray:
    """Two-sided critical value per analysis: t with `df` where df is finite, else the normal quantile."""
    df = np.asarray(df, dtype=float)
    has_df = np.isfinite(df)

    def t_quantile(distinct):
        return special.stdtrit(distinct, 1 - (1 - level) / 2)
    if has_df.all():  # the usual case, without boolean indexing (slow over many analyses)
        return _per_distinct(t_quantile, df)
    critical = np.full(df.shape, float(normal_quantile(level)))
    if has_df.any():
        critical[has_df] = _per_distinct(t_quantile, df[has_df])
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
        quantile[has_df] = _per_distinct(lambda distinct: special.chdtri(distinct, 1 - probability), df[has_df])
    return quantile
