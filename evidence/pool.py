"""`evidence pool`: run every planned analysis of a review and store the run.

The `analysis_input` view gives one row per analysis and study; analyses that
share their conventions (measure, fixed-effect method, tau² estimator, level,
model rule) are pooled in one vectorised call; both models are stored for every
analysis, the one the review's rule picks is marked `chosen`; subgroups are
pooled on their own with the test for subgroup differences. Everything is
written back in one transaction, beside what the published review printed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa

from . import __version__, schema
from .db import friendly_errors
from .reviews import resolve_review

PRESET = "revman5"
MODELS = ("fixed", "random")
DICHOTOMOUS_MEASURES = ("RR", "OR", "RD", "PETO")


@dataclass
class ModelResult:
    """One model's pooled estimate of one analysis (or one subgroup of it)."""

    model: str
    chosen: bool
    k: int
    participants: int | None
    events_experimental: int | None
    events_control: int | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    te: float | None
    se: float | None
    statistic: float | None
    p: float | None
    q: float | None
    q_df: int | None
    q_p: float | None
    i2: float | None
    tau2: float | None


@dataclass
class StudyRow:
    study_id: int
    study: str
    subgroup: str | None
    model: str
    te: float | None
    se: float | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    weight: float | None
    estimable: bool


@dataclass
class AnalysisResult:
    analysis_id: int
    analysis: str
    label: str | None
    outcome: str
    measure: str
    method: str
    subgroup_variable: str | None
    conventions: dict[str, Any]
    models: list[ModelResult]
    studies: list[StudyRow] = field(default_factory=list)
    subgroups: dict[str, list[ModelResult]] = field(default_factory=dict)
    subgroup_tests: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    published: dict[str, Any] | None = None
    published_subgroups: dict[str, dict[str, Any]] = field(default_factory=dict)
    explanations: list[str] = field(default_factory=list)

    @property
    def chosen(self) -> ModelResult:
        return next(m for m in self.models if m.chosen)


@dataclass
class PoolRun:
    run_id: int
    review: str
    preset: str
    inputs_hash: str
    analyses: list[AnalysisResult]

    def as_json(self) -> list[dict[str, Any]]:
        """One object per analysis and model (the `--json` contract of `evidence pool`)."""
        out = []
        for a in self.analyses:
            for m in a.models:
                out.append({
                    "analysis": a.analysis, "outcome": a.outcome, "measure": a.measure, "method": a.method,
                    **asdict(m), "run_id": self.run_id, "published": a.published,
                    "subgroups": {name: asdict(next(x for x in ms if x.model == m.model)) for name, ms in a.subgroups.items()} or None,
                    "subgroup_test": a.subgroup_tests.get(m.model),
                    "explanations": a.explanations,
                })
        return out


