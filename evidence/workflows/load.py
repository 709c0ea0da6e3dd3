"""Load a seed folder into the store in one transaction: a new review, or an update of one.

Reading and checking come first (evidence.formats.seed: every file, every row);
writing starts only when the whole folder is valid, inside one transaction, so
a bad value anywhere leaves the store exactly as it was.

An update folder (update.yaml and any of the seed's CSV files) adds a numbered
update to a review already in the store. New rows (studies, reports, arms,
outcome data, searches, analyses) are added with the update's id; changes to
stored values are corrections (the old value, the new value, the reason and the
source are kept; the *_current views apply the latest). The same transaction
pools the review: a run for the state before the update when it has none, and a
run for the updated review; earlier runs stay in the results tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from evidence.errors import AlreadyLoadedError, InputError, NotFoundError
from evidence.formats.fields import Row
from evidence.formats.seed import (
    ARM_FIELDS,
    CERTAINTY_COLUMNS,
    CORRECTABLE,
    KEYS,
    Seed,
    StoreKeys,
    arm_attributes,
    attribute_text,
    content_hash,
    is_update_folder,
    read_seed,
    read_update_yaml,
)
from evidence.store import schema
from evidence.store.bulk import write_rows
from evidence.store.database import create_engine, friendly_errors, init
from evidence.store.locks import lock_reviews
from evidence.version import __version__
from evidence.workflows.pool import pool_on_connection


@dataclass
class LoadResult:
    slug: str
    loaded: bool  # False: the same content was loaded before and nothing changed
    counts: dict[str, int] = field(default_factory=dict)
    update: int = 0  # the update number the folder holds (0: the original review)
    run_id: int | None = None  # the analysis run an update made

def load_seed(engine: sa.Engine, folder: str | Path) -> LoadResult:
    """Load a seed folder (a review, or an update of one) in one transaction; a second load of the same
    content changes nothing."""
    if is_update_folder(folder):
        return load_update(engine, folder)
    return load_seeds(engine, [folder])[0]

def update_folders(seed: Path) -> list[Path]:
    """The seed's update folders (updates/*/update.yaml), in name order (dates sort as they happened)."""
    return sorted(path.parent for path in (seed / "updates").glob("*/update.yaml"))


def build_store(url: str | None, seed: Path, *, with_updates: bool = False):
    """Create (or upgrade) the store at `url` and load the seed (and its update folders when asked);
    return the engine and the seed's load result."""
    init(url)
    engine = create_engine(url)
    loaded = load_seed(engine, seed)
    if with_updates:
        for folder in update_folders(seed):
            load_seed(engine, folder)
    return engine, loaded


def load_seeds(engine: sa.Engine, folders: list[str | Path]) -> list[LoadResult]:
    """Load several review folders in one transaction, each table in one bulk write.

    Every folder is read and checked before anything is written. On PostgreSQL a
    transaction-scoped advisory lock per review slug makes two loads of the same
    review wait for each other: the second then finds the first one's content.
    """
    for folder in folders:
        if is_update_folder(folder):
            raise InputError(f"{folder}: is an update folder: load it on its own, after its review")
    seeds = [read_seed(folder) for folder in folders]
    slugs = [seed.review["slug"] for seed in seeds]
    if len(set(slugs)) != len(slugs):
        raise InputError(f"two folders of this load hold the same review slug: {sorted(s for s in slugs if slugs.count(s) > 1)[0]!r}")
    results: dict[str, LoadResult] = {}
    with friendly_errors(), engine.begin() as connection:
        lock_reviews(connection, slugs)
        previous = connection.execute(
            sa.select(schema.Review.slug, schema.SeedLoad.content_hash, schema.SeedLoad.path)
            .join(schema.ReviewUpdate, schema.ReviewUpdate.review_id == schema.Review.id)
            .join(schema.SeedLoad, schema.SeedLoad.review_update_id == schema.ReviewUpdate.id, isouter=True)
            .where(schema.Review.slug.in_(slugs))
        ).all()
        loaded_before: dict[str, list[tuple[str | None, str | None]]] = {}
        for slug, content, path in previous:
            loaded_before.setdefault(slug, []).append((content, path))
        new = []
        for seed in seeds:
            slug = seed.review["slug"]
            if slug not in loaded_before:
                new.append(seed)
            elif any(content == seed.content_hash for content, _ in loaded_before[slug]):
                results[slug] = LoadResult(slug, loaded=False)
            else:
                paths = ", ".join(p for _, p in loaded_before[slug] if p) or "another source"
                raise AlreadyLoadedError(
                    f"review {slug!r} is already in the store, loaded from different content ({paths}); nothing was changed"
                )
        for seed, counts in zip(new, _write_reviews(connection, new)):
            results[seed.review["slug"]] = LoadResult(seed.review["slug"], loaded=True, counts=counts)
        if new and connection.dialect.name == "postgresql":
            # Fresh statistics, or the planner joins the views' tables as if they were empty.
            connection.execute(sa.text("ANALYZE"))
    return [results[slug] for slug in slugs]


