"""Model rules by name: each maps an analysis's P(Q) and I² (G,) to 'use random effects?' (G,) bool."""

from collections.abc import Callable

import numpy as np

ModelRule = Callable[[np.ndarray, np.ndarray], np.ndarray]


def fixed_if_homogeneous(q_p, i2) -> np.ndarray:
    """The review's rule: fixed effect if P(Q) >= 0.10 and I² <= 50%, random otherwise.

    An undefined P(Q) (a single study) counts as homogeneous.
    """
    return (np.asarray(q_p) < 0.10) | (np.asarray(i2) > 50)


MODEL_RULES: dict[str, ModelRule] = {
    "fixed": lambda q_p, i2: np.zeros(np.shape(q_p), bool),
    "random": lambda q_p, i2: np.ones(np.shape(q_p), bool),
    "fixed_if_homogeneous": fixed_if_homogeneous,
}
