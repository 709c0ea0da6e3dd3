"""Study-level effect sizes on the analysis scale (log for ratios) and their variances.

Every function takes flat arrays of shape (n,) and returns StudyEffects of shape (n,).
A study whose effect cannot be estimated keeps its row with estimable=False and
yi = vi = NaN; pooling gives it weight 0.
"""

from dataclasses import dataclass

import numpy as np
from scipy import special

from evidence.core.pooling.distributions import normal_quantile
from evidence.core.pooling.groups import analysis_index, group_sum

# Measures pooled on the log scale; all others on their own scale.
LOG_SCALE_MEASURES = frozenset({"RR", "OR", "HR"})
DICHOTOMOUS_MEASURES = ("RR", "OR", "RD")
CONTINUOUS_MEASURES = ("MD", "SMD")
SMD_METHODS = ("revman5", "exact")
NO_ZERO_CELL_RULE = "none"


def scale_of(measure: str) -> str:
    """'log' for ratio measures, 'identity' otherwise."""
    return "log" if measure in LOG_SCALE_MEASURES else "identity"


@dataclass(frozen=True)
class StudyEffects:
    """Per-study estimate yi (n,) and variance vi (n,) on the analysis scale."""

    yi: np.ndarray
    vi: np.ndarray
    estimable: np.ndarray  # bool (n,)
    measure: str
    zero_cell_rule: str = NO_ZERO_CELL_RULE

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(self.vi)

    @property
    def scale(self) -> str:
        return scale_of(self.measure)

    def take(self, rows: np.ndarray) -> "StudyEffects":
        """The studies at positions `rows` (m,), in that order (a study may repeat)."""
        return StudyEffects(self.yi[rows], self.vi[rows], self.estimable[rows], self.measure, self.zero_cell_rule)


def _as_float(*arrays) -> list[np.ndarray]:
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        raise ValueError("per-study inputs must be 1-d arrays of equal length")
    return arrays


def _masked(yi, vi, estimable, measure, zero_cell_rule=NO_ZERO_CELL_RULE) -> StudyEffects:
    """Hide values of inestimable studies so that no NaN or inf can reach a sum."""
    if not estimable.all():
        missing = ~estimable
        yi, vi = np.array(yi, dtype=float), np.array(vi, dtype=float)
        yi[missing] = vi[missing] = np.nan
    return StudyEffects(yi, vi, estimable, measure, zero_cell_rule)


def check_counts(e_events, e_total, c_events, c_total) -> None:
    """Raise ValueError unless 0 <= events <= total and total > 0 in both arms."""
    for events, total in ((e_events, e_total), (c_events, c_total)):
        if np.any(total <= 0) or np.any(events < 0) or np.any(events > total):
            raise ValueError("counts must satisfy 0 <= events <= total and total > 0")


def uninformative(e_events, e_total, c_events, c_total) -> np.ndarray:
    """Studies with no events in either arm or only events in both (n,): no ratio can be estimated."""
    return ((e_events == 0) & (c_events == 0)) | ((e_events == e_total) & (c_events == c_total))


ZERO_CELL_TARGETS = ("only0", "if0all", "all", "none")