def _num(value) -> float | None:
    """A float for storage and JSON: None for NaN/inf (an estimate that does not exist)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _int(value) -> int | None:
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else int(value)


@dataclass(frozen=True)
class _Unit:
    """Something pooled on its own: a whole analysis, or one subgroup of it."""

    analysis_id: int
    subgroup: str | None  # None: the whole analysis


def _pool_units(config: tuple, units: list[_Unit], rows_by_unit: dict[_Unit, list[dict]]):
    """Pool all units sharing one configuration in a single vectorised call."""
    from .pooling import generic_effects, pool, pool_dichotomous

    measure, method, tau2, level, rule = config
    flat, group = [], []
    for index, unit in enumerate(units):
        flat.extend(rows_by_unit.get(unit, []))
        group.extend([index] * len(rows_by_unit.get(unit, [])))
    group = np.asarray(group, dtype=np.intp)
    options = dict(n_groups=len(units), model=rule, tau2_method=tau2, level=level, preset=PRESET)
    if measure in DICHOTOMOUS_MEASURES:
        counts = [np.asarray([r[c] for r in flat], dtype=float) for c in ("e_events", "e_total", "c_events", "c_total")]
        measure_for_pool = "OR" if measure == "PETO" else measure
        result = pool_dichotomous(*counts, group, measure=measure_for_pool, method=method, **options)
    else:
        effects = generic_effects(
            np.asarray([r["yi"] for r in flat], dtype=float), se=np.asarray([r["se"] for r in flat], dtype=float),
            measure=measure,
        )
        result = pool(effects, group, **options)
    return flat, group, result


def _model_results(result, g: int, rows: list[dict]) -> list[ModelResult]:
    het = result.heterogeneity
    uses_random = bool(result.uses_random[g])
    participants = sum(r["participants"] for r in rows if r["participants"] is not None) if rows else None
    if rows and any(r["participants"] is None for r in rows):
        participants = None
    def events(column):
        values = [r[column] for r in rows]
        return int(sum(values)) if values and all(v is not None for v in values) else None

    out = []
    for model in MODELS:
        summary = getattr(result, model)
        out.append(ModelResult(
            model=model, chosen=(model == "random") == uses_random, k=int(het.k[g]),
            participants=participants, events_experimental=events("e_events"), events_control=events("c_events"),
            estimate=_num(result.conventions.to_natural(summary.te[g])),
            ci_low=_num(result.conventions.to_natural(summary.ci_low[g])),
            ci_high=_num(result.conventions.to_natural(summary.ci_high[g])),
            te=_num(summary.te[g]), se=_num(summary.se[g]), statistic=_num(summary.z[g]), p=_num(summary.p[g]),
            q=_num(het.q[g]), q_df=_int(het.q_df[g]) if het.k[g] else None, q_p=_num(het.q_p[g]),
            i2=_num(het.i2[g]), tau2=_num(result.tau2[g]),
        ))
    return out


def _inputs_hash(rows: list[dict]) -> str:
    canonical = json.dumps(rows, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def pool_review(engine: sa.Engine, review: str | None = None) -> PoolRun:
    """Pool every planned analysis of the review, store the run, and return it."""
    from .pooling.subgroups import subgroup_differences

    with friendly_errors(), engine.begin() as connection:
        review_id, slug = resolve_review(connection, review)
        rule_of_review = connection.execute(
            sa.select(schema.Review.model_rule).where(schema.Review.id == review_id)
        ).scalar_one()
        analyses = connection.execute(
            sa.select(schema.Analysis.__table__, schema.Outcome.name.label("outcome"))
            .join(schema.Outcome, schema.Outcome.id == schema.Analysis.outcome_id)
            .where(schema.Analysis.review_id == review_id)
            .order_by(schema.Analysis.id)
        ).mappings().all()
        rows = [dict(r) for r in connection.execute(
            sa.text("SELECT * FROM analysis_input WHERE review_id = :id ORDER BY analysis_id, study"), {"id": review_id}
        ).mappings()]

        rows_by_unit: dict[_Unit, list[dict]] = defaultdict(list)
        units_by_config: dict[tuple, list[_Unit]] = defaultdict(list)
        for an in analyses:
            config = (an["measure"], an["method"], an["tau2_method"], an["level"],
                      rule_of_review if an["model"] == "rule" else an["model"])
            units_by_config[config].append(_Unit(an["id"], None))
            mine = [r for r in rows if r["analysis_id"] == an["id"]]
            rows_by_unit[_Unit(an["id"], None)] = mine
            if an["subgroup"]:
                for value in sorted({r["subgroup"] or "(not assigned)" for r in mine}):
                    unit = _Unit(an["id"], value)
                    units_by_config[config].append(unit)
                    rows_by_unit[unit] = [r for r in mine if (r["subgroup"] or "(not assigned)") == value]

        results: dict[int, AnalysisResult] = {}
        for an in analyses:
            results[an["id"]] = AnalysisResult(
                an["id"], an["name"], an["label"], an["outcome"], an["measure"], an["method"], an["subgroup"], {}, []
            )
        for config, units in units_by_config.items():
            flat, group, result = _pool_units(config, units, rows_by_unit)
            conventions = result.conventions
            for g, unit in enumerate(units):
                target = results[unit.analysis_id]
                models = _model_results(result, g, rows_by_unit[unit])
                if unit.subgroup is not None:
                    target.subgroups[unit.subgroup] = models
                    continue
                target.models = models
                target.conventions = {
                    "measure": target.measure, "scale": conventions.scale, "method": conventions.fixed_method,
                    "tau2_method": conventions.tau2_method, "ci_method": conventions.ci_method,
                    "zero_cell_rule": conventions.zero_cell_rule, "preset": conventions.preset, "level": conventions.level,
                }
                for i in np.flatnonzero(group == g):
                    row = flat[i]
                    for model in MODELS:
                        target.studies.append(StudyRow(
                            row["study_id"], row["study"], row["subgroup"], model,
                            _num(result.studies.yi[i]), _num(result.studies.se[i]),
                            _num(conventions.to_natural(result.studies.yi[i])),
                            _num(conventions.to_natural(result.study_ci_low[i])),
                            _num(conventions.to_natural(result.study_ci_high[i])),
                            _num(getattr(result, model).weight[i]), bool(result.studies.estimable[i]),
                        ))
        for target in results.values():
            if target.subgroups:
                names = list(target.subgroups)
                for m_index, model in enumerate(MODELS):
                    te = [target.subgroups[n][m_index].te for n in names]
                    se = [target.subgroups[n][m_index].se for n in names]
                    test = subgroup_differences(
                        np.array(te, dtype=float), np.array(se, dtype=float), np.zeros(len(names), np.intp), 1
                    )
                    target.subgroup_tests[model] = {"q": _num(test.q[0]), "df": int(test.df[0]), "p": _num(test.p[0])}

        _attach_published(connection, results)
        _explain(connection, review_id, results, rows)
        inputs_hash = _inputs_hash(rows)
        run_id = _write_run(connection, review_id, inputs_hash, list(results.values()))
    return PoolRun(run_id, slug, PRESET, inputs_hash, list(results.values()))


def _attach_published(connection: sa.Connection, results: dict[int, AnalysisResult]) -> None:
    published = connection.execute(
        sa.select(schema.PublishedResult.__table__).where(schema.PublishedResult.analysis_id.in_(list(results)))
    ).mappings()
    for p in published:
        entry = {
            "k": p["k"], "model": p["model"], "estimate": p["estimate"], "ci_low": p["ci_low"],
            "ci_high": p["ci_high"], "p": p["p_text"], "i2": p["i2_text"], "q_p": p["q_p_text"],
            "events_experimental": p["events_experimental"], "events_control": p["events_control"],
            "source": p["source"],
        }
        if p["subgroup"] is None:
            results[p["analysis_id"]].published = entry
        else:
            results[p["analysis_id"]].published_subgroups[p["subgroup"]] = entry


def _explain(connection: sa.Connection, review_id: int, results: dict[int, AnalysisResult], rows: list[dict]) -> None:
    """Say why a recomputed result differs from the published one, from what the store knows."""
    included = connection.execute(
        sa.select(schema.Study.id, schema.Study.label)
        .where(schema.Study.review_id == review_id, schema.Study.status == "included")
        .order_by(schema.Study.label)
    ).all()
    corrections = connection.execute(
        sa.select(schema.Study.label, schema.Arm.role, schema.Correction.field, schema.Correction.printed,
                  schema.Correction.corrected)
        .join(schema.Arm, schema.Arm.id == schema.Correction.row_id)
        .join(schema.Study, schema.Study.id == schema.Arm.study_id)
        .where(schema.Correction.table_name == "arm", schema.Correction.review_id == review_id)
    ).all()
    # Other reports of the same quantity (an interim cut-off, a CI at another level) per analysis.
    alternatives = connection.execute(sa.text(
        "SELECT DISTINCT an.id, s.label FROM analysis an"
        " JOIN contrast_estimate ce ON ce.outcome_id = an.outcome_id AND ce.variant <> an.variant AND ce.estimate IS NOT NULL"
        " JOIN study s ON s.id = ce.study_id WHERE an.review_id = :id"
        " UNION SELECT DISTINCT an.id, s.label FROM analysis an"
        " JOIN dichotomous_data d ON d.outcome_id = an.outcome_id AND d.variant <> an.variant AND d.events IS NOT NULL"
        " JOIN arm a ON a.id = d.arm_id JOIN study s ON s.id = a.study_id WHERE an.review_id = :id"
    ), {"id": review_id}).all()
    for target in results.values():
        others = sorted(label for analysis_id, label in alternatives if analysis_id == target.analysis_id)
        target.explanations = explain_difference(target, [label for _, label in included], rows, corrections, others)


def explain_difference(
    result: AnalysisResult, included: list[str], rows: list[dict], corrections, alternatives: list[str] = ()
) -> list[str]:
    """Sentences on why the store's chosen estimate and the published one differ (empty: no published result)."""
    published = result.published
    if published is None:
        return []
    mine = [r for r in rows if r["analysis_id"] == result.analysis_id]
    chosen = result.chosen
    reasons = []
    with_data = sorted({r["study"] for r in mine})
    without = [s for s in included if s not in with_data]
    if published["k"] is not None and chosen.k != published["k"]:
        reasons.append(
            f"fewer trials with sourced data: {chosen.k} of the {published['k']} the review pooled"
            + (f" (no sourced value for {', '.join(without)})" if without else "")
        )
    elif published["k"] is None and without:
        reasons.append(f"the review does not say how many trials it pooled; no sourced value for {', '.join(without)}")
    derived = sum(1 for r in mine if r["derived_from_percent"])
    if derived:
        reasons.append(f"{derived} of {len(mine)} trials' counts are derived from rounded percentages (may be off by one)")
    for study, role, column, printed, corrected in corrections:
        # A misprinted arm size matters where the arm's total is a denominator.
        if result.measure in DICHOTOMOUS_MEASURES and study in with_data and column == "randomised_n":
            reasons.append(
                f"table 1 misprints {study}'s {role} n as {printed} ({corrected} randomised); the review may have used the misprinted denominator"
            )
    if alternatives:
        reasons.append(
            f"other reports of this outcome exist for {', '.join(alternatives)} (another data cut-off or CI level);"
            " the review may have used one of them"
        )
    if published["model"] and chosen.k and published["model"] != chosen.model:
        reasons.append(f"the review's rule picks the {chosen.model}-effect model on these data; the review reported {published['model']} effects")
    if (
        published["events_experimental"] is not None and chosen.events_experimental is not None
        and (published["events_experimental"], published["events_control"]) != (chosen.events_experimental, chosen.events_control)
    ):
        reasons.append(
            f"the review counts {published['events_experimental']} vs {published['events_control']} events;"
            f" the sourced data give {chosen.events_experimental} vs {chosen.events_control}"
        )
    if chosen.estimate is not None and published["estimate"] is not None:
        same = all(
            published[key] is not None and round(getattr(chosen, key), 2) == round(published[key], 2)
            for key in ("estimate", "ci_low", "ci_high")
        )
        if same and chosen.k == (published["k"] or chosen.k):
            return ["reproduces the published estimate and CI to 2 decimals"]
        if not reasons:
            reasons.append("differs with the same trials; no data-level reason found (check the published analysis)")
    elif chosen.estimate is None:
        reasons.insert(0, "cannot be recomputed: no trial has sourced data for this outcome")
    return reasons


