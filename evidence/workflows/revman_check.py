"""`evidence rm5 check`: import a RevMan 5 file into a temporary store, pool every outcome there
with the settings the file names, and compare with the results RevMan stored beside them.

Compared, per outcome: the pooled effect and its CI, |Z|, Chi², df, I², Tau² (random effects);
per study: effect, CI and weight (a study RevMan marks not estimable: its weight). P-values are
not compared: RevMan's come from approximations that differ from the exact tails by up to 2e-6
(tests/pooling/tolerances.py). An outcome without study rows, or whose results RevMan did not
store, is listed, not counted as a match. Subgroups: each subgroup's pooled values, and the
outcome's Q and I2_Q (the test for subgroup differences). Generic inverse-variance outcomes are
compared like the others (a ratio row's EFFECT_SIZE on the scale the importer read it in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from evidence.formats.revman import Outcome, read_rm5

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

    def as_json(self) -> dict:
        return {"compared": self.compared, "max_rel_diff": self.max_rel_diff,
                "mismatches": [m.as_json() for m in self.mismatches], "not_stored": self.not_stored,
                "empty": self.empty}

    def compare(self, where: str, name: str, stored: float, computed: float) -> None:
        """One value: relative difference (absolute where RevMan stored 0)."""
        scale = abs(stored) if stored != 0 else 1.0
        diff = abs(computed - stored) / scale if math.isfinite(computed) else math.inf
        self.compared += 1
        self.max_rel_diff = max(self.max_rel_diff, diff)
        if diff > AGREEMENT:
            self.mismatches.append(Mismatch(where, name, stored, float(computed)))


def check_rm5(path: str | Path) -> CheckResult:
    """Import into a temporary DuckDB store, pool, and compare the store's results with RevMan's."""
    import tempfile

    import sqlalchemy as sa

    from evidence.store import database as db
    from evidence.workflows.pool import pool_reviews
    from evidence.workflows.revman import import_rm5

    rm5 = read_rm5(path)
    result = CheckResult(rm5.path)
    with tempfile.TemporaryDirectory() as folder:
        url = f"duckdb:///{Path(folder) / 'check.duckdb'}"
        db.init(url)
        engine = db.create_engine(url)
        try:
            slug = import_rm5(engine, path).slug
            (run,) = pool_reviews(engine, [slug], describe=False)
            with engine.connect() as connection:
                pooled = {(r["name"], r["model"]): r for r in connection.execute(sa.text(
                    "SELECT an.name, pr.* FROM pooled_result pr JOIN analysis an ON an.id = pr.analysis_id"
                    " WHERE pr.run_id = :run"), {"run": run.run_id}).mappings()}
                studies = {(r["name"], r["label"]): r for r in connection.execute(sa.text(
                    "SELECT an.name, s.label, sr.* FROM study_result sr JOIN analysis an ON an.id = sr.analysis_id"
                    " JOIN study s ON s.id = sr.study_id WHERE sr.run_id = :run"), {"run": run.run_id}).mappings()}
                for r in connection.execute(sa.text(
                        "SELECT an.name, sg.* FROM subgroup_result sg JOIN analysis an ON an.id = sg.analysis_id"
                        " WHERE sg.run_id = :run"), {"run": run.run_id}).mappings():
                    pooled[r["name"], r["model"], r["subgroup"]] = r
                for r in connection.execute(sa.text(
                        "SELECT an.name, t.* FROM subgroup_test t JOIN analysis an ON an.id = t.analysis_id"
                        " WHERE t.run_id = :run"), {"run": run.run_id}).mappings():
                    pooled[r["name"], r["model"], "test"] = r
        finally:
            engine.dispose()
    for outcome in rm5.outcomes:
        _compare_outcome(result, rm5, outcome, pooled, studies)
    return result


def _stored(attributes: dict, name: str) -> float | None:
    """A number RevMan stored, or None where it stored none (or something that is not a number)."""
    try:
        value = float(attributes.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _compare_summary(result: CheckResult, where: str, stored: dict, mine: dict, model: str) -> None:
    values = {"EFFECT_SIZE": mine["estimate"], "CI_START": mine["ci_low"], "CI_END": mine["ci_high"],
              "Z": abs(mine["statistic"]), "CHI2": mine["q"], "DF": mine["q_df"], "I2": mine["i2"]}
    if model == "random":  # RevMan stores 0 as Tau² of a fixed-effect analysis
        values["TAU2"] = mine["tau2"]
    for name, computed in values.items():
        if _stored(stored, name) is not None:  # a value RevMan did not store is not compared
            result.compare(where, name, _stored(stored, name), float(computed))


def _entered_as_log(outcome: Outcome, row: dict, where: str) -> bool:
    """Whether a generic ratio row's EFFECT_SIZE holds ln(ratio), as the importer read it (its CI decides)."""
    from evidence.workflows.revman import generic_row, is_ratio

    if not is_ratio(outcome):
        return False
    entered = generic_row(row, where)
    effect = _stored(row, "EFFECT_SIZE")
    return entered is not None and effect is not None and not (effect > 0 and math.isclose(math.log(effect), entered[0]))


def _compare_outcome(result: CheckResult, rm5, outcome: Outcome, pooled: dict, studies: dict) -> None:
    label = f"{outcome.number} {outcome.name}"
    a = outcome.group.attributes
    if not outcome.rows:
        result.empty.append(label)
        return
    if not a.get("EFFECT_SIZE", "").strip():
        result.not_stored.append(label)
        return
    model = "random" if a.get("RANDOM") == "YES" else "fixed"
    _compare_summary(result, label, a, pooled[outcome.number, model], model)
    for group in outcome.subgroups:
        if group.attributes.get("EFFECT_SIZE") and group.rows:
            _compare_summary(result, f"{label} / subgroup {group.name}", group.attributes,
                             pooled[outcome.number, model, group.name], model)
    if outcome.subgroups and a.get("SUBGROUP_TEST") == "YES" and a.get("Q"):
        # The outcome's Q and I2_Q are the test for subgroup differences (../shared/data/rm5/README.md).
        test = pooled[outcome.number, model, "test"]
        q, df = float(test["q"]), int(test["df"])
        result.compare(f"{label} / subgroup differences", "Q", float(a["Q"]), q)
        result.compare(f"{label} / subgroup differences", "I2_Q", float(a["I2_Q"]), max(0.0, (q - df) / q) * 100 if q > 0 else 0.0)
    names = {d.id: d.name or d.id for d in rm5.study_details} or dict(rm5.studies)
    seen: dict[str, int] = {}
    for row in outcome.rows:
        k = seen[row["STUDY_ID"]] = seen.get(row["STUDY_ID"], 0) + 1
        unit = names.get(row["STUDY_ID"], row["STUDY_ID"]) + (f" ({k})" if k > 1 else "")
        where = f"{label} / {unit}"
        study = studies[outcome.number, unit]
        if study["estimable"]:
            for name in ("EFFECT_SIZE", "CI_START", "CI_END"):
                computed = float(study[{"EFFECT_SIZE": "estimate", "CI_START": "ci_low", "CI_END": "ci_high"}[name]])
                if name == "EFFECT_SIZE" and outcome.kind == "generic" and _entered_as_log(outcome, row, where):
                    computed = math.log(computed)
                if _stored(row, name) is not None:
                    result.compare(where, name, _stored(row, name), computed)
        if _stored(row, "WEIGHT") is not None:
            result.compare(where, "WEIGHT", _stored(row, "WEIGHT"), float(study[f"weight_{model}"] or 0.0))