@dataclass(frozen=True)
class ZeroCells:
    """Which studies get `increment` added to all four cells, and whether double-zero studies count.

    to: "only0" the studies with a zero cell (RevMan 5, metafor's escalc default); "if0all"
    every study of an analysis in which any study has a zero cell; "all" every study;
    "none" no study. drop_double_zero: a study with no events (or only events) in both arms
    is not estimable for RR and OR (RevMan 5) rather than estimated from its increments.
    """

    increment: float = 0.5
    to: str = "only0"
    drop_double_zero: bool = True

    def __post_init__(self):
        if self.to not in ZERO_CELL_TARGETS:
            raise ValueError(f"zero-cell target {self.to!r} is not one of {ZERO_CELL_TARGETS}")
        if not self.increment >= 0:
            raise ValueError(f"the zero-cell increment must be >= 0, not {self.increment}")

    @property
    def rule(self) -> str:
        """The rule in words, stored with every result."""
        if self.to == "none" or not self.increment:
            words = NO_ZERO_CELL_RULE
        else:
            whom = {"only0": "a study with a zero cell", "if0all": "every study of an analysis with a zero cell",
                    "all": "every study"}[self.to]
            words = f"add {self.increment:g} to all four cells of {whom}"
        return words if self.drop_double_zero else f"{words}; double-zero studies kept"

    def increments(self, e_events, e_total, c_events, c_total, group=None, n_groups=None) -> np.ndarray:
        """The constant added to each of a study's four cells (n,); group (n,) matters for "if0all" only."""
        has_zero = (e_events == 0) | (c_events == 0) | (e_events == e_total) | (c_events == c_total)
        if self.to == "all":
            chosen = np.ones(has_zero.shape, bool)
        elif self.to == "if0all":
            group, n_groups = analysis_index(group, has_zero.shape[0], n_groups)
            chosen = (group_sum(has_zero.astype(float), group, n_groups) > 0)[group]
        else:
            chosen = has_zero & (self.to == "only0")
        return np.where(chosen, self.increment, 0.0)


REVMAN_ZERO_CELLS = ZeroCells()


def dichotomous_effects(
    e_events, e_total, c_events, c_total, measure: str, *, zero_cells: ZeroCells = REVMAN_ZERO_CELLS, group=None,
    n_groups: int | None = None,
) -> StudyEffects:
    """Log RR, log OR or RD per study from 2x2 counts (n,), experimental arm first.

    Studies chosen by `zero_cells` get its increment added to all four cells (so n + 2*increment
    per arm). RD keeps the raw difference and uses the incremented cells for its variance
    only. Double-zero and all-event studies are not estimable for RR and OR unless
    zero_cells keeps them; a study whose effect is still undefined (a zero cell without an
    increment) is not estimable either.
    """
    if measure not in DICHOTOMOUS_MEASURES:
        raise ValueError(f"measure {measure!r} is not one of {DICHOTOMOUS_MEASURES}")
    e_events, e_total, c_events, c_total = _as_float(e_events, e_total, c_events, c_total)
    check_counts(e_events, e_total, c_events, c_total)
    inc = zero_cells.increments(e_events, e_total, c_events, c_total, group, n_groups)
    a, b = e_events + inc, e_total - e_events + inc
    c, d = c_events + inc, c_total - c_events + inc
    n1, n2 = a + b, c + d
    kept = np.ones(a.shape, bool)
    with np.errstate(divide="ignore", invalid="ignore"):  # undefined rows are masked below
        if measure == "OR":
            yi, vi = np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
        elif measure == "RR":
            yi, vi = np.log(a / n1) - np.log(c / n2), 1 / a - 1 / n1 + 1 / c - 1 / n2
        else:
            yi, vi = e_events / e_total - c_events / c_total, a * b / n1**3 + c * d / n2**3
        if measure != "RD" and zero_cells.drop_double_zero:
            kept = ~uninformative(e_events, e_total, c_events, c_total)
    return _masked(yi, vi, kept & np.isfinite(yi) & np.isfinite(vi) & (vi > 0), measure, zero_cells.rule)


