"""`evidence pool`: run every planned analysis of one or many reviews and store the runs.

The `analysis_input` view gives one row per analysis and study. Analyses that
share their conventions (measure, fixed-effect method, tau² estimator, level,
model rule) are pooled in one vectorised call, whatever their review; both
models are stored for every analysis and the one the review's rule picks is
marked `chosen`; subgroups are pooled on their own with the test for subgroup
differences. Results are written back column-wise through the engines' bulk
paths in one transaction, and set beside what the published review printed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa

from evidence.store import schema
from evidence.store.bulk import allocate_ids, insert_columns, read_columns
from evidence.store.database import friendly_errors
from evidence.version import __version__
from evidence.workflows.reviews import resolve_review

PRESET = "revman5"
MODELS = ("fixed", "random")
DICHOTOMOUS_MEASURES = ("RR", "OR", "RD", "PETO")
NOT_ASSIGNED = "(not assigned)"
INPUT_COLUMNS = ("analysis_id", "review_id", "study_id", "study", "comparison", "subgroup", "e_events", "e_total",
                 "c_events", "c_total", "yi", "se", "participants", "derived_from_percent")
NUMERIC_INPUTS = ("e_events", "e_total", "c_events", "c_total", "yi", "se", "participants")
# Columns of pooled_result / subgroup_result that hold whole numbers.
INTEGER_COLUMNS = ("k", "participants", "events_experimental", "events_control", "q_df")


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
class AnalysisResult:
    analysis_id: int
    analysis: str
    label: str | None
    outcome: str
    measure: str
    method: str
    subgroup_variable: str | None
    models: list[ModelResult]
    subgroups: dict[str, list[ModelResult]] = field(default_factory=dict)
    subgroup_tests: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    published: dict[str, Any] | None = None
    published_subgroups: dict[str, dict[str, Any]] = field(default_factory=dict)
    explanations: list[str] = field(default_factory=list)
    review_id: int | None = None
    # Included studies with no usable data for this analysis (PRISMA 2020: included, no data).
    without_data: list[str] = field(default_factory=list)

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
                    "subgroups": {name: asdict(next(x for x in ms if x.model == m.model))
                                  for name, ms in a.subgroups.items()} or None,
                    "subgroup_test": a.subgroup_tests.get(m.model),
                    "explanations": a.explanations, "without_data": a.without_data,
                })
        return out


# ---------------------------------------------------------------- computing

class _Columns(dict):
    """Result rows column-wise: {column: list of arrays}, joined once at the end."""

    def add(self, **columns) -> None:
        for name, values in columns.items():
            self.setdefault(name, []).append(np.asarray(values))

    def joined(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(parts) for name, parts in self.items()}


@dataclass
class Computation:
    """Everything one pooling pass computed, column-wise, ready to be written."""

    pooled: dict[str, np.ndarray]  # one row per analysis and model
    subgroups: dict[str, np.ndarray]  # one row per analysis, subgroup and model
    tests: dict[str, np.ndarray]  # one row per analysis with subgroups and model
    studies: dict[str, np.ndarray]  # one row per input row, with both models' weights
    cumulative: dict[str, np.ndarray] | None = None  # one row per analysis, step and model (when asked)


def _group_total(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Sum per group (n,), NaN where any value is missing or the group is empty."""
    missing = np.bincount(group, weights=np.isnan(values), minlength=n) > 0
    count = np.bincount(group, minlength=n)
    total = np.bincount(group, weights=np.nan_to_num(values), minlength=n)
    return np.where(missing | (count == 0), np.nan, total)


def analysis_config(analysis: dict[str, Any], counted: bool, model: str | None = None) -> tuple:
    """How one analysis is pooled, as `pool_call` takes it: analyses with equal configs pool in one call.

    counted: whether its rows carry 2x2 counts; a ratio without them (estimates only, e.g. a RevMan
    generic inverse-variance outcome) is pooled from ln(ratio) and SE. model: "fixed" or "random"
    in place of the review's rule (leave-one-out and other re-poolings that force one).
    """
    return (analysis["measure"], analysis["method"], analysis["tau2_method"], float(analysis["level"]),
            model or analysis["rule"], counted)


