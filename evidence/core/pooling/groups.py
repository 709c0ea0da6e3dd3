"""Per-analysis sums over flat per-study arrays: the one tool that keeps pooling loop-free.

Studies of many analyses sit in flat arrays of shape (n,); `group` (n,) holds each
study's analysis index 0..G-1 in any order. A sum per analysis costs one pass over the
studies, not G calls. `Groups` carries one grouping through a whole pooling call, so that
what depends on the grouping alone (sizes, layout) is found once; the free functions serve
one-off sums.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

_POSITION = np.int32  # column indices of the sparse sums: scipy takes int32 as it is, without scanning it
_MAX_STUDIES = int(np.iinfo(_POSITION).max)  # for the sparse sums; beyond, np.bincount


@dataclass(frozen=True, eq=False)
class Groups:
    """Studies (n,) of G = `count` analyses: `index` (n,) names each study's analysis, `size` (G,) counts them.

    How a sum per analysis runs depends on the layout, the fastest first:
    - `width` k > 0: every analysis has k studies in one run, in analysis order (index sorted).
      A per-study array is then a (G, k) matrix in row-major order, and its sums one BLAS
      matrix-vector product with ones (k,) (BLAS adds in its own order: last-digit
      differences from the other layouts).
    - `contiguous`, ragged: each analysis's studies sit in one run (index sorted, as rows
      read by analysis are). Sums are a product with the sparse (G, n) matrix of those runs:
      some 2x faster than np.bincount with weights, which scatters, and bitwise equal to it,
      since both add an analysis's terms one at a time in row order.
    - otherwise np.bincount: sorting 100,000 studies takes longer than all the sums of a
      DerSimonian-Laird pooling of them.
    Contiguous layouts spread per-analysis values with np.repeat, not a gather.
    """

    index: np.ndarray
    count: int
    size: np.ndarray
    contiguous: bool
    width: int

    @classmethod
    def of(cls, group, n_studies: int, n_groups: int | None = None) -> "Groups":
        """Validate `group` (n,) of integer analysis indices (see analysis_index) and find its layout."""
        index, count, ascending = _validated(group, n_studies, n_groups)
        width = _common_width(index, count) if ascending else 0
        size = np.full(count, width) if width else np.bincount(index, minlength=count)
        return cls._laid_out(index, count, size, ascending)

    @classmethod
    def _laid_out(cls, index, count: int, size: np.ndarray, ascending: bool) -> "Groups":
        contiguous = ascending and index.shape[0] <= _MAX_STUDIES
        width = int(size[0]) if contiguous and count and size.min() == size.max() else 0
        return cls(index, count, size, contiguous, width)

    @cached_property
    def _runs(self) -> sparse.csr_array:
        """(G, n) with ones at (g, j) for the studies j of analysis g, which sit in one run."""
        n = self.index.shape[0]
        bounds = np.zeros(self.count + 1, _POSITION)
        np.cumsum(self.size, out=bounds[1:])
        return sparse.csr_array((_ones(n), _positions(n), bounds), shape=(self.count, n))

    @cached_property
    def _row_ones(self) -> np.ndarray:
        return _ones(self.width)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of float `values` (n,) within each analysis: shape (G,)."""
        if self.width:
            return values.reshape(self.count, self.width) @ self._row_ones
        if self.contiguous:
            return self._runs @ values
        return group_sum(values, self.index, self.count)

    def spread(self, per_analysis: np.ndarray) -> np.ndarray:
        """Each study's entry of `per_analysis` (G,): shape (n,).

        (Broadcasting over (G, k) rows instead is slower: its inner loops of k are too short.)
        """
        if self.contiguous:
            return np.repeat(per_analysis, self.width or self.size)
        return per_analysis[self.index]

    def deviation(self, values: np.ndarray, per_analysis: np.ndarray) -> np.ndarray:
        """values (n,) minus each study's entry of per_analysis (G,): a fresh array (n,), in one allocation."""
        spread = self.spread(per_analysis)
        return np.subtract(values, spread, out=spread)

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
        return Groups._laid_out(index, self.count, np.bincount(index, minlength=self.count), self.contiguous)

    def restrict(self, analyses: np.ndarray) -> tuple[np.ndarray, "Groups"]:
        """The analyses where `analyses` (G,) bool is True, renumbered 0..G'-1 in order, and the
        positions (m,) of their studies among these studies."""
        kept = np.flatnonzero(analyses)
        renumber = np.full(self.count, -1)
        renumber[kept] = np.arange(kept.shape[0])
        rows = np.flatnonzero(self.spread(analyses))
        return rows, Groups._laid_out(renumber[self.index[rows]], kept.shape[0], self.size[kept], self.contiguous)


