"""Pure numerical pooling core (numpy/scipy; no database, no files).

Many analyses at once: per-study inputs are flat arrays (n,) with an integer `group`
(n,) naming each study's analysis 0..G-1 (any order; sorted, each analysis's studies in one
run, is fastest: groups.Groups); summaries come back as (G,).
Conventions follow a named preset (`revman5`: RevMan 5; `modern`: RevMan Web and
metafor practice; POOLING.md); explicit options override the preset.
"""

from .bias import Egger, TrimAndFill, egger_test, trim_and_fill
from .distributions import normal_quantile
from .effects import (
    StudyEffects,
    ZeroCells,
    continuous_effects,
    dichotomous_effects,
    effects_from_ci,
    generic_effects,
    peto_effects,
)
from .heterogeneity import Heterogeneity
from .meta import Conventions, MetaAnalysis, Summary, pool, pool_dichotomous
from .presets import CI_METHODS, PRESETS, Preset
from .rules import MODEL_RULES
from .sensitivity import Resampled, cumulative, leave_one_out
from .subgroups import SubgroupAnalysis, SubgroupDifferences, pool_subgroups, subgroup_differences
from .tau2 import TAU2_ESTIMATORS

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