def pool_call(config: tuple, inputs: dict[str, np.ndarray], rows: np.ndarray, group: np.ndarray, n_groups: int):
    """One vectorised pooling call for the given input rows, grouped into n_groups units."""
    from evidence.core.pooling import generic_effects, pool, pool_dichotomous

    measure, method, tau2, level, rule, counted = config
    options = dict(n_groups=n_groups, model=rule, tau2_method=tau2, level=level, preset=PRESET)
    if measure in DICHOTOMOUS_MEASURES and counted:
        counts = [inputs[c][rows] for c in ("e_events", "e_total", "c_events", "c_total")]
        return pool_dichotomous(*counts, group, measure="OR" if measure == "PETO" else measure, method=method, **options)
    effects = generic_effects(inputs["yi"][rows], se=inputs["se"][rows], measure=measure)
    return pool(effects, group, **options)


def _summaries(result, inputs, rows, group, n_groups) -> dict[str, np.ndarray]:
    """Both models' summaries of n_groups units, as columns of 2 * n_groups rows (fixed first)."""
    het, natural = result.heterogeneity, result.conventions.to_natural
    per_unit = {
        "k": het.k.astype(float),
        "participants": _group_total(inputs["participants"][rows], group, n_groups),
        "events_experimental": _group_total(inputs["e_events"][rows], group, n_groups),
        "events_control": _group_total(inputs["c_events"][rows], group, n_groups),
        "q": het.q, "q_df": np.where(het.k > 0, het.q_df, np.nan), "q_p": het.q_p, "i2": het.i2, "tau2": result.tau2,
    }
    columns = _Columns()
    for model in MODELS:
        summary = getattr(result, model)
        columns.add(
            model=np.full(n_groups, model), chosen=(model == "random") == result.uses_random,
            estimate=natural(summary.te), ci_low=natural(summary.ci_low), ci_high=natural(summary.ci_high),
            te=summary.te, se=summary.se, statistic=summary.z, p=summary.p, **per_unit,
        )
    c = result.conventions
    joined = columns.joined()
    size = 2 * n_groups
    joined.update(
        measure=np.full(size, c.measure), scale=np.full(size, c.scale), method=np.full(size, c.fixed_method),
        tau2_method=np.full(size, c.tau2_method), ci_method=np.full(size, c.ci_method),
        zero_cell_rule=np.full(size, c.zero_cell_rule), preset=np.full(size, c.preset), level=np.full(size, c.level),
    )
    return joined


def _cumulative(config, inputs, rows, group, n_members, analysis_ids, order) -> dict[str, list]:
    """Cumulative meta-analysis of the analyses of one config: step j pools the first j studies in
    `order` (rank (n,) over all input rows); both models per step, as columns of 2 * steps rows."""
    from evidence.core.pooling.sensitivity import cumulative

    rank, year = order
    resampled = cumulative(lambda sel, owner, n: pool_call(config, inputs, rows[sel], owner, n),
                           group, n_members, rank[rows])
    added = rows[resampled.study]  # the input row each step adds, ordered by analysis then step
    n = added.shape[0]
    first = np.r_[True, resampled.parent[1:] != resampled.parent[:-1]] if n else np.zeros(0, bool)
    block = np.maximum.accumulate(np.where(first, np.arange(n), 0))

    def running(values):  # within-analysis running sum; NaN once any value so far is missing
        total, missing = np.cumsum(np.nan_to_num(values)), np.cumsum(np.isnan(values))
        start_total = total[block] - np.nan_to_num(values)[block]
        start_missing = missing[block] - np.isnan(values)[block]
        return np.where(missing - start_missing > 0, np.nan, total - start_total)

    result, het, natural = resampled.result, resampled.result.heterogeneity, resampled.result.conventions.to_natural
    columns = _Columns()
    for model in MODELS:
        summary = getattr(result, model)
        columns.add(
            analysis_id=analysis_ids[resampled.parent], step=np.arange(n) - block + 1,
            study_id=inputs["study_id"][added], year=year[added], model=np.full(n, model),
            chosen=(model == "random") == result.uses_random, k=het.k.astype(float),
            participants=running(inputs["participants"][added].astype(float)),
            estimate=natural(summary.te), ci_low=natural(summary.ci_low), ci_high=natural(summary.ci_high),
            te=summary.te, se=summary.se, statistic=summary.z, p=summary.p, i2=het.i2, tau2=result.tau2,
        )
    return columns


