"""Finding a review by slug, with errors that say what to do."""

from __future__ import annotations

import sqlalchemy as sa

from . import schema
from .errors import NotFoundError


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
        raise NotFoundError("the store holds no review yet: load one with `evidence load seeds/isatuximab-mm`")
    if len(rows) > 1:
        raise NotFoundError(f"the store holds several reviews: name one with --review ({', '.join(s for _, s in rows)})")
    return rows[0][0], rows[0][1]
