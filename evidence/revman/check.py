"""`evidence rm5 check`: re-pool every outcome of a RevMan 5 file with the settings it names and
compare with the results RevMan stored beside them.

Compared, per outcome: the pooled effect and its CI, |Z|, Chi², df, I², Tau² (random effects);
per study: effect, CI and weight (a study RevMan marks not estimable: its weight). P-values are
not compared: RevMan's come from approximations that differ from the exact tails by up to 2e-6
(tests/pooling/tolerances.py). An outcome without study rows, or whose results RevMan did not
store, is listed, not counted as a match. Outcomes with subgroups and generic inverse-variance
outcomes are listed as not checked yet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .reader import Outcome, read_rm5

# The largest relative difference counted as agreement (RevMan stores full doubles).
AGREEMENT = 1e-9


@dataclass
class Mismatch:
    where: str
    field: str
    stored: float
    computed: float

    def as_json(self) -> dict:
        return {"where": self.where, "field": self.field, "stored": self.stored, "computed": self.computed}


@dataclass
class CheckResult:
    path: Path
    compared: int = 0
    max_rel_diff: float = 0.0
    mismatches: list[Mismatch] = field(default_factory=list)
    not_stored: list[str] = field(default_factory=list)  # outcomes with data but no stored results
    empty: list[str] = field(default_factory=list)  # outcomes without study rows
    not_checked: list[str] = field(default_factory=list)  # kinds this check does not re-pool yet

    def as_json(self) -> dict:
        return {"compared": self.compared, "max_rel_diff": self.max_rel_diff,
                "mismatches": [m.as_json() for m in self.mismatches], "not_stored": self.not_stored,
                "empty": self.empty, "not_checked": self.not_checked}

    def compare(self, where: str, name: str, stored: float, computed: float) -> None:
        """One value: relative difference (absolute where RevMan stored 0)."""
        scale = abs(stored) if stored != 0 else 1.0
        diff = abs(computed - stored) / scale if math.isfinite(computed) else math.inf
        self.compared += 1
        self.max_rel_diff = max(self.max_rel_diff, diff)
        if diff > AGREEMENT:
            self.mismatches.append(Mismatch(where, name, stored, float(computed)))


def _floats(rows, *names) -> list[np.ndarray]:
    return [np.array([float(row[name]) for row in rows]) for name in names]


def _pool(outcome: Outcome):
    from ..pooling import continuous_effects, pool, pool_dichotomous

    a, rows = outcome.group.attributes, outcome.rows
    model = "random" if a.get("RANDOM") == "YES" else "fixed"
    level = float(a.get("CI_TOTAL") or 95) / 100
    if outcome.kind == "dichotomous":
        return pool_dichotomous(*_floats(rows, "EVENTS_1", "TOTAL_1", "EVENTS_2", "TOTAL_2"),
                                measure=a["EFFECT_MEASURE"], method=a["METHOD"], model=model, level=level)
    effects = continuous_effects(*_floats(rows, "MEAN_1", "SD_1", "TOTAL_1", "MEAN_2", "SD_2", "TOTAL_2"),
                                 measure=a["EFFECT_MEASURE"])
    return pool(effects, model=model, level=level)


def check_rm5(path: str | Path) -> CheckResult:
    """Re-pool every outcome of the file and compare with RevMan's stored values."""
    rm5 = read_rm5(path)
    result = CheckResult(rm5.path)
    for outcome in rm5.outcomes:
        label = f"{outcome.number} {outcome.name}"
        a = outcome.group.attributes
        if outcome.kind == "generic" or outcome.subgroups:
            result.not_checked.append(f"{label}: {'subgroups' if outcome.subgroups else 'generic inverse variance'}"
                                      " are not re-pooled by this check yet")
            continue
        if not outcome.rows:
            result.empty.append(label)
            continue
        if not a.get("EFFECT_SIZE"):
            result.not_stored.append(label)
            continue
        pooled = _pool(outcome)
        natural, summary, het = pooled.conventions.to_natural, pooled.pooled, pooled.heterogeneity
        values = {"EFFECT_SIZE": natural(summary.te[0]), "CI_START": natural(summary.ci_low[0]),
                  "CI_END": natural(summary.ci_high[0]), "Z": abs(summary.z[0]), "CHI2": het.q[0],
                  "DF": het.q_df[0], "I2": het.i2[0]}
        if a.get("RANDOM") == "YES":  # RevMan stores 0 as Tau² of a fixed-effect analysis
            values["TAU2"] = pooled.tau2[0]
        for name, computed in values.items():
            result.compare(label, name, float(a[name]), float(computed))
        estimable = pooled.studies.estimable
        for i, row in enumerate(outcome.rows):
            where = f"{label} / {rm5.studies.get(row.get('STUDY_ID', ''), row.get('STUDY_ID', '?'))}"
            if estimable[i]:
                for name, computed in (("EFFECT_SIZE", natural(pooled.studies.yi[i])),
                                       ("CI_START", natural(pooled.study_ci_low[i])),
                                       ("CI_END", natural(pooled.study_ci_high[i]))):
                    result.compare(where, name, float(row[name]), float(computed))
            result.compare(where, "WEIGHT", float(row["WEIGHT"]), float(pooled.study_weight[i]))
    return result