def compute(inputs: dict[str, np.ndarray], analyses: list[dict[str, Any]],
            publication: tuple[np.ndarray, np.ndarray] | None = None) -> Computation:
    """Pool every analysis in `analyses` from the input rows (column-wise, as read from analysis_input).

    analyses: dicts with id, measure, method, tau2_method, level, rule (the model rule's name)
    and subgroup; inputs: INPUT_COLUMNS arrays of one length, rows of those analyses.
    publication, when given: (rank, year) per input row (n,): a cumulative meta-analysis of
    every analysis is added in rank order.
    """
    from evidence.core.pooling.subgroups import subgroup_differences

    analysis_ids = np.array([a["id"] for a in analyses], dtype=np.int64)
    order = np.argsort(analysis_ids)
    row_analysis = order[np.searchsorted(analysis_ids[order], inputs["analysis_id"].astype(np.int64))]
    counted = np.bincount(row_analysis, weights=~np.isnan(inputs["e_events"].astype(float)), minlength=len(analyses)) > 0
    configs: dict[tuple, int] = {}
    config_of = np.array([configs.setdefault(analysis_config(a, bool(counted[i])), len(configs))
                          for i, a in enumerate(analyses)])
    has_subgroup = np.array([bool(a["subgroup"]) for a in analyses])
    pooled, subgroups, tests, studies, cumulative = _Columns(), _Columns(), _Columns(), _Columns(), _Columns()
    for config, c in configs.items():
        members = np.flatnonzero(config_of == c)
        local = np.full(len(analyses), -1)
        local[members] = np.arange(len(members))
        rows = np.flatnonzero(local[row_analysis] >= 0)
        group = local[row_analysis[rows]]
        result = pool_call(config, inputs, rows, group, len(members))
        summary = _summaries(result, inputs, rows, group, len(members))
        pooled.add(analysis_id=np.tile(analysis_ids[members], 2), **summary)
        natural = result.conventions.to_natural
        studies.add(
            analysis_id=analysis_ids[row_analysis[rows]], study_id=inputs["study_id"][rows],
            comparison=inputs["comparison"][rows], te=result.studies.yi, se=result.studies.se, estimate=natural(result.studies.yi),
            ci_low=natural(result.study_ci_low), ci_high=natural(result.study_ci_high),
            weight_fixed=result.fixed.weight, weight_random=result.random.weight, estimable=result.studies.estimable,
        )
        if publication is not None and len(rows):
            for name, parts in _cumulative(config, inputs, rows, group, len(members), analysis_ids[members],
                                           publication).items():
                cumulative.setdefault(name, []).extend(parts)
        split = rows[has_subgroup[row_analysis[rows]]]
        if len(split):
            units: dict[tuple, int] = {}
            labels = [value or NOT_ASSIGNED for value in inputs["subgroup"][split]]
            sub_group = np.array([units.setdefault((a, v), len(units)) for a, v in zip(row_analysis[split], labels)])
            sub_result = pool_call(config, inputs, split, sub_group, len(units))
            sub_summary = _summaries(sub_result, inputs, split, sub_group, len(units))
            parent_analysis = np.array([a for a, _ in units])
            subgroups.add(analysis_id=np.tile(analysis_ids[parent_analysis], 2),
                          subgroup=np.tile(np.array([v for _, v in units], dtype=object), 2), **sub_summary)
            parents, parent_of_unit = np.unique(parent_analysis, return_inverse=True)
            for model in MODELS:
                summary_of = getattr(sub_result, model)
                test = subgroup_differences(summary_of.te, summary_of.se, parent_of_unit, len(parents))
                tests.add(analysis_id=analysis_ids[parents], model=np.full(len(parents), model),
                          q=test.q, df=test.df, p=test.p)
    return Computation(pooled.joined(), subgroups.joined(), tests.joined(), studies.joined(),
                       cumulative.joined() if publication is not None else None)


