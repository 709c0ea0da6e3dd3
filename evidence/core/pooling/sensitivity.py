"""Leave-one-out and cumulative meta-analysis of many analyses in one pooling call.

Both build, from the studies (n,) of G analyses, one new analysis per study: all the
others of its analysis (leave-one-out), or it and every study before it in the given
order (cumulative). The rows of all new analyses are laid out flat with numpy (no loop
per analysis) and pooled together by the caller's PoolRows, so every convention of the
original analysis (measure, MH or IV, tau² estimator, intervals) carries over.
"""

from dataclasses import dataclass

import numpy as np

from evidence.core.pooling.groups import analysis_index
from evidence.core.pooling.meta import MetaAnalysis, PoolRows


@dataclass(frozen=True)
class Resampled:
    """One new analysis per study (n,): result (n analyses), the parent analysis of each (n,),
    and the study (an input position) it leaves out or adds last (n,). Ordered by parent, then
    by the order within the parent (input order for leave-one-out)."""

    result: MetaAnalysis
    parent: np.ndarray
    study: np.ndarray


def _layout(group, n_groups, order):
    """Study positions sorted by (analysis, order, input position) (n,), and for each sorted study
    the sorted position where its analysis starts, its rank within the analysis and the analysis size."""
    sorted_position = np.arange(group.shape[0])  # also the input positions that break ties
    keys = (sorted_position, group) if order is None else (sorted_position, order, group)
    ordered = np.lexsort(keys)
    size = np.bincount(group, minlength=n_groups)
    start = (np.cumsum(size) - size)[group[ordered]]
    return ordered, start, sorted_position - start, size[group[ordered]]


def _expand(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For new analyses of the given lengths (n,): the owner (N,) and offset 0..length-1 (N,) of each row."""
    owner = np.repeat(np.arange(lengths.shape[0]), lengths)
    offset = np.arange(owner.shape[0]) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, offset


def leave_one_out(pool_rows: PoolRows, group, n_groups: int | None = None) -> Resampled:
    """Each analysis pooled once without each of its studies (an analysis of one study leaves none: NaN)."""
    group, n_groups = analysis_index(group, np.shape(group)[0], n_groups)
    ordered, start, within, size = _layout(group, n_groups, None)
    owner, offset = _expand(size - 1)
    skipped = offset + (offset >= within[owner])  # step over the study left out
    result = pool_rows(ordered[start[owner] + skipped], owner, ordered.shape[0])
    return Resampled(result, group[ordered], ordered)


def cumulative(pool_rows: PoolRows, group, n_groups: int | None = None, order=None) -> Resampled:
    """Each analysis pooled after each study is added, in the order of `order` (n,) (e.g. year;
    ties and None keep input order)."""
    group, n_groups = analysis_index(group, np.shape(group)[0], n_groups)
    ordered, start, within, _ = _layout(group, n_groups, order)
    owner, offset = _expand(within + 1)
    result = pool_rows(ordered[start[owner] + offset], owner, ordered.shape[0])
    return Resampled(result, group[ordered], ordered)