def _write_run(connection: sa.Connection, review_id: int, inputs_hash: str, results: list[AnalysisResult]) -> int:
    run_id = connection.execute(
        sa.insert(schema.AnalysisRun)
        .values(review_id=review_id, software_version=__version__, preset=PRESET, inputs_hash=inputs_hash,
                review_update_id=sa.select(sa.func.max(schema.ReviewUpdate.id))
                .where(schema.ReviewUpdate.review_id == review_id).scalar_subquery())
        .returning(schema.AnalysisRun.id)
    ).scalar_one()
    pooled, subgroups, tests, studies = [], [], [], []
    for r in results:
        base = {"run_id": run_id, "analysis_id": r.analysis_id}
        for m in r.models:
            pooled.append({**base, **asdict(m), **r.conventions})
        for name, models in r.subgroups.items():
            for m in models:
                subgroups.append({**base, "subgroup": name, **asdict(m), **r.conventions})
        for model, test in r.subgroup_tests.items():
            tests.append({**base, "model": model, **test})
        for s in r.studies:
            studies.append({**base, **{k: v for k, v in asdict(s).items() if k not in ("study", "subgroup")}})
    for table, values in ((schema.PooledResult, pooled), (schema.SubgroupResult, subgroups),
                          (schema.SubgroupTest, tests), (schema.StudyResult, studies)):
        if values:
            connection.execute(sa.insert(table), values)
    return run_id