# ---------------------------------------------------------------- reading and writing

def read_inputs(connection: sa.Connection, review_ids: list[int]) -> dict[str, np.ndarray]:
    statement = sa.text(
        f"SELECT {', '.join(INPUT_COLUMNS)} FROM analysis_input WHERE review_id IN :ids"
        " ORDER BY analysis_id, study_id, comparison"
    ).bindparams(sa.bindparam("ids", value=review_ids, expanding=True))
    return read_columns(connection, statement, NUMERIC_INPUTS)


def read_analyses(connection: sa.Connection, review_ids: list[int]) -> list[dict[str, Any]]:
    a, o, r = schema.Analysis, schema.Outcome, schema.Review
    statement = (
        sa.select(a.id, a.review_id, a.name, a.label, a.measure, a.method, a.model, a.tau2_method, a.level,
                  a.subgroup, o.name.label("outcome"), r.model_rule)
        .join(o, o.id == a.outcome_id).join(r, r.id == a.review_id)
        .where(a.review_id.in_(review_ids)).order_by(a.id)
    )
    analyses = [dict(row) for row in connection.execute(statement).mappings()]
    for analysis in analyses:
        analysis["rule"] = analysis["model_rule"] if analysis["model"] == "rule" else analysis["model"]
    return analyses


def publication_order(connection: sa.Connection, review_ids: list[int], study_ids: np.ndarray):
    """(rank, year) per input row: studies by year of publication (the study's year, else its earliest
    journal report's, else its earliest report's; unknown last), then label."""
    rows = connection.execute(sa.text(
        "SELECT s.study_id, s.label, COALESCE(s.year, MIN(r.year) FILTER (WHERE r.kind = 'journal'), MIN(r.year))"
        " FROM study_current s LEFT JOIN report r ON r.study_id = s.study_id WHERE s.review_id IN :ids"
        " GROUP BY s.study_id, s.label, s.year").bindparams(sa.bindparam("ids", expanding=True)),
        {"ids": review_ids}).all()
    ranked = sorted(rows, key=lambda r: (r[2] is None, r[2] or 0, r[1]))
    rank = {study: position for position, (study, _, _) in enumerate(ranked)}
    year = {study: (np.nan if y is None else float(y)) for study, _, y in rows}
    ids = study_ids.astype(np.int64).tolist()
    return (np.array([rank[s] for s in ids], dtype=np.int64), np.array([year[s] for s in ids], dtype=float))


def inputs_hashes(inputs: dict[str, np.ndarray], review_ids: list[int]) -> dict[int, str]:
    """sha256 of each review's input rows (in analysis, study order): equal hashes, equal inputs."""
    reviews = inputs["review_id"].astype(np.int64)
    order = np.argsort(reviews, kind="stable")
    bounds = np.searchsorted(reviews[order], review_ids, side="left"), np.searchsorted(reviews[order], review_ids, side="right")
    hashes = {}
    for review_id, start, stop in zip(review_ids, *bounds):
        rows = order[start:stop]
        digest = hashlib.sha256()
        for name in INPUT_COLUMNS:
            values = inputs[name][rows]
            if name == "comparison" and not any(values):
                continue  # a review of two-arm trials hashes as it did before comparisons existed
            digest.update(name.encode())
            digest.update(values.tobytes() if values.dtype.kind == "f" else "\x1f".join(map(str, values)).encode())
        hashes[review_id] = digest.hexdigest()
    return hashes


def _write(connection: sa.Connection, computation: Computation, run_of_analysis: dict[int, int]) -> None:
    """Bulk-write the results; their ids come from the tables' own sequence defaults."""
    lookup_ids = np.array(sorted(run_of_analysis), dtype=np.int64)
    lookup_runs = np.array([run_of_analysis[a] for a in lookup_ids.tolist()], dtype=np.int64)
    for model, columns in ((schema.PooledResult, computation.pooled), (schema.SubgroupResult, computation.subgroups),
                           (schema.SubgroupTest, computation.tests), (schema.StudyResult, computation.studies),
                           (schema.CumulativeResult, computation.cumulative)):
        if not columns or not len(columns["analysis_id"]):
            continue
        run_ids = lookup_runs[np.searchsorted(lookup_ids, columns["analysis_id"].astype(np.int64))]
        insert_columns(connection, model.__table__, {**columns, "run_id": run_ids})


