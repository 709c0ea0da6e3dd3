"""A review's analysis runs: which is the latest, what it was made from, and the analyses it pooled.

One home for "the latest run of a review", so every command that reads a run
(sof, plot, tsa, report, demo) finds the same one and says the same thing when
there is none.
"""

from __future__ import annotations

import sqlalchemy as sa

from evidence.errors import NotFoundError


def _slug(connection: sa.Connection, review_id: int) -> str:
    slug = connection.execute(sa.text("SELECT slug FROM review WHERE id = :r"), {"r": review_id}).scalar()
    if slug is None:
        raise NotFoundError(f"no review with id {review_id} in the store: `evidence review list` lists them")
    return slug


def latest_run(connection: sa.Connection, review_id: int, *, with_cumulative: bool = False,
               required: bool = True) -> int | None:
    """The id of the review's most recent analysis run (the latest that stored cumulative results, when asked).

    required: raise NotFoundError when the review has none (else return None).
    """
    query = "SELECT MAX(ar.id) FROM analysis_run ar WHERE ar.review_id = :r"
    if with_cumulative:
        query += " AND EXISTS (SELECT 1 FROM cumulative_result c WHERE c.run_id = ar.id)"
    run = connection.execute(sa.text(query), {"r": review_id}).scalar()
    if run is None and required:
        what = "analysis run with cumulative results" if with_cumulative else "analysis run"
        raise NotFoundError(f"review {_slug(connection, review_id)!r} has no {what} yet: run `evidence pool` first")
    return run


def run_details(connection: sa.Connection, run_id: int) -> dict:
    """When and how a run was made: id, started_at, software_version, preset, inputs_hash, and its update
    (number, label)."""
    return dict(connection.execute(sa.text(
        "SELECT r.id, r.started_at, r.software_version, r.preset, r.inputs_hash, u.number, u.label"
        " FROM analysis_run r LEFT JOIN review_update u ON u.id = r.review_update_id WHERE r.id = :run"),
        {"run": run_id}).mappings().one())


def runs_across_last_update(connection: sa.Connection, review_id: int) -> tuple[int, int] | None:
    """(the latest run of the update before the latest one, the latest run of the latest update), or None
    when the review's runs all belong to one update."""
    rows = connection.execute(sa.text(
        "SELECT u.number, MAX(r.id) FROM analysis_run r JOIN review_update u ON u.id = r.review_update_id"
        " WHERE r.review_id = :r GROUP BY u.number ORDER BY u.number"), {"r": review_id}).all()
    return (rows[-2][1], rows[-1][1]) if len(rows) >= 2 else None


def find_analysis(connection: sa.Connection, review_id: int, analysis: str) -> dict:
    """The named analysis of the review with its outcome, or NotFoundError naming the ones there are."""
    rows = connection.execute(sa.text(
        "SELECT an.id, an.name, an.label, an.measure, an.method, an.level, an.subgroup,"
        " o.name AS outcome, o.label AS outcome_label, o.direction, r.slug AS review"
        " FROM analysis an JOIN outcome o ON o.id = an.outcome_id JOIN review r ON r.id = an.review_id"
        " WHERE an.review_id = :r ORDER BY an.name"), {"r": review_id}).mappings().all()
    for row in rows:
        if row["name"] == analysis:
            return dict(row)
    known = ", ".join(r["name"] for r in rows) or "none"
    raise NotFoundError(f"review {_slug(connection, review_id)!r} has no analysis {analysis!r} (analyses: {known})")
