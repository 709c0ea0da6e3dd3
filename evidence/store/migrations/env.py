"""Alembic environment: runs online against the connection `evidence.store.database.upgrade` hands in."""

from alembic import context

import evidence.store.migrations  # noqa: F401  (registers DuckDB with alembic)
from evidence.store.schema import metadata


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
