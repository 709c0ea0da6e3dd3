"""Locks that make concurrent writers of one review wait for each other."""

from __future__ import annotations

import sqlalchemy as sa


def lock_reviews(connection: sa.Connection, slugs: list[str]) -> None:
    """On PostgreSQL, writers of the same review wait for each other (transaction-scoped advisory lock).

    DuckDB needs none: one process holds the file for writing at a time.
    """
    if connection.dialect.name == "postgresql":
        for slug in sorted(slugs):
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:slug))"), {"slug": f"evidence-review:{slug}"})
