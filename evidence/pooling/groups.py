"""Per-analysis sums over flat per-study arrays: the one tool that keeps pooling loop-free.

Studies of many analyses sit in flat arrays of shape (n,); `group` (n,) holds each
study's analysis index 0..G-1 in any order. Sums per analysis come from np.bincount,
so G analyses with ragged numbers of studies cost one pass, not G calls.
"""

import numpy as np


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
    group = group.astype(np.intp)
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


def share_of_group(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Each study's value as a percentage of its analysis total: shape (n,); 0 in an all-zero analysis."""
    total = group_sum(values, group, n_groups)[group]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, values / total * 100.0, 0.0)
