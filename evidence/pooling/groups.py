"""Per-analysis sums over flat per-study arrays: the one tool that keeps pooling loop-free.

Studies of many analyses sit in flat arrays of shape (n,); `group` (n,) holds each
study's analysis index 0..G-1 in any order. A sum per analysis costs one pass over the
studies, not G calls. `Groups` carries one grouping through a whole pooling call, so that
what depends on the grouping alone is found once; the free functions serve one-off sums.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse


@dataclass(frozen=True, eq=False)
class Groups:
    """Studies (n,) of G = `count` analyses: `index` (n,) names each study's analysis, `size` (G,) counts them.

    `contiguous`: each analysis's studies sit in one run, in analysis order (index sorted, as
    rows read by analysis are). Then a sum per analysis is a product with the sparse 0/1
    matrix (G, n) of those runs: some 3x faster than np.bincount with weights, which
    scatters, and bitwise equal to it, since both add an analysis's values one at a time in
    row order. An unsorted index keeps np.bincount: sorting it once would cost more than
    the sums of a DerSimonian-Laird pooling gain.
    """

    index: np.ndarray
    count: int
    size: np.ndarray
    contiguous: bool

    @classmethod
    def of(cls, index: np.ndarray, count: int) -> "Groups":
        """The grouping of a valid index (n,) into `count` analyses (see analysis_index)."""
        return cls(index, count, np.bincount(index, minlength=count), bool((index[1:] >= index[:-1]).all()))

    @cached_property
    def _runs(self) -> sparse.csr_array:
        """(G, n) with ones at (g, j) for the studies j of analysis g: CSR rows over contiguous runs."""
        n = self.index.shape[0]
        dtype = np.int32 if n < np.iinfo(np.int32).max else np.int64  # scipy takes int32 as it is (no checks)
        bounds = np.zeros(self.count + 1, dtype)
        bounds[1:] = np.cumsum(self.size)
        return sparse.csr_array((np.ones(n), np.arange(n, dtype=dtype), bounds), shape=(self.count, n))

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of float `values` (n,) within each analysis: shape (G,)."""
        return self._runs @ values if self.contiguous else group_sum(values, self.index, self.count)

    def spread(self, per_analysis: np.ndarray) -> np.ndarray:
        """Each study's entry of `per_analysis` (G,): shape (n,)."""
        return np.repeat(per_analysis, self.size) if self.contiguous else per_analysis[self.index]

    def share(self, values: np.ndarray) -> np.ndarray:
        """Each study's value (n,) as a percentage of its analysis total (n,); 0 in an all-zero analysis."""
        total = self.sum(values)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = values * self.spread(100.0 / total)
        share[self.spread(total <= 0)] = 0.0
        return share

    def take(self, rows: np.ndarray) -> "Groups":
        """The studies where `rows` (n,) bool is True, in the same analyses."""
        index = self.index[rows]
        return Groups(index, self.count, np.bincount(index, minlength=self.count), self.contiguous)

    def restrict(self, analyses: np.ndarray) -> tuple[np.ndarray, "Groups"]:
        """The analyses where `analyses` (G,) bool is True, renumbered 0..G'-1 in order, and the
        positions (m,) of their studies among these studies."""
        kept = np.flatnonzero(analyses)
        renumber = np.full(self.count, -1)
        renumber[kept] = np.arange(kept.shape[0])
        rows = np.flatnonzero(self.spread(analyses))
        return rows, Groups(renumber[self.index[rows]], kept.shape[0], self.size[kept], self.contiguous)


def analysis_index(group, n_studies: int, n_groups: int | None = None) -> tuple[np.ndarray, int]:
    """Validate `group` and return it as int array (n,) with the number of analyses G.

    group None puts every study in one analysis. n_groups (default max(group) + 1)
    lets trailing analyses with no studies exist; they get NaN summaries.
    """
    if group is None:
        group = np.zeros(n_studies, dtype=np.intp)
    group = np.asarray(group)
    if group.shape != (n_studies,):
        raise ValueError(f"group has shape {group.shape}; expected ({n_studies},)")
    if n_studies and not np.issubdtype(group.dtype, np.integer):
        raise ValueError("group must hold integer analysis indices")
    group = group.astype(np.intp, copy=False)
    if n_studies and group.min() < 0:
        raise ValueError("group indices must be >= 0")
    needed = int(group.max()) + 1 if n_studies else 1
    if n_groups is None:
        n_groups = needed
    elif n_groups < needed:
        raise ValueError(f"n_groups={n_groups} but group holds index {needed - 1}")
    return group, n_groups


def group_sum(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum of `values` (n,) within each analysis: shape (G,)."""
    return np.bincount(group, weights=values, minlength=n_groups)


def zero_where(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """`values` (a fresh array, changed in place) with 0 where `missing` (n,): a NaN must not reach a sum.

    Boolean assignment, because np.where with a scalar is several times slower on large arrays.
    """
    if missing.any():
        values[missing] = 0.0
    return values


def rank_within(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """0-based ascending rank of each value within its analysis (n,); ties keep input order."""
    order = np.lexsort((values, group))
    size = np.bincount(group, minlength=n_groups)
    start = np.cumsum(size) - size
    rank = np.empty(group.shape[0], dtype=np.intp)
    rank[order] = np.arange(group.shape[0]) - start[group[order]]
    return rank
