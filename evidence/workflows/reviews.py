"""Finding a review by slug, with errors that say what to do, and listing the store's reviews.

Creating a review and editing its protocol: evidence.workflows.protocol.
"""

from __future__ import annotations

import sqlalchemy as sa

from evidence.errors import NotFoundError
from evidence.store import schema


def resolve_review(connection: sa.Connection, slug: str | None) -> tuple[int, str]:
    """(id, slug) of the named review, or of the only one when no name is given."""
    rows = connection.execute(sa.select(schema.Review.id, schema.Review.slug).order_by(schema.Review.slug)).all()
    if slug is not None:
        for review_id, found in rows:
            if found == slug:
                return review_id, found
        known = ", ".join(s for _, s in rows) or "none"
        raise NotFoundError(f"no review {slug!r} in the store (reviews: {known})")
    if not rows:
        raise NotFoundError("the store holds no review yet: load one with `evidence load evidence/seeds/isatuximab-mm`")
    if len(rows) > 1:
        raise NotFoundError(f"the store holds several reviews: name one with --review ({', '.join(s for _, s in rows)})")
    return rows[0][0], rows[0][1]


def list_reviews(engine: sa.Engine) -> list[dict]:
    """Every review with its counts of studies, records and runs."""
    from evidence.store.database import friendly_errors

    statement = sa.text(
        "SELECT r.slug, r.title,"
        " (SELECT COUNT(*) FROM study_current s WHERE s.review_id = r.id AND s.status = 'included' AND s.parent_study_id IS NULL) AS included_studies,"
        " (SELECT COUNT(*) FROM record rec JOIN search se ON se.id = rec.search_id"
        "  JOIN review_update u ON u.id = se.review_update_id WHERE u.review_id = r.id) AS records,"
        " (SELECT COUNT(*) FROM analysis_run ar WHERE ar.review_id = r.id) AS runs"
        " FROM review r ORDER BY r.slug"
    )
    with friendly_errors(), engine.connect() as connection:
        return [dict(row) for row in connection.execute(statement).mappings()]