def pool_reviews(
    engine: sa.Engine, reviews: list[str] | None = None, *, describe: bool = True, timings: dict | None = None
) -> list[PoolRun]:
    """Pool every planned analysis of the named reviews (default: all) in one pass; one stored run per review.

    describe=False skips building the per-analysis summaries and explanations
    (the benchmark's re-pool of thousands of analyses needs only the tables).
    timings, when given, receives the seconds spent reading, pooling and writing.
    """
    clock = _Clock(timings)
    with friendly_errors(), engine.begin() as connection:
        known = dict(connection.execute(sa.select(schema.Review.slug, schema.Review.id)).all())
        if reviews is None:
            selected = dict(sorted(known.items()))
        else:
            for slug in reviews:
                if slug not in known:
                    resolve_review(connection, slug)  # raises NotFoundError naming the reviews there are
            selected = {slug: known[slug] for slug in reviews}
        return pool_on_connection(connection, selected, describe=describe, clock=clock)


def pool_on_connection(connection: sa.Connection, selected: dict[str, int], *, describe: bool = True,
                       cumulative: bool | None = None, clock: "_Clock | None" = None) -> list[PoolRun]:
    """Pool the selected reviews ({slug: id}) inside the caller's transaction; one stored run per review.

    Each run belongs to the review's latest update. Loading an update calls this
    in the update's own transaction, so the update and its run land together.
    cumulative (default: describe) also stores each analysis's cumulative meta-analysis.
    """
    clock = clock or _Clock(None)
    review_ids = list(selected.values())
    analyses = read_analyses(connection, review_ids)
    inputs = read_inputs(connection, review_ids)
    # The benchmark's re-pool of thousands of analyses skips the cumulative ones.
    order = publication_order(connection, review_ids, inputs["study_id"]) if (describe if cumulative is None else cumulative) else None
    clock.lap("read")
    computation = compute(inputs, analyses, order)
    clock.lap("pool")

    run_ids = allocate_ids(connection, "analysis_run", len(review_ids))
    hashes = inputs_hashes(inputs, review_ids)
    latest_update = dict(connection.execute(
        sa.select(schema.ReviewUpdate.review_id, sa.func.max(schema.ReviewUpdate.id))
        .group_by(schema.ReviewUpdate.review_id)).all())
    insert_columns(connection, schema.AnalysisRun.__table__, {
        "id": run_ids, "review_id": review_ids,
        "review_update_id": [latest_update.get(r) for r in review_ids],
        "software_version": [__version__] * len(review_ids), "preset": [PRESET] * len(review_ids),
        "inputs_hash": [hashes[r] for r in review_ids],
    })
    run_of_review = dict(zip(review_ids, run_ids))
    run_of_analysis = {a["id"]: run_of_review[a["review_id"]] for a in analyses}
    _write(connection, computation, run_of_analysis)
    clock.lap("write")
    if not describe:
        return [PoolRun(run_of_review[r], slug, PRESET, hashes[r], []) for slug, r in selected.items()]
    results = _describe(computation, analyses)
    _attach_published(connection, results)
    _explain(connection, review_ids, results, inputs)
    return [
        PoolRun(run_of_review[r], slug, PRESET, hashes[r], [x for a, x in results.items() if x.review_id == r])
        for slug, r in selected.items()
    ]


class _Clock:
    """Seconds between laps, into a caller's dict (or nowhere)."""

    def __init__(self, timings: dict | None):
        import time

        self._now, self.timings = time.perf_counter, timings
        self._last = self._now()

    def lap(self, name: str) -> None:
        now = self._now()
        if self.timings is not None:
            self.timings[name] = now - self._last
        self._last = now


