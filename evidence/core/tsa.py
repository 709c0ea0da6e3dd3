"""Trial sequential analysis: group-sequential monitoring of a cumulative meta-analysis.

Pure numpy/scipy, no database and no I/O. The conventions are those of RTSA (the R package
of the TSA authors, version 0.2.2), ldbounds and rpact:

* Lan-DeMets O'Brien-Fleming-type alpha spending applied per side,
  alpha*(t) = 2 - 2 Phi(z_{1 - alpha_s/2} / sqrt(t)) with alpha_s = alpha / sides
  (RTSA `esOF(alpha/side, timing)`, ldbounds `alphas(iuse = 1)`, rpact `asOF`);
  `alpha_spent` reports it summed over the sides.
* Boundaries by recursive numerical integration (Armitage, McPherson & Rowe 1969;
  Jennison & Turnbull 2000, ch. 19) of the sub-density of the cumulative z on the
  continuation region, Simpson's rule on a grid of at least 48 points per unit.
* O'Brien-Fleming-type beta spending for futility (rpact `bsOF`, RTSA `es_beta = "esOF"`),
  with the drift chosen so that the futility and the efficacy boundaries meet at the final
  look (RTSA's `inf_warp` root, rpact's beta-spending design).
* Required information size (RTSA `ris`, the TSA manual): 4 (z_{1-alpha/sides} + z_{1-beta})^2 nu / theta^2,
  rounded up, then divided by (1 - D^2) and rounded up again; the group-sequential RIS
  multiplies it by the design's inflation factor and rounds up (RTSA `SMA_HARIS`).

Sign convention: a cumulative z is positive when the data favour the intervention
(e.g. z = -log(RR) / SE for an outcome the intervention should prevent).
"""

from __future__ import annotations

import math
from typing import NamedTuple, Optional

import numpy as np
from scipy import optimize, special

from evidence.errors import InputError

MEASURES = ("RR", "OR", "MD")
FUTILITY = ("none", "binding", "nonbinding")
VERDICTS = ("firm evidence of benefit", "firm evidence of harm", "futility", "not yet conclusive")

_POINTS_PER_UNIT = 48  # Simpson grid density on the z scale: boundaries to ~1e-7 (tests check 1e-6)
_KERNEL_POINTS = 8     # grid points per sd of the step from one look to the next
_SPAN = 9.0            # sub-densities are cut at mean +- 9 sd: the mass lost is below 1e-18
_Z_MAX = 40.0          # search bracket for boundaries on the z scale
_XTOL = 1e-12


class Boundaries(NamedTuple):
    """Efficacy boundaries at each look: upper (K,) z values, lower = -upper when two-sided;
    alpha_spent (K,) cumulative alpha spent over all sides. An upper value is +inf at a look
    where no alpha is left to spend (information fraction ~0)."""

    upper: np.ndarray
    alpha_spent: np.ndarray


class Futility(NamedTuple):
    """A design with beta-spending futility boundaries.

    futility (K,): one-sided, stop for futility when z < futility[k]; two-sided, the inner
    wedge, stop when |z| < futility[k]; NaN at a look without a futility stop.
    upper (K,): efficacy boundaries (recomputed given the futility stops when binding).
    beta_spent (K,): cumulative beta spent. drift: E[z] at information fraction 1 under the
    alternative (z_{1-alpha/sides} + z_{1-beta} times sqrt of the inflation factor)."""

    futility: np.ndarray
    upper: np.ndarray
    beta_spent: np.ndarray
    drift: float


# --- spending functions -------------------------------------------------------------------

def _obf_spending(t, level: float) -> np.ndarray:
    """Lan-DeMets O'Brien-Fleming-type spending of `level` at fractions t: 2 - 2 Phi(z_{1-level/2}/sqrt t)."""
    t = np.asarray(t, dtype=float)
    with np.errstate(divide="ignore"):
        return 2 * special.ndtr(-special.ndtri(1 - level / 2) / np.sqrt(t))


