"""Meta-analysis of many analyses at once: fixed and random effects, heterogeneity, the model rule.

`pool` takes StudyEffects (n,) from any effects function; `pool_dichotomous` takes 2x2
counts so that Mantel-Haenszel can be the fixed-effect method. Both return a
MetaAnalysis whose summaries have shape (G,) and whose study rows have shape (n,),
together with the Conventions that produced them.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .effects import StudyEffects, dichotomous_effects, normal_quantile, peto_effects, scale_of
from .fixed import FixedEffect, inverse_variance, mantel_haenszel
from .groups import analysis_index, share_of_group
from .heterogeneity import Heterogeneity, heterogeneity
from .rules import MODEL_RULES
from .tau2 import TAU2_ESTIMATORS


@dataclass(frozen=True)
class Preset:
    """Conventions a named preset fixes (POOLING.md)."""

    name: str
    zero_cell_increment: float  # added to all four cells of a study with a zero cell
    increment_in_mantel_haenszel: bool  # whether the pooled MH estimate also uses it
    ci_method: str


# TODO(next issue): "modern" (REML, Hartung-Knapp, prediction and Q-profile intervals).
PRESETS: dict[str, Preset] = {
    "revman5": Preset("revman5", zero_cell_increment=0.5, increment_in_mantel_haenszel=True, ci_method="z"),
}
FIXED_METHODS = ("MH", "IV", "PETO")


@dataclass(frozen=True)
class Conventions:
    """What produced a result; stored with every pooled number."""

    measure: str
    scale: str  # "log" or "identity": the scale of te and of the study yi
    fixed_method: str  # "MH", "IV" or "PETO"
    tau2_method: str
    ci_method: str  # "z": Wald interval with the exact normal quantile
    zero_cell_rule: str
    preset: str
    level: float
    model_rule: str  # a key of MODEL_RULES

    def to_natural(self, x) -> np.ndarray:
        """From the analysis scale to the scale users read (a ratio for log-scale measures)."""
        return np.exp(x) if self.scale == "log" else np.asarray(x)


@dataclass(frozen=True)
class Summary:
    """One model's pooled estimate per analysis (G,) and the study weights (n,) in percent."""

    te: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    z: np.ndarray
    p: np.ndarray
    weight: np.ndarray


@dataclass(frozen=True)
class MetaAnalysis:
    """Results of G analyses over n studies.

    `pooled` is the model the rule chose per analysis (`uses_random` (G,)); `fixed` and
    `random` are both kept. Study rows (n,) follow the input order; `study_weight` is the
    chosen model's weight in percent.
    """

    conventions: Conventions
    group: np.ndarray  # (n,)
    studies: StudyEffects  # (n,)
    study_ci_low: np.ndarray  # (n,)
    study_ci_high: np.ndarray  # (n,)
    heterogeneity: Heterogeneity  # (G,)
    tau2: np.ndarray  # (G,)
    fixed: Summary
    random: Summary
    uses_random: np.ndarray  # (G,) bool
    pooled: Summary

    @property
    def model(self) -> np.ndarray:
        """'fixed' or 'random' per analysis (G,)."""
        return np.where(self.uses_random, "random", "fixed")

    @property
    def study_weight(self) -> np.ndarray:
        return self.pooled.weight


def _summary(te, variance, weight, group, n_groups, z_level) -> Summary:
    se = np.sqrt(variance)
    z = te / se
    return Summary(
        te, se, te - z_level * se, te + z_level * se, z, 2 * stats.norm.sf(np.abs(z)),
        share_of_group(weight, group, n_groups),
    )


def _choose(uses_random, group, fixed: Summary, random: Summary) -> Summary:
    per_analysis = {name: np.where(uses_random, getattr(random, name), getattr(fixed, name))
                    for name in ("te", "se", "ci_low", "ci_high", "z", "p")}
    return Summary(**per_analysis, weight=np.where(uses_random[group], random.weight, fixed.weight))


def _check_options(model: str, tau2_method: str, level: float, preset: str) -> Preset:
    for name, value, known in (("model", model, MODEL_RULES), ("tau2_method", tau2_method, TAU2_ESTIMATORS),
                               ("preset", preset, PRESETS)):
        if value not in known:
            raise ValueError(f"{name} {value!r} is not one of {sorted(known)}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, not {level}")
    return PRESETS[preset]