@dataclass
class Target:
    """Where one folder's rows go: its review, its update, and the ids its keys may name already."""

    review_id: int
    update_id: int
    bias_tool: str
    existing: dict[str, dict[tuple, int]] = field(default_factory=dict)


def _write_reviews(connection: sa.Connection, seeds: list[Seed]) -> list[dict[str, int]]:
    """Write new reviews: the review rows, their update 0 and seed loads, then their content."""
    s = schema
    review_rows = []
    for seed in seeds:
        r = seed.review
        reported = r.get("reported_participants") or {}
        review_rows.append({
            "slug": r["slug"], "title": r["title"], "question": r.get("question"), "authors": r.get("authors"),
            "corresponding_author": r.get("corresponding_author"), "affiliation": r.get("affiliation"),
            "year": r.get("year"), "language": r.get("language"), "software": r.get("software"),
            "alpha": float(r.get("alpha", 0.05)), "model_rule": r.get("model_rule", "fixed_if_homogeneous"),
            "model_rule_text": r.get("model_rule_text"), "bias_tool": r.get("bias_tool"),
            "reported_participants": reported.get("total"),
            "reported_participants_experimental": reported.get("experimental"),
            "reported_participants_control": reported.get("control"),
            "reported_participants_source": reported.get("source"), "notes": r.get("notes"),
        })
    review_ids = write_rows(connection, s.Review, review_rows, "review.yaml")
    update_ids = write_rows(connection, s.ReviewUpdate, [
        {"review_id": review_id, "number": 0, "label": "original review", "searched_to": seed.review.get("searched_to")}
        for seed, review_id in zip(seeds, review_ids)
    ], "review.yaml")
    write_rows(connection, s.SeedLoad, [
        {"review_update_id": update_id, "path": str(seed.path), "content_hash": seed.content_hash,
         "software_version": __version__}
        for seed, update_id in zip(seeds, update_ids)
    ], "review.yaml")
    write_rows(connection, s.AttributeDefinition, [
        {"review_id": review_id, "review_update_id": update_id, **attribute}
        for seed, review_id, update_id in zip(seeds, review_ids, update_ids) for attribute in seed.review["attributes"]
    ], "review.yaml")
    write_rows(connection, s.EligibilityCriterion, [
        {"review_id": review_id, "kind": c["kind"], "text": c["text"], "position": position}
        for seed, review_id in zip(seeds, review_ids)
        for position, c in enumerate(seed.review.get("eligibility") or [], start=1)
    ], "review.yaml")
    targets = [Target(review_id, update_id, seed.review.get("bias_tool") or "RoB 1")
               for seed, review_id, update_id in zip(seeds, review_ids, update_ids)]
    return write_content(connection, seeds, targets)


def _write_certainty(connection: sa.Connection, seeds: list[Seed], targets: list[Target], rows: list[tuple[int, Row]],
                     outcome_ids: dict, analysis_ids: dict) -> None:
    """certainty.csv's rows, dated to the folder's update; an analysis a row names must be of the row's outcome
    (checked here for analyses the store held before this folder)."""
    def analysis_id(i: int, row: Row) -> int | None:
        return analysis_ids[i, (row["analysis"],)] if row["analysis"] is not None else None

    named = {analysis_id(i, row) for i, row in rows} - {None}
    outcome_of = dict(connection.execute(
        sa.select(schema.Analysis.id, schema.Analysis.outcome_id).where(schema.Analysis.id.in_(named))).all()) if named else {}
    for i, row in rows:
        if row["analysis"] is not None and outcome_of[analysis_id(i, row)] != outcome_ids[i, (row["outcome"],)]:
            raise row.error("analysis", f"{row['analysis']} is an analysis of another outcome, not of {row['outcome']}")
    write_rows(connection, schema.CertaintyAssessment, [
        {"outcome_id": outcome_ids[i, (row["outcome"],)], "analysis_id": analysis_id(i, row),
         "review_update_id": targets[i].update_id, **{name: row[name] for name in CERTAINTY_COLUMNS}}
        for i, row in rows
    ], _where(seeds, "certainty.csv"))


