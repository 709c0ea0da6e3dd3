"""Subgroup analysis of many analyses at once: each subgroup pooled on its own (separate tau²),
and the test for subgroup differences across the subgroups of each analysis."""

from dataclasses import dataclass

import numpy as np

from evidence.core.pooling.distributions import chi2_upper_tail
from evidence.core.pooling.groups import analysis_index, group_sum
from evidence.core.pooling.meta import MetaAnalysis, PoolRows


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
    has_df = df > 0
    return SubgroupDifferences(np.where(has_df, q, np.nan), np.maximum(df, 0), chi2_upper_tail(q, df))


@dataclass(frozen=True)
class SubgroupAnalysis:
    """Subgroups of G analyses: one pooled unit per (analysis, subgroup) present, U in all.

    result holds the U units; parent (U,) is each unit's analysis and subgroup (U,) its
    subgroup label, units ordered by analysis, then label.
    """

    result: MetaAnalysis
    parent: np.ndarray
    subgroup: np.ndarray
    n_parents: int

    def differences(self, model: str) -> SubgroupDifferences:
        """The test for subgroup differences (A,) on the units' 'fixed' or 'random' estimates."""
        summary = getattr(self.result, model)
        return subgroup_differences(summary.te, summary.se, self.parent, self.n_parents)


def pool_subgroups(pool_rows: PoolRows, group, subgroup, n_groups: int | None = None) -> SubgroupAnalysis:
    """Pool every subgroup of every analysis in one call; studies (n,) with analysis `group` (n,)
    and a subgroup label `subgroup` (n,) of any sortable type."""
    group, n_groups = analysis_index(group, np.shape(group)[0], n_groups)
    labels, label_of = np.unique(np.asarray(subgroup), return_inverse=True)
    units, unit_of = np.unique(group * len(labels) + label_of, return_inverse=True)
    result = pool_rows(np.arange(group.shape[0]), unit_of, units.shape[0])
    return SubgroupAnalysis(result, units // len(labels), labels[units % len(labels)], n_groups)
