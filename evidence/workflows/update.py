"""Load an update folder: a numbered update of a review already in the store, in one transaction.

An update folder holds update.yaml (which review, which update) and any of the
seed format's CSV files. New rows (studies, reports, arms, outcome data,
searches, analyses) are added with the update's id; changes to stored values
are corrections (the old value, the new value, the reason and the source are
kept; the *_current views apply the latest). The same transaction pools the
review: a run for the state before the update when it has none, and a run for
the updated review; earlier runs stay in the results tables.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from evidence.version import __version__
from evidence.store import schema
from evidence.store.database import friendly_errors
from evidence.errors import AlreadyLoadedError, InputError, NotFoundError
from evidence.workflows.load import LoadResult, content_hash, StoreKeys, Target, _lock_reviews, _write_table, read_seed, read_update_yaml, write_content


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

    def put(name: str, rows, width: int, fields: tuple[str, ...] = ()) -> None:
        keys.ids[name] = {tuple(row[:width]): row[width] for row in rows}
        keys.taken[name] = set(keys.ids[name])
        if fields:
            keys.values[name] = {tuple(row[:width]): dict(zip(fields, row[width + 1:])) for row in rows}

    put("studies", _query(connection, "SELECT label, study_id, status, setting, design, year FROM study_current"
                          " WHERE review_id = :review", review_id), 1, ("status", "setting", "design", "year"))
    arm_fields = ("regimen", "randomised_n", "safety_n", "aged_65_plus", "women", "men", "iss_stage_2plus_pct",
                  "median_prior_lines")
    put("arms", _query(connection, "SELECT s.label, a.role, a.arm_id, " + ", ".join(f"a.{f}" for f in arm_fields) +
                       ", raw.regimen_text FROM arm_current a JOIN study s ON s.id = a.study_id"
                       " JOIN arm raw ON raw.id = a.arm_id WHERE s.review_id = :review", review_id),
        2, (*arm_fields, "regimen_text"))
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
        "SELECT s.label, o.name, d.variant, a.role, d.dichotomous_data_id, d.events, d.total, d.percent, d.population,"
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
    from evidence.workflows.pool import pool_on_connection

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: is not a folder (an update folder holds update.yaml and CSV files)")
    slug = read_update_yaml(folder / "update.yaml")["review"]
    with friendly_errors(), engine.begin() as connection:
        _lock_reviews(connection, [slug])
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
        (update_id,) = _write_table(connection, schema.ReviewUpdate, [{
            "review_id": store.review_id, "number": number, "label": seed.update.get("label"),
            "searched_to": seed.update.get("searched_to"), "notes": seed.update.get("notes"),
        }], "update.yaml")
        _write_table(connection, schema.SeedLoad, [{
            "review_update_id": update_id, "path": str(folder), "content_hash": seed.content_hash,
            "software_version": __version__,
        }], "update.yaml")
        (counts,) = write_content(connection, [seed], [Target(store.review_id, update_id, store.bias_tool or "RoB 1", store.ids)])
        (run,) = pool_on_connection(connection, {slug: store.review_id}, describe=False, cumulative=True)
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ANALYZE"))
    return LoadResult(slug, loaded=True, counts=counts, update=number, run_id=run.run_id)