def alpha_spent(t, alpha: float, sides: int = 2) -> np.ndarray:
    """Cumulative alpha spent at information fractions t (any shape, values in [0, 1]), all sides together.

    Each side spends alpha/sides by the O'Brien-Fleming-type function, so alpha_spent(1) == alpha.
    """
    _check_level(alpha, "alpha")
    _check_sides(sides)
    t = np.asarray(t, dtype=float)
    if np.any((t < 0) | (t > 1)) or np.any(np.isnan(t)):
        raise InputError("information fractions must lie in [0, 1]")
    return sides * _obf_spending(t, alpha / sides)


def _beta_spent(t, beta: float) -> np.ndarray:
    """Cumulative beta spent at fractions t: the same O'Brien-Fleming-type function (rpact bsOF)."""
    return _obf_spending(t, beta)


# --- recursive integration ----------------------------------------------------------------

class _Walk:
    """The sub-density of Z_k on the continuation region so far, for one drift.

    Z_k sqrt(t_k) is a Brownian motion with drift `drift` observed at t_k, so
    Z_k sqrt(t_k) = Z_{k-1} sqrt(t_{k-1}) + N(drift dt, dt). The state is the grid z (n,) of the
    last look and mass (n,) = Simpson weight x sub-density there; before the first look it is
    a unit point mass at t = 0, so that the first look needs no special case.
    """

    def __init__(self, drift: float):
        self.drift = float(drift)
        self.t = 0.0
        self.z = np.zeros(1)
        self.mass = np.ones(1)

    def _standardised(self, t: float, x) -> np.ndarray:
        """(x sqrt t - z sqrt t_prev - drift dt) / sqrt dt, shape (n,) or (n, m) for x of shape (m,)."""
        dt = t - self.t
        shift = self.z * math.sqrt(self.t) + self.drift * dt
        x = np.asarray(x, dtype=float)
        if x.ndim:
            return (x[None, :] * math.sqrt(t) - shift[:, None]) / math.sqrt(dt)
        return (float(x) * math.sqrt(t) - shift) / math.sqrt(dt)

    def below(self, t: float, x: float) -> float:
        """P(continued to look t and Z_t < x)."""
        if x == -math.inf:
            return 0.0
        if x == math.inf:
            return float(self.mass.sum())
        return float(self.mass @ special.ndtr(self._standardised(t, x)))

    def above(self, t: float, x: float) -> float:
        """P(continued to look t and Z_t > x)."""
        if x == math.inf:
            return 0.0
        if x == -math.inf:
            return float(self.mass.sum())
        return float(self.mass @ special.ndtr(-self._standardised(t, x)))

    def advance(self, t: float, intervals, t_next: Optional[float]) -> None:
        """Move to look t, keeping the paths that continue on the union of `intervals` (lo, hi)."""
        centre = self.drift * math.sqrt(t)
        # The grid must resolve both the density (scale 1) and the next step's kernel,
        # whose sd in z_t is sqrt((t_next - t) / t): close looks need a finer grid.
        step = 1 / _POINTS_PER_UNIT
        if t_next is not None:
            step = min(step, math.sqrt((t_next - t) / t) / _KERNEL_POINTS)
        nodes, weights = [], []
        for lo, hi in intervals:
            lo, hi = max(lo, centre - _SPAN), min(hi, centre + _SPAN)
            if hi <= lo:
                continue
            m = max(2, 2 * math.ceil((hi - lo) / step / 2))  # Simpson needs an even count
            x = np.linspace(lo, hi, m + 1)
            w = np.full(m + 1, 2.0)
            w[1::2] = 4.0
            w[0] = w[-1] = 1.0
            nodes.append(x)
            weights.append(w * (hi - lo) / m / 3)
        if not nodes:
            self.t, self.z, self.mass = t, np.zeros(1), np.zeros(1)
            return
        z, w = np.concatenate(nodes), np.concatenate(weights)
        dt = t - self.t
        density = (self.mass @ _phi(self._standardised(t, z))) * math.sqrt(t / dt)
        self.t, self.z, self.mass = t, z, w * density


