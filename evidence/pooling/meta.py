"""Meta-analysis of many analyses at once: fixed and random effects, heterogeneity, the model rule.

`pool` takes StudyEffects (n,) from any effects function; `pool_dichotomous` takes 2x2
counts so that Mantel-Haenszel can be the fixed-effect method. Both return a
MetaAnalysis whose summaries have shape (G,) and whose study rows have shape (n,),
together with the Conventions that produced them. A preset (presets.py) supplies every
convention not given explicitly.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .distributions import critical_value, normal_quantile, two_sided_p
from .effects import StudyEffects, ZeroCells, dichotomous_effects, peto_effects, scale_of
from .fixed import FixedEffect, inverse_variance, mantel_haenszel
from .groups import analysis_index, group_sum, share_of_group, zero_where
from .heterogeneity import Heterogeneity, heterogeneity, q_profile_intervals
from .presets import CI_METHODS, PRESETS, Preset
from .rules import MODEL_RULES
from .tau2 import TAU2_ESTIMATORS

FIXED_METHODS = ("MH", "IV", "PETO")


@dataclass(frozen=True)
class Conventions:
    """What produced a result; stored with every pooled number."""

    measure: str
    scale: str  # "log" or "identity": the scale of te and of the study yi
    fixed_method: str  # "MH", "IV" or "PETO"
    tau2_method: str
    ci_method: str  # of the random-effects model: "z", "hk" or "hk_adhoc" (fixed effect: always z)
    zero_cell_rule: str
    preset: str
    level: float
    model_rule: str  # a key of MODEL_RULES
    prediction: bool  # whether the random-effects model has a prediction interval
    heterogeneity_ci: bool  # whether tau² and I² have Q-profile intervals

    def to_natural(self, x) -> np.ndarray:
        """From the analysis scale to the scale users read (a ratio for log-scale measures)."""
        return np.exp(x) if self.scale == "log" else np.asarray(x)


@dataclass(frozen=True)
class Summary:
    """One model's pooled estimate per analysis (G,) and its study weights (n,).

    z is the test statistic te/se: a t statistic with df (G,) degrees of freedom where df is
    finite (Hartung-Knapp), a z statistic where df is NaN. raw_weight (n,) is the model's own
    study weight (0 for an inestimable study); `weight` is it in percent of the analysis.
    p and weight are computed on first use: each costs more than the estimate itself.
    """

    te: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    z: np.ndarray
    df: np.ndarray
    raw_weight: np.ndarray
    group: np.ndarray

    @cached_property
    def p(self) -> np.ndarray:
        """Two-sided p of z (G,)."""
        return two_sided_p(self.z, self.df)

    @cached_property
    def weight(self) -> np.ndarray:
        """Study weights (n,) in percent of their analysis."""
        return share_of_group(self.raw_weight, self.group, self.te.shape[0])


@dataclass(frozen=True)
class MetaAnalysis:
    """Results of G analyses over n studies.

    `pooled` is the model the rule chose per analysis (`uses_random` (G,)); `fixed` and
    `random` are both kept. Study rows (n,) follow the input order; `study_weight` is the
    chosen model's weight in percent. pi_low/pi_high (G,) bound the random-effects
    prediction interval and tau2_ci/i2_ci (G, 2) are Q-profile intervals; all NaN where
    the conventions did not ask for them.
    """

    conventions: Conventions
    group: np.ndarray  # (n,)
    studies: StudyEffects  # (n,)
    heterogeneity: Heterogeneity  # (G,)
    tau2: np.ndarray  # (G,)
    fixed: Summary
    random: Summary
    uses_random: np.ndarray  # (G,) bool
    pi_low: np.ndarray  # (G,)
    pi_high: np.ndarray  # (G,)
    tau2_ci: np.ndarray  # (G, 2)
    i2_ci: np.ndarray  # (G, 2)

    @property
    def model(self) -> np.ndarray:
        """'fixed' or 'random' per analysis (G,)."""
        return np.where(self.uses_random, "random", "fixed")

    @cached_property
    def pooled(self) -> Summary:
        """The model the rule chose, per analysis."""
        per_analysis = {name: np.where(self.uses_random, getattr(self.random, name), getattr(self.fixed, name))
                        for name in ("te", "se", "ci_low", "ci_high", "z", "df")}
        weight = self.fixed.raw_weight.copy()
        from_random = self.uses_random[self.group]
        weight[from_random] = self.random.raw_weight[from_random]
        return Summary(**per_analysis, raw_weight=weight, group=self.group)

    @property
    def study_weight(self) -> np.ndarray:
        return self.pooled.weight

    @cached_property
    def study_ci_low(self) -> np.ndarray:
        """Each study's own Wald interval at the analysis's level (n,)."""
        return self.studies.yi - normal_quantile(self.conventions.level) * self.studies.se

    @cached_property
    def study_ci_high(self) -> np.ndarray:
        return self.studies.yi + normal_quantile(self.conventions.level) * self.studies.se


def _summary(te, se, df, critical, weight, group) -> Summary:
    half_width = critical * se
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero Hartung-Knapp se (identical estimates)
        statistic = te / se
    return Summary(te, se, te - half_width, te + half_width, statistic, df, weight, group)


def _random_se(random: FixedEffect, yi, estimable, group, n_groups, k, ci_method) -> tuple[np.ndarray, np.ndarray]:
    """Standard error and df (G,) of the random-effects estimate.

    Hartung-Knapp-Sidik-Jonkman: se² = sum w*(yi - te)² / ((k - 1) sum w*), t with k - 1 df
    (the ad hoc variant never lets the scale factor fall below 1); z where k < 2.
    """
    se = np.sqrt(random.variance)
    no_df = np.full(n_groups, np.nan)
    if ci_method == "z":
        return se, no_df
    residual = zero_where(yi - random.te[group], ~estimable)
    has_df = k > 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = group_sum(random.weight * residual**2, group, n_groups) / (k - 1)
    if ci_method == "hk_adhoc":
        scale = np.maximum(scale, 1.0)
    return np.where(has_df, se * np.sqrt(scale), se), np.where(has_df, k - 1.0, no_df)


def _analyse(effects: StudyEffects, fixed: FixedEffect, group, n_groups, conventions: Conventions) -> MetaAnalysis:
    """Heterogeneity, tau², random effects, intervals and the model rule around a given fixed-effect estimate."""
    yi, vi, estimable = effects.yi, effects.vi, effects.estimable
    level = conventions.level
    het = heterogeneity(yi, vi, estimable, group, n_groups, fixed.te)
    # The estimable studies only, for tau² and its intervals (no copies when that is all of them).
    studied = ((yi, vi, group, n_groups) if estimable.all()
               else (yi[estimable], vi[estimable], group[estimable], n_groups))
    tau2 = TAU2_ESTIMATORS[conventions.tau2_method](*studied, het.q)
    random = inverse_variance(yi, vi + tau2[group], estimable, group, n_groups)
    random_se, random_df = _random_se(random, yi, estimable, group, n_groups, het.k, conventions.ci_method)
    no_df = np.full(n_groups, np.nan)
    random_critical = critical_value(level, random_df)  # t quantiles cost: once for the CI and the PI
    fixed_summary = _summary(fixed.te, np.sqrt(fixed.variance), no_df, normal_quantile(level), fixed.weight, group)
    random_summary = _summary(random.te, random_se, random_df, random_critical, random.weight, group)
    uses_random = MODEL_RULES[conventions.model_rule](het)
    pi_low = pi_high = no_df
    if conventions.prediction:
        half_width = random_critical * np.sqrt(random_se**2 + tau2)
        pi_low, pi_high = random.te - half_width, random.te + half_width
    tau2_ci = i2_ci = np.full((n_groups, 2), np.nan)
    if conventions.heterogeneity_ci:
        tau2_ci, i2_ci = q_profile_intervals(*studied, level)
    return MetaAnalysis(
        conventions, group, effects, het, tau2,
        fixed_summary, random_summary, uses_random, pi_low, pi_high, tau2_ci, i2_ci,
    )


@dataclass(frozen=True)
class _Options:
    """The preset with explicit options applied."""

    preset: Preset
    tau2_method: str
    ci_method: str
    prediction: bool
    heterogeneity_ci: bool

    def conventions(self, measure, fixed_method, zero_cell_rule, level, model) -> Conventions:
        return Conventions(measure, scale_of(measure), fixed_method, self.tau2_method, self.ci_method, zero_cell_rule,
                           self.preset.name, level, model, self.prediction, self.heterogeneity_ci)


def _options(model, tau2_method, ci_method, prediction, heterogeneity_ci, level, preset) -> _Options:
    if preset not in PRESETS:
        raise ValueError(f"preset {preset!r} is not one of {sorted(PRESETS)}")
    chosen = PRESETS[preset]
    options = _Options(
        chosen,
        chosen.tau2_method if tau2_method is None else tau2_method,
        chosen.ci_method if ci_method is None else ci_method,
        chosen.prediction if prediction is None else prediction,
        chosen.heterogeneity_ci if heterogeneity_ci is None else heterogeneity_ci,
    )
    for name, value, known in (("model", model, MODEL_RULES), ("tau2_method", options.tau2_method, TAU2_ESTIMATORS),
                               ("ci_method", options.ci_method, CI_METHODS)):
        if value not in known:
            raise ValueError(f"{name} {value!r} is not one of {sorted(known)}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, not {level}")
    return options


def pool(
    effects: StudyEffects, group=None, *, n_groups: int | None = None, model: str = "random",
    tau2_method: str | None = None, ci_method: str | None = None, prediction: bool | None = None,
    heterogeneity_ci: bool | None = None, level: float = 0.95, preset: str = "revman5",
) -> MetaAnalysis:
    """Inverse-variance fixed effect and random effects for StudyEffects (n,) grouped by `group` (n,).

    group None pools all studies as one analysis. model is a key of MODEL_RULES
    ("fixed", "random", "fixed_if_homogeneous"); tau2_method a key of TAU2_ESTIMATORS;
    ci_method one of CI_METHODS; prediction and heterogeneity_ci ask for the prediction
    interval and the Q-profile intervals. Options left None come from the preset.
    """
    options = _options(model, tau2_method, ci_method, prediction, heterogeneity_ci, level, preset)
    group, n_groups = analysis_index(group, effects.yi.shape[0], n_groups)
    fixed = inverse_variance(effects.yi, effects.vi, effects.estimable, group, n_groups)
    conventions = options.conventions(effects.measure, "IV", effects.zero_cell_rule, level, model)
    return _analyse(effects, fixed, group, n_groups, conventions)


def pool_dichotomous(
    e_events, e_total, c_events, c_total, group=None, *, measure: str = "RR", method: str = "MH",
    n_groups: int | None = None, model: str = "random", tau2_method: str | None = None,
    ci_method: str | None = None, prediction: bool | None = None, heterogeneity_ci: bool | None = None,
    zero_cells: ZeroCells | None = None, level: float = 0.95, preset: str = "revman5",
) -> MetaAnalysis:
    """Pool 2x2 counts (n,) per analysis: measure RR, OR or RD; fixed-effect method MH, IV or PETO (OR only).

    Study effects, Q, I², tau² and the random-effects estimate use the study-level
    yi and vi (with the zero-cell rule: `zero_cells`, else the preset's); the fixed-effect
    estimate and the fixed-model weights come from `method`. Other options as for `pool`.
    """
    options = _options(model, tau2_method, ci_method, prediction, heterogeneity_ci, level, preset)
    if method not in FIXED_METHODS:
        raise ValueError(f"method {method!r} is not one of {FIXED_METHODS}")
    if method == "PETO" and measure != "OR":
        raise ValueError("the Peto method pools odds ratios only")
    group, n_groups = analysis_index(group, np.shape(e_events)[0], n_groups)
    zero_cells = options.preset.zero_cells if zero_cells is None else zero_cells
    if method == "PETO":
        effects = peto_effects(e_events, e_total, c_events, c_total)
    else:
        effects = dichotomous_effects(e_events, e_total, c_events, c_total, measure, zero_cells=zero_cells,
                                      group=group, n_groups=n_groups)
    if method == "MH":
        fixed = mantel_haenszel(e_events, e_total, c_events, c_total, group, n_groups, measure,
                                zero_cells=zero_cells if options.preset.increment_in_mantel_haenszel else None)
    else:
        fixed = inverse_variance(effects.yi, effects.vi, effects.estimable, group, n_groups)
    conventions = options.conventions(measure, method, effects.zero_cell_rule, level, model)
    return _analyse(effects, fixed, group, n_groups, conventions)


PoolRows = Callable[[np.ndarray, np.ndarray, int], MetaAnalysis]
"""pool_rows(rows (m,), group (m,), n_groups): pool the caller's studies at positions `rows`
(repeats allowed) as n_groups analyses, with the caller's own measure, method and options."""


def effects_pooler(effects: StudyEffects, **options) -> PoolRows:
    """A PoolRows over StudyEffects (n,), pooled by `pool` with `options`."""
    return lambda rows, group, n_groups: pool(effects.take(rows), group, n_groups=n_groups, **options)


def counts_pooler(e_events, e_total, c_events, c_total, **options) -> PoolRows:
    """A PoolRows over 2x2 counts (n,), pooled by `pool_dichotomous` with `options`."""
    counts = [np.asarray(x) for x in (e_events, e_total, c_events, c_total)]
    return lambda rows, group, n_groups: pool_dichotomous(*(x[rows] for x in counts), group, n_groups=n_groups,
                                                          **options)