def _analyse(effects: StudyEffects, fixed: FixedEffect, group, n_groups, conventions: Conventions) -> MetaAnalysis:
    """Heterogeneity, tau², random effects and the model rule around a given fixed-effect estimate."""
    yi, vi, estimable = effects.yi, effects.vi, effects.estimable
    z_level = normal_quantile(conventions.level)
    het = heterogeneity(yi, vi, estimable, group, n_groups, fixed.te)
    tau2 = TAU2_ESTIMATORS[conventions.tau2_method](yi[estimable], vi[estimable], group[estimable], n_groups, het.q)
    random = inverse_variance(yi, vi + tau2[group], estimable, group, n_groups)
    fixed_summary = _summary(fixed.te, fixed.variance, fixed.weight, group, n_groups, z_level)
    random_summary = _summary(random.te, random.variance, random.weight, group, n_groups, z_level)
    uses_random = MODEL_RULES[conventions.model_rule](het.q_p, het.i2)
    return MetaAnalysis(
        conventions, group, effects, yi - z_level * effects.se, yi + z_level * effects.se, het, tau2,
        fixed_summary, random_summary, uses_random, _choose(uses_random, group, fixed_summary, random_summary),
    )


def pool(
    effects: StudyEffects, group=None, *, n_groups: int | None = None, model: str = "random",
    tau2_method: str = "DL", level: float = 0.95, preset: str = "revman5",
) -> MetaAnalysis:
    """Inverse-variance fixed effect and random effects for StudyEffects (n,) grouped by `group` (n,).

    group None pools all studies as one analysis. model is a key of MODEL_RULES
    ("fixed", "random", "fixed_if_homogeneous"); tau2_method a key of TAU2_ESTIMATORS.
    """
    chosen = _check_options(model, tau2_method, level, preset)
    group, n_groups = analysis_index(group, effects.yi.shape[0], n_groups)
    fixed = inverse_variance(effects.yi, effects.vi, effects.estimable, group, n_groups)
    conventions = Conventions(effects.measure, effects.scale, "IV", tau2_method, chosen.ci_method,
                              effects.zero_cell_rule, chosen.name, level, model)
    return _analyse(effects, fixed, group, n_groups, conventions)


def pool_dichotomous(
    e_events, e_total, c_events, c_total, group=None, *, measure: str = "RR", method: str = "MH",
    n_groups: int | None = None, model: str = "random", tau2_method: str = "DL", level: float = 0.95,
    preset: str = "revman5",
) -> MetaAnalysis:
    """Pool 2x2 counts (n,) per analysis: measure RR, OR or RD; fixed-effect method MH, IV or PETO (OR only).

    Study effects, Q, I², tau² and the random-effects estimate use the study-level
    yi and vi (with the preset's zero-cell increment); the fixed-effect estimate and
    the fixed-model weights come from `method`.
    """
    chosen = _check_options(model, tau2_method, level, preset)
    if method not in FIXED_METHODS:
        raise ValueError(f"method {method!r} is not one of {FIXED_METHODS}")
    if method == "PETO" and measure != "OR":
        raise ValueError("the Peto method pools odds ratios only")
    group, n_groups = analysis_index(group, np.shape(e_events)[0], n_groups)
    if method == "PETO":
        effects = peto_effects(e_events, e_total, c_events, c_total)
    else:
        effects = dichotomous_effects(e_events, e_total, c_events, c_total, measure,
                                      increment=chosen.zero_cell_increment)
    if method == "MH":
        fixed = mantel_haenszel(e_events, e_total, c_events, c_total, group, n_groups, measure,
                                increment=chosen.zero_cell_increment * chosen.increment_in_mantel_haenszel)
    else:
        fixed = inverse_variance(effects.yi, effects.vi, effects.estimable, group, n_groups)
    conventions = Conventions(measure, scale_of(measure), method, tau2_method, chosen.ci_method,
                              effects.zero_cell_rule, chosen.name, level, model)
    return _analyse(effects, fixed, group, n_groups, conventions)