def _phi(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _solve(f, lo: float, hi: float) -> float:
    return optimize.brentq(f, lo, hi, xtol=_XTOL, rtol=4 * np.finfo(float).eps, maxiter=200)


def _upper_for(walk: _Walk, t: float, spend: float) -> float:
    """The c with P(continued, Z_t > c) = spend under the walk's drift (+inf when nothing is spent)."""
    if spend <= 0:
        return math.inf
    if walk.above(t, -_Z_MAX) <= spend:  # can't happen for a proper spending function
        return -_Z_MAX
    return _solve(lambda c: walk.above(t, c) - spend, -_Z_MAX, _Z_MAX)


def _lower_for(walk: _Walk, t: float, spend: float, cap: float) -> float:
    """The f with P(continued, Z_t < f) = spend, capped at `cap` (futility can't pass efficacy)."""
    if walk.below(t, cap) <= spend:
        return cap
    return _solve(lambda f: walk.below(t, f) - spend, -_Z_MAX, min(cap, _Z_MAX))


def _region(upper: float, futility: float, sides: int) -> list[tuple[float, float]]:
    """Where the trial goes on: one-sided (futility, upper); two-sided (-upper, upper) without the wedge."""
    if sides == 1:
        return [(futility, upper)]  # futility is -inf where there is none
    if futility > 0:
        return [(-upper, -futility), (futility, upper)]
    return [(-upper, upper)]


def _next(timing: np.ndarray, k: int) -> Optional[float]:
    return float(timing[k + 1]) if k + 1 < len(timing) else None


# --- boundaries ----------------------------------------------------------------------------

def _efficacy(timing: np.ndarray, alpha: float, sides: int) -> np.ndarray:
    """Upper boundaries (K,) under H0 with no futility stop."""
    spent = _obf_spending(timing, alpha / sides)  # per side
    increments = np.diff(spent, prepend=0.0)
    walk, upper = _Walk(0.0), np.empty(len(timing))
    for k, t in enumerate(timing):
        upper[k] = _upper_for(walk, t, increments[k])
        if k + 1 < len(timing):
            walk.advance(t, _region(upper[k], -math.inf, sides), _next(timing, k))
    return upper


def boundaries(timing, alpha: float, sides: int = 2) -> Boundaries:
    """O'Brien-Fleming-type Lan-DeMets boundaries at information fractions `timing` (K,), increasing in (0, 1].

    Returns Boundaries(upper (K,), alpha_spent (K,)); the lower boundaries are -upper when
    two-sided. No final look is added: a design appends t = 1 itself (see `design`).
    """
    timing = _check_timing(timing)
    _check_level(alpha, "alpha")
    _check_sides(sides)
    return Boundaries(_efficacy(timing, alpha, sides), alpha_spent(timing, alpha, sides))


def _crossings(timing: np.ndarray, upper: np.ndarray, drift: float, sides: int) -> np.ndarray:
    walk, probs = _Walk(drift), np.zeros((2, len(timing)))
    for k, t in enumerate(timing):
        probs[0, k] = walk.above(t, upper[k])
        if sides == 2:
            probs[1, k] = walk.below(t, -upper[k])
        if k + 1 < len(timing):
            walk.advance(t, _region(upper[k], -math.inf, sides), _next(timing, k))
    return probs


def crossing_probability(timing, upper, drift: float, sides: int = 2) -> np.ndarray:
    """Probabilities (2, K) of first crossing at each look under `drift`, given efficacy boundaries
    upper (K,): row 0 the upper boundary, row 1 the lower boundary -upper (zeros when one-sided)."""
    _check_sides(sides)
    return _crossings(_check_timing(timing), np.asarray(upper, dtype=float), float(drift), sides)


def _power(timing: np.ndarray, upper: np.ndarray, drift: float, sides: int) -> float:
    """P(crossing the upper boundary) under `drift`; paths stop at either boundary (RTSA ma_power)."""
    return float(_crossings(timing, upper, drift, sides)[0].sum())


def _fixed_drift(alpha: float, beta: float, sides: int) -> float:
    return float(special.ndtri(1 - alpha / sides) + special.ndtri(1 - beta))


def inflation_factor(timing, alpha: float, beta: float, sides: int = 2, futility: str = "none") -> float:
    """Ratio of the group-sequential maximum information to the fixed-design information for power 1 - beta.

    `timing` (K,) are fractions of the sequential maximum information; a final look at 1 is
    added when missing. Without futility the drift solves P(cross upper) = 1 - beta; with
    futility it is the drift at which the futility and efficacy boundaries meet at the last
    look. The factor is (drift / (z_{1-alpha/sides} + z_{1-beta}))^2 (RTSA `bounds$root`).
    """
    timing = _with_final_look(_check_timing(timing))
    _check_level(alpha, "alpha")
    _check_level(beta, "beta")
    _check_sides(sides)
    _check_futility(futility)
    return _sequential(timing, alpha, beta, sides, futility)[2]


def _sequential(timing, alpha, beta, sides, futility):
    """(upper (K,), futility (K,) or None, inflation factor) of a design whose timing ends at 1."""
    fixed = _fixed_drift(alpha, beta, sides)
    if futility == "none":
        upper = _efficacy(timing, alpha, sides)
        drift = _solve(lambda d: _power(timing, upper, d, sides) - (1 - beta), 0.5 * fixed, 3 * fixed)
        return upper, None, (drift / fixed) ** 2
    result = futility_boundaries(timing, alpha, beta, futility == "binding", sides)
    return result.upper, result.futility, (result.drift / fixed) ** 2


def _futility_pass(timing, alpha, beta, drift, binding, sides):
    """Futility (K,), upper (K,), beta_spent (K,) for one drift; the last futility is not capped to upper."""
    K = len(timing)
    alpha_incr = np.diff(_obf_spending(timing, alpha / sides), prepend=0.0)
    beta_cum = _beta_spent(timing, beta)
    fixed_upper = None if binding else _efficacy(timing, alpha, sides)
    null, alt = _Walk(0.0), _Walk(drift)
    futility, upper, spent = np.full(K, np.nan), np.empty(K), np.empty(K)
    beta_so_far = 0.0
    for k, t in enumerate(timing):
        upper[k] = _upper_for(null, t, alpha_incr[k]) if binding else fixed_upper[k]
        last = k + 1 == K
        cap = math.inf if last else upper[k]
        f = _lower_for(alt, t, beta_cum[k] - beta_so_far, cap)
        # Two-sided: an inner wedge below zero means no futility stop at this look; its beta
        # is carried to the next look (RTSA's rm_bs). One-sided bounds may be negative.
        if sides == 1 or f > 0 or last:
            futility[k] = f
            beta_so_far = beta_cum[k]
        spent[k] = beta_so_far
        if not last:
            nxt = _next(timing, k)
            stop = futility[k] if not np.isnan(futility[k]) else -math.inf
            # Under the alternative the wedge is worked out one-sided, against the benefit
            # boundary only (RTSA beta_boundary(side = 1)); H0 paths see the whole region.
            alt.advance(t, [(stop, upper[k])], nxt)
            null.advance(t, _region(upper[k], stop, sides), nxt)
    return futility, upper, spent


def futility_boundaries(timing, alpha: float, beta: float, binding: bool, sides: int = 2,
                        drift: Optional[float] = None) -> Futility:
    """O'Brien-Fleming-type beta-spending futility boundaries at fractions `timing` (K,).

    At look k the futility bound f_k spends beta*(t_k) - beta*(t_{k-1}) under the alternative
    `drift`: P(continued, Z_k < f_k) (one-sided against the benefit boundary, also for the
    two-sided inner wedge, as RTSA). Binding: the efficacy boundaries are recomputed so that
    H0 paths stopped for futility spend no alpha; non-binding: they are the plain boundaries.
    With drift=None (timing must end at 1) the drift is solved so that f_K equals the final
    efficacy boundary; with a given drift, f_k is capped at the efficacy boundary.
    """
    timing = _check_timing(timing)
    _check_level(alpha, "alpha")
    _check_level(beta, "beta")
    _check_sides(sides)
    if len(timing) < 2:
        raise InputError("futility boundaries need at least one interim look before the final one")
    if drift is None:
        if timing[-1] != 1:
            raise InputError("solving the drift needs a final look at information fraction 1")

        def gap(d):
            f, up, _ = _futility_pass(timing, alpha, beta, d, binding, sides)
            return f[-1] - up[-1]
        fixed = _fixed_drift(alpha, beta, sides)
        lo, hi = 0.5 * fixed, 1.5 * fixed
        while gap(hi) < 0:  # beta-spending designs need a little more information than fixed ones
            lo, hi = hi, 2 * hi
        while gap(lo) > 0:
            lo, hi = lo / 2, lo
        drift = _solve(gap, lo, hi)
    futility, upper, spent = _futility_pass(timing, alpha, beta, float(drift), binding, sides)
    futility[-1] = min(futility[-1], upper[-1])  # at the root they are equal to ~1e-12
    return Futility(futility, upper, spent, float(drift))


# --- required information size -------------------------------------------------------------

def _ceil(x: float) -> int:
    # 1e-9 absorbs floating-point noise on results that are whole numbers in exact arithmetic
    return int(math.ceil(x - 1e-9))


def required_information_size(measure: str, control_risk: Optional[float] = None, rr: Optional[float] = None,
                              rrr: Optional[float] = None, mean_difference: Optional[float] = None,
                              sd: Optional[float] = None, alpha: float = 0.05, beta: float = 0.2,
                              sides: int = 2, d2: Optional[float] = None, i2: Optional[float] = None,
                              timing=None, futility: str = "none") -> dict:
    """Required information size (participants, both arms together).

    RR/OR: control event proportion `control_risk` p_c and the anticipated effect as a relative
    risk `rr` (RTSA's `mc`, e.g. 0.8) or a relative risk reduction `rrr` (RTSA's `RRR`, e.g. 0.2;
    rr = 1 - rrr), one of the two: p_e = p_c rr, nu = pbar (1 - pbar) with pbar = (p_c + p_e)/2,
    theta = p_c - p_e. The effect is a relative risk for OR too, as in the TSA software; RTSA's
    `mc` for OR is an odds ratio OR, the same as rr = OR / (1 - p_c + p_c OR).
    MD: theta = mean_difference, nu = sd^2.

    ris_fixed = ceil(4 (z_{1-alpha/sides} + z_{1-beta})^2 nu / theta^2); ris = ceil(ris_fixed / (1 - D^2)).
    `i2` stands in for D^2 when no D^2 is given (RTSA's NR_I2): there is no exact conversion and
    since D^2 >= I^2 (Wetterslev et al. 2009) it gives the smaller adjustment.
    With `timing` (K,) ris_sequential = ceil(ris x inflation_factor(timing, ...)), else None.

    Returns {"ris_fixed": int, "ris": int, "ris_sequential": int | None,
             "inflation_factor": float | None, "heterogeneity": {"measure": "D2" | "I2", "value": float} | None}.
    """
    _check_level(alpha, "alpha")
    _check_level(beta, "beta")
    _check_sides(sides)
    theta, nu = _effect(measure, control_risk, rr, rrr, mean_difference, sd)
    if d2 is not None and i2 is not None:
        raise InputError("give D² or I², not both")
    heterogeneity = None
    for name, value in (("D2", d2), ("I2", i2)):
        if value is not None:
            if not 0 <= value < 1:
                raise InputError(f"{name} must lie in [0, 1)")
            heterogeneity = {"measure": name, "value": float(value)}
    z = special.ndtri(1 - alpha / sides) + special.ndtri(1 - beta)
    ris_fixed = _ceil(4 * z * z * nu / theta ** 2)
    ris = _ceil(ris_fixed / (1 - heterogeneity["value"])) if heterogeneity else ris_fixed
    factor = sequential = None
    if timing is not None:
        factor = inflation_factor(timing, alpha, beta, sides, futility)
        sequential = _ceil(ris * factor)  # RTSA: ceiling(HARIS * root)
    return {"ris_fixed": ris_fixed, "ris": ris, "ris_sequential": sequential,
            "inflation_factor": factor, "heterogeneity": heterogeneity}


def _effect(measure, control_risk, rr, rrr, mean_difference, sd) -> tuple[float, float]:
    """(theta, nu) of the TSA manual's RIS formula."""
    if measure not in MEASURES:
        raise InputError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    if measure == "MD":
        if mean_difference is None or sd is None:
            raise InputError("MD needs a mean difference and an SD")
        if mean_difference == 0 or not sd > 0:
            raise InputError("MD needs a non-zero mean difference and a positive SD")
        return float(mean_difference), float(sd) ** 2
    if control_risk is None or (rr is None) == (rrr is None):
        raise InputError(f"{measure} needs a control risk and one of a relative risk or a relative risk reduction")
    if not 0 < control_risk < 1:
        raise InputError("the control risk must lie in (0, 1)")
    rr = 1 - rrr if rr is None else rr
    experimental = control_risk * rr
    if not rr > 0 or rr == 1 or not experimental < 1:
        raise InputError("the relative risk must be positive, not 1, and keep the intervention risk below 1")
    mean = (control_risk + experimental) / 2
    return control_risk - experimental, mean * (1 - mean)


# --- design and monitoring -----------------------------------------------------------------

def design(measure: str, control_risk: Optional[float] = None, rr: Optional[float] = None,
           rrr: Optional[float] = None, mean_difference: Optional[float] = None, sd: Optional[float] = None,
           alpha: float = 0.05, beta: float = 0.2, sides: int = 2, d2: Optional[float] = None,
           i2: Optional[float] = None, timing=None, futility: str = "none") -> dict:
    """A TSA design, the JSON contract of `evidence tsa design`.

    Returns {"ris_fixed": int, "ris": int, "ris_sequential": int | None (None without timing),
    "timing": [t_1, ..., 1], "upper": [...], "lower": [...] | None (one-sided),
    "futility": [...] | None (none asked)}; boundaries are z values, None where a boundary
    can't be crossed (no alpha to spend, or no futility stop at that look). Without timing the
    design has one look at t = 1. A final look at t = 1 is added to timing when missing.
    """
    _check_futility(futility)
    ris = required_information_size(measure, control_risk, rr, rrr, mean_difference, sd, alpha, beta, sides, d2, i2)
    sequential = None
    if timing is None:
        if futility != "none":
            raise InputError("futility boundaries need interim looks: give a timing")
        looks, stops = np.ones(1), None
        upper = boundaries(looks, alpha, sides).upper
    else:
        looks = _with_final_look(_check_timing(timing))
        upper, stops, factor = _sequential(looks, alpha, beta, sides, futility)
        sequential = _ceil(ris["ris"] * factor)
    return {"ris_fixed": ris["ris_fixed"], "ris": ris["ris"], "ris_sequential": sequential,
            "timing": [float(t) for t in looks], "upper": _json(upper),
            "lower": _json(-upper) if sides == 2 else None, "futility": None if stops is None else _json(stops)}


def boundaries_json(timing, alpha: float, sides: int = 2) -> dict:
    """The JSON contract of `evidence tsa boundaries`: {"upper": [...], "alpha_spent": [...]} (cumulative,
    all sides together); an upper boundary that can't be crossed (no alpha spent yet) is None."""
    result = boundaries(timing, alpha, sides)
    return {"upper": _json(result.upper), "alpha_spent": [float(a) for a in result.alpha_spent]}


def monitor(z_cumulative, information, ris: float, alpha: float = 0.05, beta: float = 0.2, sides: int = 2,
            futility: str = "none") -> dict:
    """The cumulative z-curve (K,) against the boundaries at the observed information (K,).

    Information fractions are information / ris, where ris is the maximum information the
    boundaries are built for (a design's ris_sequential, or its ris). Boundaries are computed at
    the observed fractions (alpha spending adapts to the actual looks); a look at or past the
    RIS is the final analysis, at fraction 1, and any later look keeps that final boundary.
    Futility boundaries, when asked, come from the design at the observed looks plus a final
    one at 1. z > 0 favours the intervention.

    The verdict is decided at the first look that crosses: upper -> "firm evidence of benefit",
    lower (two-sided) -> "firm evidence of harm", futility region -> "futility"; reaching the RIS
    without crossing is also "futility" (an effect of the anticipated size is rejected);
    otherwise "not yet conclusive".

    Returns {"timing": [...] (information / ris), "z": [...], "upper": [...], "lower": [...] | None,
    "futility": [...] | None, "alpha_spent": [...], "ris_reached": bool, "decided_at": int | None
    (0-based look), "verdict": str}.
    """
    _check_level(alpha, "alpha")
    _check_level(beta, "beta")
    _check_sides(sides)
    _check_futility(futility)
    z = np.asarray(z_cumulative, dtype=float).ravel()
    info = np.asarray(information, dtype=float).ravel()
    if z.shape != info.shape or not z.size:
        raise InputError("give one cumulative z per information value, at least one")
    if not ris > 0 or np.any(info <= 0) or np.any(np.diff(info) <= 0) or np.any(~np.isfinite(z)):
        raise InputError("information must be positive and increasing, z finite and the RIS positive")
    fraction = info / ris
    interim = fraction[fraction < 1]
    reached = bool(fraction[-1] >= 1)
    # The boundaries are built at the interim looks and a final one at 1 (only reported if reached).
    looks = np.append(interim, 1.0)
    if futility == "none" or len(looks) < 2:
        upper, stops = boundaries(looks, alpha, sides).upper, None
    else:
        result = futility_boundaries(looks, alpha, beta, futility == "binding", sides)
        upper, stops = result.upper, result.futility
    n = len(interim)
    observed = np.minimum(np.arange(len(z)), n)  # every look at or past the RIS uses the final boundary
    upper = upper[observed]
    stops = None if stops is None else stops[observed]
    verdict, decided = "not yet conclusive", None
    for k in range(len(z)):
        if z[k] >= upper[k]:
            verdict = "firm evidence of benefit"
        elif sides == 2 and z[k] <= -upper[k]:
            verdict = "firm evidence of harm"
        elif stops is not None and not np.isnan(stops[k]) and (z[k] if sides == 1 else abs(z[k])) < stops[k]:
            verdict = "futility"
        elif fraction[k] >= 1:
            verdict = "futility"
        else:
            continue
        decided = k
        break
    return {"timing": [float(t) for t in fraction], "z": [float(v) for v in z], "upper": _json(upper),
            "lower": _json(-upper) if sides == 2 else None,
            "futility": None if stops is None else _json(stops),
            "alpha_spent": [float(a) for a in alpha_spent(np.minimum(fraction, 1), alpha, sides)],
            "ris_reached": reached, "decided_at": decided, "verdict": verdict}


# --- checks and output ---------------------------------------------------------------------

def _json(values) -> list:
    """Floats for JSON: a boundary that can't be crossed (inf) or a missing futility stop (NaN) is None."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def _with_final_look(timing: np.ndarray) -> np.ndarray:
    return timing if timing[-1] == 1 else np.append(timing, 1.0)


def _check_timing(timing) -> np.ndarray:
    timing = np.atleast_1d(np.asarray(timing, dtype=float))
    if timing.ndim != 1 or not timing.size or np.any(~np.isfinite(timing)):
        raise InputError("timing must be a list of information fractions")
    if timing[0] <= 0 or timing[-1] > 1 or np.any(np.diff(timing) <= 0):
        raise InputError("timing must increase strictly within (0, 1]")
    return timing


def _check_level(value: float, name: str) -> None:
    if not 0 < value < 1:
        raise InputError(f"{name} must lie in (0, 1)")


def _check_sides(sides: int) -> None:
    if sides not in (1, 2):
        raise InputError("sides must be 1 or 2")


def _check_futility(futility: str) -> None:
    if futility not in FUTILITY:
        raise InputError(f"futility must be one of {', '.join(FUTILITY)}, not {futility!r}")
