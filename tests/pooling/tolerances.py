"""Every numerical tolerance of the pooling tests, in one place, named by kind.

Three situations:
- STORED: relative tolerance against full doubles another program stored (RevMan 5's .rm5
  files). Estimates agree to ~1e-14; RevMan's p-values come from approximations that are
  off by up to ~2e-6 relative (ours are scipy's exact normal and chi-squared tails).
- REARRANGED: relative tolerance between two computations of ours that differ only in
  summation order or in closed-form hand arithmetic (permutations, vectorised vs alone).
- printed(text): absolute tolerance against a rounded published number: half a unit
  in its last printed digit.
"""

import numpy as np

KINDS = ("estimate", "se", "tau2", "ci", "heterogeneity", "p")

STORED = {"estimate": 1e-9, "se": 1e-9, "tau2": 1e-9, "ci": 1e-9, "heterogeneity": 1e-9, "p": 5e-6}
REARRANGED = {"estimate": 1e-10, "se": 1e-10, "tau2": 1e-9, "ci": 1e-10, "heterogeneity": 1e-9, "p": 1e-8}
# Quantities that are exactly 0 in one computation (tau² truncated at 0, a zero estimate)
# can be 1e-17 in another; relative tolerances alone would reject that.
ZERO = 1e-12


def printed(text: str) -> float:
    """Half a unit in the last digit of a number as printed, e.g. '0.3088' -> 5e-05."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0**-decimals + ZERO


def assert_close(actual, expected, kind: str, table: dict) -> None:
    """Relative comparison by kind (a key of KINDS) using STORED or REARRANGED."""
    np.testing.assert_allclose(actual, expected, rtol=table[kind], atol=ZERO, equal_nan=True)


def assert_printed(actual, text: str) -> None:
    """actual rounds to the published `text`."""
    np.testing.assert_allclose(actual, float(text), rtol=0, atol=printed(text))
