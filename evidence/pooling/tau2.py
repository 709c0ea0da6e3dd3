"""Between-study variance (tau²) estimators, kept in a registry by name so others (REML, PM, ...) plug in.

Each estimator takes the estimable studies only, as yi (m,), vi (m,), group (m,), the number
of analyses G and the analysis's Q (G,) (around its fixed-effect estimate), and returns tau² (G,).
"""

from collections.abc import Callable

import numpy as np

from .groups import group_sum

Tau2Estimator = Callable[[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray], np.ndarray]


def dersimonian_laird(yi, vi, group, n_groups: int, q) -> np.ndarray:
    """tau² = max(0, (Q - df) / (S1 - S2/S1)), w = 1/vi; 0 for a single study, NaN for none.

    Q is passed in rather than recomputed so that an MH analysis takes tau² from its
    MH-centred Q, as RevMan 5 does.
    """
    k = np.bincount(group, minlength=n_groups)
    w = 1 / vi
    s1, s2 = group_sum(w, group, n_groups), group_sum(w**2, group, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        moment = np.maximum(0.0, (q - (k - 1)) / (s1 - s2 / s1))
    # one study has no between-study spread; rounding would otherwise divide 0 by ~0
    return np.where(k > 1, moment, np.where(k == 1, 0.0, np.nan))


TAU2_ESTIMATORS: dict[str, Tau2Estimator] = {"DL": dersimonian_laird}