def pool_review(engine: sa.Engine, review: str | None = None) -> PoolRun:
    """Pool every planned analysis of one review (the only one when none is named) and store the run."""
    with friendly_errors(), engine.connect() as connection:
        _, slug = resolve_review(connection, review)
    return pool_reviews(engine, [slug])[0]


def _models_from(columns: dict[str, np.ndarray], index: np.ndarray) -> list[ModelResult]:
    """ModelResult objects for the given rows of a column-wise summary table."""
    out = []
    for i in index:
        values = {}
        for name in ModelResult.__dataclass_fields__:
            value = columns[name][i]
            if name == "model":
                values[name] = str(value)
            elif name == "chosen":
                values[name] = bool(value)
            elif name in INTEGER_COLUMNS:
                values[name] = None if value != value else int(value)
            else:
                values[name] = None if value != value else float(value)
        out.append(ModelResult(**values))
    return out


def _describe(computation: Computation, analyses: list[dict[str, Any]]) -> dict[int, AnalysisResult]:
    """Per-analysis summaries (both models, subgroups, tests) for printing and JSON."""
    by_analysis = defaultdict(list)
    for i, analysis_id in enumerate(computation.pooled["analysis_id"].tolist()):
        by_analysis[analysis_id].append(i)
    subgroup_rows = defaultdict(lambda: defaultdict(list))
    if computation.subgroups:
        for i, (analysis_id, name) in enumerate(zip(computation.subgroups["analysis_id"].tolist(),
                                                     computation.subgroups["subgroup"].tolist())):
            subgroup_rows[analysis_id][name].append(i)
    results = {}
    for a in analyses:
        result = AnalysisResult(a["id"], a["name"], a["label"], a["outcome"], a["measure"], a["method"],
                                a["subgroup"], _models_from(computation.pooled, by_analysis[a["id"]]),
                                review_id=a["review_id"])
        for name, index in sorted(subgroup_rows[a["id"]].items()):
            result.subgroups[name] = _models_from(computation.subgroups, index)
        results[a["id"]] = result
    if computation.tests:
        t = computation.tests
        for analysis_id, model, q, df, p in zip(t["analysis_id"].tolist(), t["model"].tolist(), t["q"].tolist(),
                                                t["df"].tolist(), t["p"].tolist()):
            results[analysis_id].subgroup_tests[model] = {
                "q": None if q != q else q, "df": int(df), "p": None if p != p else p}
    return results


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


