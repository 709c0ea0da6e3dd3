"""Small-study effects for many analyses at once: Egger's regression test and trim-and-fill."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from evidence.core.pooling.distributions import two_sided_p
from evidence.core.pooling.effects import StudyEffects
from evidence.core.pooling.groups import analysis_index, group_sum, rank_within
from evidence.core.pooling.meta import MetaAnalysis

EffectsPooler = Callable[[StudyEffects, np.ndarray, int], MetaAnalysis]
"""pool_effects(effects (m,), group (m,), n_groups): the analysis's own model on new study effects."""


@dataclass(frozen=True)
class Egger:
    """Egger's test per analysis (G,): the intercept of the regression of yi/sei on 1/sei, its
    standard error, t = intercept/se with df = k - 2, and the two-sided p. NaN where k < 3."""

    intercept: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    df: np.ndarray
    p: np.ndarray


def egger_test(effects: StudyEffects, group=None, n_groups: int | None = None) -> Egger:
    """Classic Egger test (Egger et al. 1997): ordinary least squares of the standardised effect
    yi/sei on the precision 1/sei over the estimable studies; equal to metafor's
    regtest(model="lm") (a weighted regression of yi on sei, whose slope is this intercept)."""
    group, n_groups = analysis_index(group, effects.yi.shape[0], n_groups)
    used = effects.estimable
    g = group[used]
    precision = 1 / effects.se[used]
    standardised = effects.yi[used] * precision
    k = np.bincount(g, minlength=n_groups).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):  # analyses with fewer than 3 studies
        mean_x = group_sum(precision, g, n_groups) / k
        mean_z = group_sum(standardised, g, n_groups) / k
        dx = precision - mean_x[g]
        sxx = group_sum(dx * dx, g, n_groups)
        slope = group_sum(dx * (standardised - mean_z[g]), g, n_groups) / sxx
        intercept = mean_z - slope * mean_x
        residual = standardised - intercept[g] - slope[g] * precision
        df = np.where(k > 2, k - 2, np.nan)
        variance = group_sum(residual**2, g, n_groups) / df
        se = np.sqrt(variance * (1 / k + mean_x**2 / sxx))
        statistic = intercept / se
    return Egger(np.where(k > 2, intercept, np.nan), se, statistic, df, two_sided_p(statistic, df))


@dataclass(frozen=True)
class TrimAndFill:
    """Trim-and-fill per analysis (G,): k0 imputed studies on `side`, and `result`, the analysis
    pooled again with them. filled (f,) are the imputed studies, in analysis filled_group (f,)."""

    k0: np.ndarray
    side: np.ndarray
    result: MetaAnalysis
    filled: StudyEffects
    filled_group: np.ndarray


def _missing_side(effects: StudyEffects, group, n_groups, fit: MetaAnalysis) -> np.ndarray:
    """'right' where the regression of yi on sei (weights 1/(vi + tau²) of the fitted model) slopes
    down, else 'left' (small studies with larger effects: the missing ones are small, on the left)."""
    tau2 = np.where(fit.uses_random, fit.tau2, 0.0)
    w = 1 / (effects.vi + tau2[group])
    sum_w = group_sum(w, group, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_se = group_sum(w * effects.se, group, n_groups) / sum_w
        mean_y = group_sum(w * effects.yi, group, n_groups) / sum_w
    dx = effects.se - mean_se[group]
    slope_sign = group_sum(w * dx * (effects.yi - mean_y[group]), group, n_groups)
    return np.where(slope_sign < 0, "right", "left")


def trim_and_fill(effects: StudyEffects, pool_effects: EffectsPooler, group=None, n_groups: int | None = None,
                  max_iterations: int = 100) -> TrimAndFill:
    """Duval and Tweedie's trim-and-fill with the L0 estimator, as metafor's trimfill() computes it.

    Estimable studies only. The side is chosen from the data (_missing_side). In each
    iteration, for all analyses at once, the k0 most extreme studies on the side opposite
    the missing ones are trimmed, the rest refitted with pool_effects (the analysis's own
    model and tau² estimator), and k0 = max(0, round((4 T - k(k+1)) / (2k - 1))) with T the
    rank sum of |yi - estimate| over the studies beyond the estimate; k0 is capped at k - 1.
    The loop stops when no analysis's k0 changes; the k0 trimmed studies are then mirrored
    about the last trimmed estimate and everything is pooled again.
    """
    group, n_groups = analysis_index(group, effects.yi.shape[0], n_groups)
    used = np.flatnonzero(effects.estimable)
    studies, group = effects.take(used), group[used]
    side = _missing_side(studies, group, n_groups, pool_effects(studies, group, n_groups))
    # Mirror so that the studies to trim are always the largest: missing on the right trims the smallest yi.
    sign = np.where(side == "right", -1.0, 1.0)
    y = sign[group] * studies.yi
    from_top = rank_within(-y, group, n_groups)  # 0 for the largest y of each analysis
    k = np.bincount(group, minlength=n_groups)
    k0 = np.zeros(n_groups, dtype=np.intp)
    for _ in range(max_iterations):
        kept = np.flatnonzero(from_top >= k0[group])
        estimate = sign * pool_effects(studies.take(kept), group[kept], n_groups).pooled.te
        centred = y - estimate[group]
        rank = rank_within(np.abs(centred), group, n_groups) + 1
        rank_sum = group_sum(np.where(centred > 0, rank, 0.0), group, n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            l0 = (4 * rank_sum - k * (k + 1)) / (2 * k - 1)
        updated = np.clip(np.round(np.nan_to_num(l0)), 0, np.maximum(k - 1, 0)).astype(np.intp)
        if np.array_equal(updated, k0):
            break
        k0 = updated
    mirrored = np.flatnonzero(from_top < k0[group])
    filled_group = group[mirrored]
    filled = StudyEffects(sign[filled_group] * (2 * estimate[filled_group] - y[mirrored]), studies.vi[mirrored],
                          studies.estimable[mirrored], studies.measure, studies.zero_cell_rule)
    augmented = StudyEffects(*(np.concatenate([a, b]) for a, b in ((studies.yi, filled.yi), (studies.vi, filled.vi),
                                                                  (studies.estimable, filled.estimable))),
                             studies.measure, studies.zero_cell_rule)
    result = pool_effects(augmented, np.concatenate([group, filled_group]), n_groups)
    return TrimAndFill(k0, side, result, filled, filled_group)
