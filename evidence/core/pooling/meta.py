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

from evidence.core.pooling.distributions import critical_value, normal_quantile, two_sided_p
from evidence.core.pooling.effects import StudyEffects, ZeroCells, dichotomous_effects, peto_effects, scale_of
from evidence.core.pooling.fixed import FixedEffect, inverse_variance, mantel_haenszel, weighted_spread
from evidence.core.pooling.groups import Groups
from evidence.core.pooling.heterogeneity import Heterogeneity, heterogeneity, q_profile_intervals
from evidence.core.pooling.presets import CI_METHODS, PRESETS, Preset
from evidence.core.pooling.rules import MODEL_RULES
from evidence.core.pooling.tau2 import TAU2_ESTIMATORS

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
    study weight (0 for an inestimable study), made by `weigh`; `weight` is it in percent of
    the analysis. p, raw_weight and weight are computed on first use: each costs more than
    the estimate itself.
    """

    te: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    z: np.ndarray
    df: np.ndarray
    groups: Groups  # of all n studies
    weigh: Callable[[], np.ndarray]

    @property
    def group(self) -> np.ndarray:
        """Each study's analysis (n,)."""
        return self.groups.index

    @cached_property
    def raw_weight(self) -> np.ndarray:
        """The model's own study weights (n,)."""
        return self.weigh()

    @cached_property
    def p(self) -> np.ndarray:
        """Two-sided p of z (G,)."""
        return two_sided_p(self.z, self.df)

    @cached_property
    def weight(self) -> np.ndarray:
        """Study weights (n,) in percent of their analysis."""
        return self.groups.share(self.raw_weight)


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
        return Summary(**per_analysis, groups=self.fixed.groups, weigh=self._pooled_weight)

    def _pooled_weight(self) -> np.ndarray:
        weight = self.fixed.raw_weight.copy()
        from_random = self.fixed.groups.spread(self.uses_random)
        weight[from_random] = self.random.raw_weight[from_random]
        return weight

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


def _summary(te, se, df, critical, groups: Groups, weigh) -> Summary:
    half_width = critical * se
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero Hartung-Knapp se (identical estimates)
        statistic = te / se
    return Summary(te, se, te - half_width, te + half_width, statistic, df, groups, weigh)


def _random_se(random: FixedEffect, k, ci_method) -> tuple[np.ndarray, np.ndarray]:
    """Standard error and df (G,) of the random-effects estimate.

    Hartung-Knapp-Sidik-Jonkman: se² = sum w*(yi - te)² / ((k - 1) sum w*), t with k - 1 df
    (the ad hoc variant never lets the scale factor fall below 1); z where k < 2.
    """
    se = np.sqrt(random.variance)
    no_df = np.full(k.shape, np.nan)
    if ci_method == "z":
        return se, no_df
    has_df = k > 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = random.spread / (k - 1)
    if ci_method == "hk_adhoc":
        scale = np.maximum(scale, 1.0)
    return np.where(has_df, se * np.sqrt(scale), se), np.where(has_df, k - 1.0, no_df)


def _on_every_study(weigh, estimable) -> Callable[[], np.ndarray]:
    """weigh() over the estimable studies (m,) as weights over every study (n,), 0 for the others."""
    if estimable.all():
        return weigh

    def weigh_every_study():
        weight = np.zeros(estimable.shape)
        weight[estimable] = weigh()
        return weight
    return weigh_every_study


def _analyse(effects: StudyEffects, groups: Groups, conventions: Conventions,
             mantel_haenszel: FixedEffect | None = None) -> MetaAnalysis:
    """Fixed and random effects, heterogeneity, tau² and intervals, and the model rule.

    The fixed-effect model is inverse variance unless a Mantel-Haenszel estimate is given;
    Q is centred on the fixed-effect estimate either way.
    """
    yi, vi, estimable = effects.yi, effects.vi, effects.estimable
    level, n_groups = conventions.level, groups.count
    # Everything but the study rows works on the estimable studies only (no copies when that is all of them).
    sample = (yi, vi, groups) if estimable.all() else (yi[estimable], vi[estimable], groups.take(estimable))
    sample_yi, sample_vi, sample_groups = sample
    k = sample_groups.size
    if mantel_haenszel is None:  # inverse variance: Q is its weighted spread
        fixed = inverse_variance(*sample, spread=True)
        q, fixed_weigh = fixed.spread, _on_every_study(fixed.weigh, estimable)
    else:
        fixed = mantel_haenszel
        q, fixed_weigh = weighted_spread(sample_yi, 1 / sample_vi, fixed.te, sample_groups), fixed.weigh
    het = heterogeneity(k, q)
    tau2 = TAU2_ESTIMATORS[conventions.tau2_method](*sample, het.q)
    random = inverse_variance(*sample, tau2, spread=conventions.ci_method != "z")
    random_se, random_df = _random_se(random, k, conventions.ci_method)
    no_df = np.full(n_groups, np.nan)
    random_critical = critical_value(level, random_df)  # t quantiles cost: once for the CI and the PI
    fixed_summary = _summary(fixed.te, np.sqrt(fixed.variance), no_df, normal_quantile(level), groups, fixed_weigh)
    random_summary = _summary(random.te, random_se, random_df, random_critical, groups,
                              _on_every_study(random.weigh, estimable))
    uses_random = MODEL_RULES[conventions.model_rule](het)
    pi_low = pi_high = no_df
    if conventions.prediction:
        half_width = random_critical * np.sqrt(random_se**2 + tau2)
        pi_low, pi_high = random.te - half_width, random.te + half_width
    tau2_ci = i2_ci = np.full((n_groups, 2), np.nan)
    if conventions.heterogeneity_ci:
        tau2_ci, i2_ci = q_profile_intervals(*sample, level)
    return MetaAnalysis(
        conventions, groups.index, effects, het, tau2,
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
    groups = Groups.of(group, effects.yi.shape[0], n_groups)
    conventions = options.conventions(effects.measure, "IV", effects.zero_cell_rule, level, model)
    return _analyse(effects, groups, conventions)


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
    groups = Groups.of(group, np.shape(e_events)[0], n_groups)
    zero_cells = options.preset.zero_cells if zero_cells is None else zero_cells
    if method == "PETO":
        effects = peto_effects(e_events, e_total, c_events, c_total)
    else:
        effects = dichotomous_effects(e_events, e_total, c_events, c_total, measure, zero_cells=zero_cells,
                                      group=groups.index, n_groups=groups.count)
    mh = None  # IV and Peto: inverse variance of the study effects
    if method == "MH":
        mh = mantel_haenszel(e_events, e_total, c_events, c_total, groups, measure,
                             zero_cells=zero_cells if options.preset.increment_in_mantel_haenszel else None)
    conventions = options.conventions(measure, method, effects.zero_cell_rule, level, model)
    return _analyse(effects, groups, conventions, mh)


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
