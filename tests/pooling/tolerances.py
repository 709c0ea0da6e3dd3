"""Every numerical tolerance of the pooling tests, in one place, named by kind.

Three situations:
- STORED: relative tolerance against full doubles another program stored (RevMan 5's .rm5
  files). Estimates agree to ~1e-14; RevMan's p-values come from approximations that are
  off by up to ~2e-6 relative (ours are scipy's exact normal and chi-squared tails).
- REARRANGED: relative tolerance between two computations of ours that differ only in
  summation order or in closed-form hand arithmetic (permutations, vectorised vs alone).
- CONVERGED: relative tolerance between two runs of our iterative estimators (PM, EB, ML,
  REML, Q-profile limits) that differ in summation order: each stops once tau² moves by less
  than 1e-10 relative, so the two can differ in the 10th digit.
- printed(text): absolute tolerance against a rounded published number: half a unit
  in its last printed digit.
- ITERATED: metafor stops its iterative tau² estimators (ML, REML, EB) once tau² moves by
  less than METAFOR_TAU2_STOP (its default threshold), and its Q-profile roots at a tolerance
  of 1.2e-4; a tau² off by ~1e-5 moves a 4-decimal prediction limit by up to ~1e-4 (raudenbush1985:
  0.3711 printed, 0.37099 exact). Values from such fits are compared to two units in their
  last digit, and a tau² whose maximum is at the boundary 0 can come out as a small positive number.
"""

import numpy as np

KINDS = ("estimate", "se", "tau2", "ci", "heterogeneity", "p")

STORED = {"estimate": 1e-9, "se": 1e-9, "tau2": 1e-9, "ci": 1e-9, "heterogeneity": 1e-9, "p": 5e-6}
REARRANGED = {"estimate": 1e-10, "se": 1e-10, "tau2": 1e-9, "ci": 1e-10, "heterogeneity": 1e-9, "p": 1e-8}
CONVERGED = {"estimate": 1e-8, "se": 1e-8, "tau2": 1e-7, "ci": 1e-8, "heterogeneity": 1e-8, "p": 1e-7}
# Quantities that are exactly 0 in one computation (tau² truncated at 0, a zero estimate)
# can be 1e-17 in another; relative tolerances alone would reject that.
ZERO = 1e-12
HALF_UNIT = 0.5
ITERATED = 2.0  # units in the last printed digit
METAFOR_TAU2_STOP = 1e-5


def printed(text: str, units: float = HALF_UNIT) -> float:
    """`units` (half by default) of the last digit of a number as printed, e.g. '0.3088' -> 5e-05."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return units * 10.0**-decimals + ZERO


def assert_close(actual, expected, kind: str, table: dict, scale=None) -> None:
    """Relative comparison by kind (a key of KINDS) using STORED, REARRANGED or CONVERGED.

    scale: for values that can sit at or cross 0 (a log ratio, a CI limit), their natural unit (the
    SE): the tolerance is then also that share of the unit, so 1e-4 against 1.0000001e-4 with an SE
    of 0.3 is the same estimate, as it is far from 0.
    """
    if scale is None:
        np.testing.assert_allclose(actual, expected, rtol=table[kind], atol=ZERO, equal_nan=True)
        return
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    atol = np.maximum(ZERO, table[kind] * np.abs(np.asarray(scale, dtype=float)))
    same_nan = np.isnan(actual) & np.isnan(expected)
    far = ~same_nan & ~(np.abs(actual - expected) <= atol + table[kind] * np.abs(expected))
    assert not far.any(), (f"{kind}: {actual[far]} != {expected[far]} beyond {table[kind]:g} relative"
                           f" or {table[kind]:g} of the scale {np.asarray(scale)[far]}")


def assert_printed(actual, text: str, units: float = HALF_UNIT) -> None:
    """actual rounds to the published `text` (within `units` of its last digit)."""
    np.testing.assert_allclose(actual, float(text), rtol=0, atol=printed(text, units))
