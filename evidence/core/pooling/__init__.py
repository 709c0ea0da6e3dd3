"""Pure numerical pooling core (numpy/scipy; no database, no files).

Many analyses at once: per-study inputs are flat arrays (n,) with an integer `group`
(n,) naming each study's analysis 0..G-1 (any order; sorted, each analysis's studies in one
run, is fastest: groups.Groups); summaries come back as (G,).
Conventions follow a named preset (`revman5`: RevMan 5; `modern`: RevMan Web and
metafor practice; POOLING.md); explicit options override the preset.
"""

from evidence.core.pooling.bias import Egger, TrimAndFill, egger_test, trim_and_fill
from evidence.core.pooling.distributions import normal_quantile
from evidence.core.pooling.effects import (
    StudyEffects,
    ZeroCells,
    continuous_effects,
    dichotomous_effects,
    effects_from_ci,
    generic_effects,
    peto_effects,
)
from evidence.core.pooling.heterogeneity import Heterogeneity
from evidence.core.pooling.meta import Conventions, MetaAnalysis, Summary, pool, pool_dichotomous
from evidence.core.pooling.presets import CI_METHODS, PRESETS, Preset
from evidence.core.pooling.rules import MODEL_RULES
from evidence.core.pooling.sensitivity import Resampled, cumulative, leave_one_out
from evidence.core.pooling.subgroups import SubgroupAnalysis, SubgroupDifferences, pool_subgroups, subgroup_differences
from evidence.core.pooling.tau2 import TAU2_ESTIMATORS

__all__ = [
    "CI_METHODS",
    "MODEL_RULES",
    "PRESETS",
    "TAU2_ESTIMATORS",
    "Conventions",
    "Egger",
    "Heterogeneity",
    "MetaAnalysis",
    "Preset",
    "Resampled",
    "StudyEffects",
    "SubgroupAnalysis",
    "SubgroupDifferences",
    "Summary",
    "TrimAndFill",
    "ZeroCells",
    "continuous_effects",
    "cumulative",
    "dichotomous_effects",
    "effects_from_ci",
    "egger_test",
    "generic_effects",
    "leave_one_out",
    "normal_quantile",
    "peto_effects",
    "pool",
    "pool_dichotomous",
    "pool_subgroups",
    "subgroup_differences",
    "trim_and_fill",
]