def _explain(connection: sa.Connection, review_ids: list[int], results: dict[int, AnalysisResult], inputs) -> None:
    """Say why each recomputed result differs from the published one, from what the store knows,
    and which included studies each analysis has no usable data for."""
    included = defaultdict(list)
    for review_id, label in connection.execute(
        sa.text("SELECT review_id, label FROM study_current WHERE review_id IN :ids AND status = 'included'"
                " AND parent_study_id IS NULL ORDER BY label")
        .bindparams(sa.bindparam("ids", expanding=True)), {"ids": review_ids}
    ).all():
        included[review_id].append(label)
    pooled_studies = defaultdict(set)
    for analysis_id, study in zip(inputs["analysis_id"].tolist(), inputs["study"].tolist()):
        pooled_studies[analysis_id].add(study)
    for result in results.values():
        result.without_data = [s for s in included[result.review_id] if s not in pooled_studies[result.analysis_id]]
    with_published = [r for r in results.values() if r.published is not None]
    if not with_published:
        return
    corrections = defaultdict(list)
    for review_id, study, arm, column, printed, corrected in connection.execute(
        sa.select(schema.Correction.review_id, schema.Study.label, schema.Arm.label, schema.Correction.field,
                  schema.Correction.printed, schema.Correction.corrected)
        .join(schema.Arm, schema.Arm.id == schema.Correction.row_id)
        .join(schema.Study, schema.Study.id == schema.Arm.study_id)
        .where(schema.Correction.table_name == "arm", schema.Correction.review_id.in_(review_ids))
    ).all():
        corrections[review_id].append((study, arm, column, printed, corrected))
    # Other reports of the same quantity (an interim cut-off, a CI at another level) per analysis.
    alternatives = defaultdict(list)
    for analysis_id, label in connection.execute(sa.text(
        "SELECT DISTINCT an.id, s.label FROM analysis an"
        " JOIN contrast_estimate ce ON ce.outcome_id = an.outcome_id AND ce.variant <> an.variant AND ce.estimate IS NOT NULL"
        " JOIN study s ON s.id = ce.study_id WHERE an.review_id IN :ids"
        " UNION SELECT DISTINCT an.id, s.label FROM analysis an"
        " JOIN dichotomous_data d ON d.outcome_id = an.outcome_id AND d.variant <> an.variant AND d.events IS NOT NULL"
        " JOIN arm a ON a.id = d.arm_id JOIN study s ON s.id = a.study_id WHERE an.review_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True)), {"ids": review_ids}).all():
        alternatives[analysis_id].append(label)
    studies = defaultdict(list)
    for analysis_id, study, derived in zip(inputs["analysis_id"].tolist(), inputs["study"].tolist(),
                                           inputs["derived_from_percent"].tolist()):
        studies[analysis_id].append((study, bool(derived)))
    for result in with_published:
        result.explanations = explain_difference(
            result, included[result.review_id], studies[result.analysis_id], corrections[result.review_id],
            sorted(alternatives[result.analysis_id]),
        )


def explain_difference(
    result: AnalysisResult, included: list[str], studies: list[tuple[str, bool]], corrections, alternatives=()
) -> list[str]:
    """Sentences on why the store's chosen estimate and the published one differ.

    studies: (label, derived from a percentage) of each study with data in this analysis.
    """
    published = result.published
    chosen = result.chosen
    reasons = []
    with_data = sorted({study for study, _ in studies})
    without = [s for s in included if s not in with_data]
    if published["k"] is not None and chosen.k != published["k"]:
        reasons.append(
            f"fewer trials with sourced data: {chosen.k} of the {published['k']} the review pooled"
            + (f" (no sourced value for {', '.join(without)})" if without else "")
        )
    elif published["k"] is None and without:
        reasons.append(f"the review does not say how many trials it pooled; no sourced value for {', '.join(without)}")
    derived = sum(1 for _, is_derived in studies if is_derived)
    if derived:
        reasons.append(f"{derived} of {len(studies)} trials' counts are derived from rounded percentages (may be off by one)")
    for study, role, column, printed, corrected in corrections:
        # A misprinted arm size matters where the arm's total is a denominator.
        if result.measure in DICHOTOMOUS_MEASURES and study in with_data and column == "randomised_n":
            reasons.append(
                f"table 1 misprints {study}'s {role} n as {printed} ({corrected} randomised);"
                " the review may have used the misprinted denominator"
            )
    if alternatives:
        reasons.append(
            f"other reports of this outcome exist for {', '.join(alternatives)} (another data cut-off or CI level);"
            " the review may have used one of them"
        )
    if published["model"] and chosen.k and published["model"] != chosen.model:
        reasons.append(f"the review's rule picks the {chosen.model}-effect model on these data;"
                       f" the review reported {published['model']} effects")
    if (
        published["events_experimental"] is not None and chosen.events_experimental is not None
        and (published["events_experimental"], published["events_control"])
        != (chosen.events_experimental, chosen.events_control)
    ):
        reasons.append(
            f"the review counts {published['events_experimental']} vs {published['events_control']} events;"
            f" the sourced data give {chosen.events_experimental} vs {chosen.events_control}"
        )
    if chosen.estimate is None:
        reasons.insert(0, "cannot be recomputed: no trial has sourced data for this outcome")
    elif published["estimate"] is not None:
        same = all(
            published[key] is not None and round(getattr(chosen, key), 2) == round(published[key], 2)
            for key in ("estimate", "ci_low", "ci_high")
        )
        if same and chosen.k == (published["k"] or chosen.k):
            return ["reproduces the published estimate and CI to 2 decimals"]
        if not reasons:
            reasons.append("differs with the same trials; no data-level reason found (check the published analysis)")
    return reasons