# The constant parts of the sums, 1.0 and the positions 0..n-1, as read-only views of buffers
# that only grow: made once per process rather than once per pooling call, since fresh
# memory costs page faults. (scipy copies a view of less than half its buffer.)
_CONSTANTS = {"ones": np.ones(0), "positions": np.arange(0, dtype=_POSITION)}


def _constant(name: str, n: int, make) -> np.ndarray:
    buffer = _CONSTANTS[name]
    if buffer.shape[0] < n:
        buffer = make(n)
        buffer.flags.writeable = False
        _CONSTANTS[name] = buffer
    return buffer[:n]


def _ones(n: int) -> np.ndarray:
    return _constant("ones", n, np.ones)


def _positions(n: int) -> np.ndarray:
    return _constant("positions", n, lambda size: np.arange(size, dtype=_POSITION))


def _common_width(index: np.ndarray, count: int) -> int:
    """k if each of `count` analyses has k = n / count studies, else 0, for a sorted index (n,):
    then it suffices that each run of k positions starts and ends in its own analysis, which
    costs far less than counting (np.bincount runs slowly over sorted data)."""
    n = index.shape[0]
    if not n or not count or n % count:
        return 0
    width = n // count
    own = np.arange(count)
    return width if (index[::width] == own).all() and (index[width - 1::width] == own).all() else 0


def _validated(group, n_studies: int, n_groups: int | None) -> tuple[np.ndarray, int, bool]:
    """analysis_index, and whether the index is sorted (then its ends are its minimum and maximum)."""
    if group is None:
        group = np.zeros(n_studies, dtype=np.intp)
    group = np.asarray(group)
    if group.shape != (n_studies,):
        raise ValueError(f"group has shape {group.shape}; expected ({n_studies},)")
    if n_studies and not np.issubdtype(group.dtype, np.integer):
        raise ValueError("group must hold integer analysis indices")
    group = group.astype(np.intp, copy=False)
    ascending = bool((group[1:] >= group[:-1]).all())
    if n_studies and (group[0] if ascending else group.min()) < 0:
        raise ValueError("group indices must be >= 0")
    needed = int(group[-1] if ascending else group.max()) + 1 if n_studies else 1
    if n_groups is None:
        n_groups = needed
    elif n_groups < needed:
        raise ValueError(f"n_groups={n_groups} but group holds index {needed - 1}")
    return group, n_groups, ascending


def analysis_index(group, n_studies: int, n_groups: int | None = None) -> tuple[np.ndarray, int]:
    """Validate `group` and return it as int array (n,) with the number of analyses G.

    group None puts every study in one analysis. n_groups (default max(group) + 1)
    lets trailing analyses with no studies exist; they get NaN summaries.
    """
    return _validated(group, n_studies, n_groups)[:2]


def group_sum(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum of `values` (n,) within each analysis: shape (G,)."""
    return np.bincount(group, weights=values, minlength=n_groups)


def rank_within(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """0-based ascending rank of each value within its analysis (n,); ties keep input order."""
    order = np.lexsort((values, group))
    size = np.bincount(group, minlength=n_groups)
    start = np.cumsum(size) - size
    rank = np.empty(group.shape[0], dtype=np.intp)
    rank[order] = np.arange(group.shape[0]) - start[group[order]]
    return rank