def _where(seeds: list[Seed], name: str) -> str:
    """A file named in a database error: its full path when one folder is written."""
    return str(seeds[0].path / name) if len(seeds) == 1 else name


def write_content(connection: sa.Connection, seeds: list[Seed], targets: list[Target]) -> list[dict[str, int]]:
    """Write every CSV file of every seed, parents before children, one bulk insert per table.

    Keys a folder names but does not define resolve to the target's existing ids.
    """
    from scipy.stats import norm

    s = schema

    def rows_of(name: str):
        """(seed index, row) for every row of one file across the batch."""
        return [(i, row) for i, seed in enumerate(seeds) for row in seed.rows[name]]

    def keyed(name: str, model, build, key) -> dict:
        """Write one file's rows; return {(seed index, key): id}, the targets' existing ids included."""
        found = rows_of(name)
        where = _where(seeds, name)
        ids = write_rows(connection, model, [build(i, row) for i, row in found], where)
        existing = {(i, k): v for i, t in enumerate(targets) for k, v in t.existing.get(KEYS[name][1], {}).items()} \
            if name in KEYS else {}
        return {**existing, **{(i, key(row)): new_id for (i, row), new_id in zip(found, ids)}}

    def added(i: int) -> dict[str, int]:
        return {"review_update_id": targets[i].update_id}

    keyed("searches.csv", s.Search, lambda i, row: {**added(i), **row.values}, lambda row: None)
    keyed("flow.csv", s.ReportedFlowCount, lambda i, row: {**added(i), **row.values}, lambda row: None)
    study_ids = keyed("studies.csv", s.Study, lambda i, row: {
        "review_id": targets[i].review_id, "label": row["study"], "registry_id": row["registry_id"],
        "first_author": row["first_author"], "year": row["year"], "design": row["design"], "setting": row["setting"],
        "status": row["status"] or "included", "source": row["source"], **added(i),
    }, lambda row: (row["study"],))
    keyed("study_attributes.csv", s.StudyAttribute, lambda i, row: {
        "study_id": study_ids[i, (row["study"],)], "name": row["name"], "value": row["value"], "source": row["source"],
    }, lambda row: None)
    keyed("reports.csv", s.Report, lambda i, row: {
        "study_id": study_ids[i, (row["study"],)], "label": row["report"], **added(i),
        **{k: row[k] for k in ("kind", "citation", "year", "doi", "pmid", "url")},
    }, lambda row: None)
    arm_ids = keyed("arms.csv", s.Arm, lambda i, row: {
        "study_id": study_ids[i, (row["study"],)], "label": row["arm"], "role": row["role"],
        **{k: row[k] for k in (*ARM_FIELDS, "source")},
    }, lambda row: (row["study"], row["arm"]))
    write_rows(connection, s.ArmAttribute, [
        {"arm_id": arm_ids[i, (row["study"], row["arm"])], "name": name, "value": attribute_text(row[name]),
         "source": row["source"], **added(i)}
        for i, row in rows_of("arms.csv") for name in arm_attributes(seeds[i].attributes) if row[name] is not None
    ], _where(seeds, "arms.csv"))
    outcome_ids = keyed("outcomes.csv", s.Outcome, lambda i, row: {
        "review_id": targets[i].review_id, "name": row["outcome"],
        **{k: v for k, v in row.values.items() if k != "outcome"},
    }, lambda row: (row["outcome"],))
    dichotomous_ids = keyed("dichotomous.csv", s.DichotomousData, lambda i, row: {
        "outcome_id": outcome_ids[i, (row["outcome"],)], "arm_id": arm_ids[i, (row["study"], row["arm"])],
        "derived_from_percent": row["derived"], **added(i),
        **{k: row[k] for k in ("variant", "events", "total", "percent", "population", "source_ref", "source_quote")},
    }, lambda row: (row["study"], row["outcome"], row["variant"], row["arm"]))
    keyed("continuous.csv", s.ContinuousData, lambda i, row: {
        "outcome_id": outcome_ids[i, (row["outcome"],)], "arm_id": arm_ids[i, (row["study"], row["arm"])], **added(i),
        **{k: row[k] for k in ("variant", "mean", "sd", "n", "population", "source_ref", "source_quote", "derived")},
    }, lambda row: None)
    levels = {row["ci_level"] for _, row in rows_of("estimates.csv") if row["ci_level"] is not None}
    levels |= {float(row["corrected"]) for _, row in rows_of("corrections.csv")
               if row["table"] == "estimates" and row["field"] == "ci_level"}
    known_levels = set(connection.execute(sa.select(s.CiLevel.level)).scalars())
    # The exact two-sided quantile: a 98.5% CI is not a 95% CI (POOLING.md).
    write_rows(connection, s.CiLevel, [
        {"level": level, "z": float(norm.ppf(1 - (1 - level) / 2))} for level in sorted(levels - known_levels)
    ], _where(seeds, "estimates.csv"))
    estimate_ids = keyed("estimates.csv", s.ContrastEstimate, lambda i, row: {
        "outcome_id": outcome_ids[i, (row["outcome"],)], "study_id": study_ids[i, (row["study"],)], **added(i),
        **{k: row[k] for k in ("variant", "measure", "estimate", "ci_low", "ci_high", "ci_level",
                               "population", "source_ref", "source_quote")},
    }, lambda row: (row["study"], row["outcome"], row["variant"]))
    keyed("bias.csv", s.BiasJudgement, lambda i, row: {
        "study_id": study_ids[i, (row["study"],)], "tool": targets[i].bias_tool,
        **{k: row[k] for k in ("domain", "judgement", "support", "source")},
    }, lambda row: None)
    analysis_ids = keyed("analyses.csv", s.Analysis, lambda i, row: {
        "review_id": targets[i].review_id, "outcome_id": outcome_ids[i, (row["outcome"],)], "name": row["analysis"],
        "label": row["label"], "measure": row["measure"], "method": row["method"], "model": row["model"],
        "tau2_method": row["tau2"], "level": row["level"], "variant": row["variant"], "subgroup": row["subgroup"],
        "threshold": row["threshold"], "planned_rrr": row["planned_rrr"],
        "planned_control_risk": row["planned_control_risk"],
    }, lambda row: (row["analysis"],))
    keyed("comparisons.csv", s.AnalysisComparison, lambda i, row: {
        "analysis_id": analysis_ids[i, (row["analysis"],)], "study_id": study_ids[i, (row["study"],)],
        "experimental_arm_id": arm_ids[i, (row["study"], row["experimental"])],
        "control_arm_id": arm_ids[i, (row["study"], row["control"])], **added(i),
    }, lambda row: None)
    keyed("published_results.csv", s.PublishedResult, lambda i, row: {
        "analysis_id": analysis_ids[i, (row["analysis"],)], "subgroup": row["subgroup"], "k": row["k"],
        "model": row["model"], "estimate": row["estimate"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
        "p_text": row["p"], "i2_text": row["i2"], "q_p_text": row["q_p"],
        "events_experimental": row["events_experimental"], "events_control": row["events_control"],
        "source": row["source"],
    }, lambda row: None)
    _write_certainty(connection, seeds, targets, rows_of("certainty.csv"), outcome_ids, analysis_ids)
    row_ids = {"arms": arm_ids, "studies": study_ids, "dichotomous": dichotomous_ids, "estimates": estimate_ids}
    corrections = rows_of("corrections.csv")
    printed = [text for seed in seeds for text in seed.printed]
    write_rows(connection, s.Correction, [
        {"review_id": targets[i].review_id, "table_name": CORRECTABLE[row["table"]][0],
         "row_id": row_ids[row["table"]][i, tuple(row[f] for f in CORRECTABLE[row["table"]][1])],
         "field": row["field"], "printed": old, "corrected": row["corrected"], "reason": row["reason"],
         "source": row["source"], **added(i)}
        for (i, row), old in zip(corrections, printed)
    ], _where(seeds, "corrections.csv"))
    return [{name: len(found) for name, found in seed.rows.items() if found} for seed in seeds]


def _query(connection: sa.Connection, sql: str, review_id: int) -> list[sa.Row]:
    return connection.execute(sa.text(sql), {"review": review_id}).all()


def store_keys(connection: sa.Connection, slug: str) -> StoreKeys:
    """The review's existing keys, ids and current (corrected) values, for an update folder to refer to."""
    review = connection.execute(
        sa.text("SELECT id, bias_tool FROM review WHERE slug = :slug"), {"slug": slug}).first()
    if review is None:
        raise NotFoundError(f"review {slug!r} is not in the store: load the review's own folder before its updates")
    review_id, bias_tool = review
    keys = StoreKeys(review_id, slug, bias_tool, connection.execute(sa.text(
        "SELECT number FROM review_update WHERE review_id = :review ORDER BY number"), {"review": review_id}).scalars().all())
    keys.attributes = [dict(row) for row in connection.execute(sa.text(
        "SELECT level, name, kind, unit, label FROM attribute_definition WHERE review_id = :review ORDER BY id"),
        {"review": review_id}).mappings()]

    def put(name: str, rows, width: int, fields: tuple[str, ...] = ()) -> None:
        keys.ids[name] = {tuple(row[:width]): row[width] for row in rows}
        keys.taken[name] = set(keys.ids[name])
        if fields:
            keys.values[name] = {tuple(row[:width]): dict(zip(fields, row[width + 1:])) for row in rows}

    put("studies", _query(connection, "SELECT label, study_id, status, setting, design, year FROM study_current"
                          " WHERE review_id = :review", review_id), 1, ("status", "setting", "design", "year"))
    arm_fields = ("regimen", "randomised_n", "safety_n")
    put("arms", _query(connection, "SELECT s.label, a.label, a.arm_id, " + ", ".join(f"a.{f}" for f in arm_fields) +
                       ", raw.regimen_text FROM arm_current a JOIN study s ON s.id = a.study_id"
                       " JOIN arm raw ON raw.id = a.arm_id WHERE s.review_id = :review", review_id),
        2, (*arm_fields, "regimen_text"))
    # Each arm's declared attributes, current and read by their kind, for corrections to replace.
    parsers = arm_attributes(keys.attributes)
    for study, arm, name, value in _query(connection, "SELECT s.label, a.label, v.name, v.value FROM arm_attribute_current v"
                                          " JOIN arm a ON a.id = v.arm_id JOIN study s ON s.id = a.study_id"
                                          " WHERE v.review_id = :review", review_id):
        keys.values["arms"][study, arm][name] = parsers[name](value)
    keys.values["arm_roles"] = {(study, arm): role for study, arm, role in _query(
        connection, "SELECT s.label, a.label, a.role FROM arm a JOIN study s ON s.id = a.study_id"
        " WHERE s.review_id = :review", review_id)}
    put("continuous", _query(connection, "SELECT s.label, o.name, d.variant, a.label, d.id FROM continuous_data d"
                             " JOIN arm a ON a.id = d.arm_id JOIN study s ON s.id = a.study_id"
                             " JOIN outcome o ON o.id = d.outcome_id WHERE o.review_id = :review", review_id), 4)
    put("comparisons", _query(connection, "SELECT an.name, e.label, c.label, s.label, x.id FROM analysis_comparison x"
                              " JOIN analysis an ON an.id = x.analysis_id JOIN study s ON s.id = x.study_id"
                              " JOIN arm e ON e.id = x.experimental_arm_id JOIN arm c ON c.id = x.control_arm_id"
                              " WHERE an.review_id = :review", review_id), 4)
    put("outcomes", _query(connection, "SELECT name, id FROM outcome WHERE review_id = :review", review_id), 1)
    put("analyses", _query(connection, "SELECT name, id FROM analysis WHERE review_id = :review", review_id), 1)
    put("attributes", _query(connection, "SELECT s.label, sa.name, sa.id FROM study_attribute sa"
                             " JOIN study s ON s.id = sa.study_id WHERE s.review_id = :review", review_id), 2)
    put("reports", _query(connection, "SELECT s.label, r.label, r.id FROM report r JOIN study s ON s.id = r.study_id"
                          " WHERE s.review_id = :review", review_id), 2)
    put("bias", _query(connection, "SELECT s.label, b.domain, b.id FROM bias_judgement b"
                       " JOIN study s ON s.id = b.study_id WHERE s.review_id = :review", review_id), 2)
    put("published", _query(connection, "SELECT an.name, p.subgroup, p.id FROM published_result p"
                            " JOIN analysis an ON an.id = p.analysis_id WHERE an.review_id = :review", review_id), 2)
    put("dichotomous", _query(connection,
        "SELECT s.label, o.name, d.variant, a.label, d.dichotomous_data_id, d.events, d.total, d.percent, d.population,"
        " d.source_ref, d.source_quote FROM dichotomous_current d JOIN arm a ON a.id = d.arm_id"
        " JOIN study s ON s.id = a.study_id JOIN outcome o ON o.id = d.outcome_id WHERE o.review_id = :review",
        review_id), 4, ("events", "total", "percent", "population", "source_ref", "source_quote"))
    put("estimates", _query(connection,
        "SELECT s.label, o.name, c.variant, c.contrast_estimate_id, c.estimate, c.ci_low, c.ci_high, c.ci_level,"
        " c.population, c.source_ref, c.source_quote FROM contrast_current c JOIN study s ON s.id = c.study_id"
        " JOIN outcome o ON o.id = c.outcome_id WHERE o.review_id = :review",
        review_id), 3, ("estimate", "ci_low", "ci_high", "ci_level", "population", "source_ref", "source_quote"))
    return keys


def load_update(engine: sa.Engine, folder: str | Path) -> LoadResult:
    """Apply an update folder to its review in one transaction and pool the updated review.

    Loading the same content again changes nothing; another folder claiming an
    update number that is already loaded is refused.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: is not a folder (an update folder holds update.yaml and CSV files)")
    slug = read_update_yaml(folder / "update.yaml")["review"]
    with friendly_errors(), engine.begin() as connection:
        lock_reviews(connection, [slug])
        store = store_keys(connection, slug)
        loads = connection.execute(sa.text(
            "SELECT u.number, l.content_hash, l.path FROM seed_load l JOIN review_update u ON u.id = l.review_update_id"
            " WHERE u.review_id = :review"), {"review": store.review_id}).all()
        digest = content_hash(folder)
        for number, content, _ in loads:
            if content == digest:
                return LoadResult(slug, loaded=False, update=number)
        seed = read_seed(folder, store)
        following = max(store.numbers) + 1
        number = seed.update.get("number") or following
        if number in store.numbers:
            where = next((path for n, _, path in loads if n == number), None) or "another source"
            raise AlreadyLoadedError(f"update {number} of review {slug!r} is already loaded, from other content"
                                     f" ({where}); nothing was changed")
        if number != following:
            raise InputError(f"{folder / 'update.yaml'}: field 'number': {number} is not the next update of"
                             f" {slug!r} (that is {following})")
        latest = connection.execute(sa.text(
            "SELECT id FROM review_update WHERE review_id = :review AND number = :number"),
            {"review": store.review_id, "number": following - 1}).scalar_one()
        has_run = connection.execute(sa.text("SELECT COUNT(*) FROM analysis_run WHERE review_update_id = :u"),
                                     {"u": latest}).scalar_one()
        if not has_run:
            # The state before the update gets its run, so `evidence diff` has a before.
            pool_on_connection(connection, {slug: store.review_id}, describe=False, cumulative=True)
        (update_id,) = write_rows(connection, schema.ReviewUpdate, [{
            "review_id": store.review_id, "number": number, "label": seed.update.get("label"),
            "searched_to": seed.update.get("searched_to"), "notes": seed.update.get("notes"),
        }], "update.yaml")
        write_rows(connection, schema.SeedLoad, [{
            "review_update_id": update_id, "path": str(folder), "content_hash": seed.content_hash,
            "software_version": __version__,
        }], "update.yaml")
        (counts,) = write_content(connection, [seed], [Target(store.review_id, update_id, store.bias_tool or "RoB 1", store.ids)])
        (run,) = pool_on_connection(connection, {slug: store.review_id}, describe=False, cumulative=True)
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ANALYZE"))
    return LoadResult(slug, loaded=True, counts=counts, update=number, run_id=run.run_id)
