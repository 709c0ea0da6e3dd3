"""Pure numerical pooling core (numpy/scipy; no database, no files).

Many analyses at once: per-study inputs are flat arrays (n,) with an integer `group`
(n,) naming each study's analysis 0..G-1 (any order); summaries come back as (G,).
Conventions follow the `revman5` preset of POOLING.md (RevMan 5 and metafor).
"""

from .effects import (
    StudyEffects,
    continuous_effects,
    dichotomous_effects,
    effects_from_ci,
    generic_effects,
    normal_quantile,
    peto_effects,
)
from .heterogeneity import Heterogeneity
from .meta import PRESETS, Conventions, MetaAnalysis, Preset, Summary, pool, pool_dichotomous
from .rules import MODEL_RULES
from .tau2 import TAU2_ESTIMATORS

__all__ = [
    "MODEL_RULES",
    "PRESETS",
    "TAU2_ESTIMATORS",
    "Conventions",
    "Heterogeneity",
    "MetaAnalysis",
    "Preset",
    "StudyEffects",
    "Summary",
    "continuous_effects",
    "dichotomous_effects",
    "effects_from_ci",
    "generic_effects",
    "normal_quantile",
    "peto_effects",
    "pool",
    "pool_dichotomous",
]