def peto_effects(e_events, e_total, c_events, c_total) -> StudyEffects:
    """Peto log OR per study (n,): yi = (O - E) / V, vi = 1 / V with the hypergeometric V.

    No increment: a study with V = 0 (no events or only events overall) is not estimable.
    """
    e_events, e_total, c_events, c_total = _as_float(e_events, e_total, c_events, c_total)
    check_counts(e_events, e_total, c_events, c_total)
    n = e_total + c_total
    events = e_events + c_events
    expected = e_total * events / n
    v = e_total * c_total * events * (n - events) / (n**2 * (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return _masked((e_events - expected) / v, 1 / v, v > 0, "OR")


def hedges_correction(df) -> np.ndarray:
    """Hedges' exact small-sample factor J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)) for m = n1 + n2 - 2."""
    half = np.asarray(df, dtype=float) / 2
    return np.exp(special.gammaln(half) - special.gammaln(half - 0.5)) / np.sqrt(half)


def continuous_effects(e_mean, e_sd, e_total, c_mean, c_sd, c_total, measure: str, *, smd: str = "revman5") -> StudyEffects:
    """MD or SMD (Hedges' g) per study (n,).

    MD: var = sd1²/n1 + sd2²/n2. SMD with the pooled SD, N = n1 + n2:
    - smd="revman5": J = 1 - 3/(4N - 9), var = N/(n1 n2) + g²/(2(N - 3.94)) (RevMan 5);
    - smd="exact": J = hedges_correction(N - 2), var = 1/n1 + 1/n2 + g²/(2N) (metafor's escalc).
    A study with zero variance is not estimable.
    """
    if measure not in CONTINUOUS_MEASURES:
        raise ValueError(f"measure {measure!r} is not one of {CONTINUOUS_MEASURES}")
    if smd not in SMD_METHODS:
        raise ValueError(f"smd {smd!r} is not one of {SMD_METHODS}")
    e_mean, e_sd, e_total, c_mean, c_sd, c_total = _as_float(e_mean, e_sd, e_total, c_mean, c_sd, c_total)
    if np.any(e_sd < 0) or np.any(c_sd < 0) or np.any(e_total < 2) or np.any(c_total < 2):
        raise ValueError("standard deviations must be >= 0 and each arm needs at least 2 participants")
    difference = e_mean - c_mean
    n = e_total + c_total
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "MD":
            yi, vi = difference, e_sd**2 / e_total + c_sd**2 / c_total
        else:
            pooled_sd = np.sqrt(((e_total - 1) * e_sd**2 + (c_total - 1) * c_sd**2) / (n - 2))
            if smd == "revman5":
                yi = difference / pooled_sd * (1 - 3 / (4 * n - 9))
                vi = n / (e_total * c_total) + yi**2 / (2 * (n - 3.94))
            else:
                yi = difference / pooled_sd * hedges_correction(n - 2)
                vi = 1 / e_total + 1 / c_total + yi**2 / (2 * n)
    return _masked(yi, vi, np.isfinite(yi) & (vi > 0), measure)


def generic_effects(yi, *, se=None, vi=None, measure: str = "GENERIC") -> StudyEffects:
    """Estimates already on the analysis scale (log for ratios) with either se or vi (n,)."""
    if (se is None) == (vi is None):
        raise ValueError("give exactly one of se and vi")
    yi, spread = _as_float(yi, se if vi is None else vi)
    vi = spread**2 if vi is None else spread
    return _masked(yi, vi, np.isfinite(yi) & np.isfinite(vi) & (vi > 0), measure)


def effects_from_ci(estimate, ci_low, ci_high, level=0.95, *, measure: str = "HR") -> StudyEffects:
    """Estimates with a confidence interval of any level (scalar or (n,)), e.g. a 98.5% CI of an HR.

    For a ratio measure the inputs are ratios and se = (ln hi - ln lo) / (2 z) with z the
    exact normal quantile of the interval's own level; otherwise se = (hi - lo) / (2 z).
    """
    estimate, ci_low, ci_high = _as_float(estimate, ci_low, ci_high)
    level = np.broadcast_to(np.asarray(level, dtype=float), estimate.shape)
    if np.any((level <= 0) | (level >= 1)):
        raise ValueError("confidence levels must lie strictly between 0 and 1")
    if np.any(ci_low > estimate) or np.any(estimate > ci_high):
        raise ValueError("each estimate must lie within its confidence interval")
    if scale_of(measure) == "log":
        if np.any(ci_low <= 0):
            raise ValueError(f"{measure} estimates and CI limits must be positive")
        estimate, ci_low, ci_high = np.log(estimate), np.log(ci_low), np.log(ci_high)
    se = (ci_high - ci_low) / (2 * normal_quantile(level))
    return generic_effects(estimate, se=se, measure=measure)
