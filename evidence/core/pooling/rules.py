"""Model rules by name: each maps an analysis's Heterogeneity (G,) to 'use random effects?' (G,) bool."""

from collections.abc import Callable

import numpy as np

from evidence.core.pooling.heterogeneity import Heterogeneity

ModelRule = Callable[[Heterogeneity], np.ndarray]


def fixed_if_homogeneous(het: Heterogeneity) -> np.ndarray:
    """The review's rule: fixed effect if P(Q) >= 0.10 and I² <= 50%, random otherwise.

    An undefined P(Q) (a single study) counts as homogeneous.
    """
    return (het.q_p < 0.10) | (het.i2 > 50)


MODEL_RULES: dict[str, ModelRule] = {
    "fixed": lambda het: np.zeros(het.k.shape, bool),
    "random": lambda het: np.ones(het.k.shape, bool),
    "fixed_if_homogeneous": fixed_if_homogeneous,
}
