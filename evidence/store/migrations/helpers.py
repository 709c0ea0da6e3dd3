"""Operations later migrations need that DuckDB does not do directly (STACK.md, tested in test_migrations).

DuckDB refuses ALTER COLUMN on a table that has indexes ("entries depend on
it"), and any change but adding a nullable column on a table other tables
reference. So a migration:
- adds columns as nullable (fill them in an UPDATE, then leave NOT NULL to the models' checks);
- changes a column's type with `alter_column_type`, which lifts the table's
  indexes around the change on DuckDB;
- drops the views first (`drop_views`) when it changes tables a view reads,
  since PostgreSQL refuses to retype a column a view uses; `evidence.store.database.upgrade`
  creates them again after the last revision (a revision in the middle of the
  chain cannot: the package's views may read columns a later one adds).
  `views_lifted` (drop, change, create) is for a change made at head;
- never retypes a column of a referenced table: it adds a new column instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from alembic.operations import Operations

from evidence.store.queries import create_views, drop_views


@contextlib.contextmanager
def views_lifted(op: Operations) -> Iterator[None]:
    """Drop every view, run the block, create the views again from the package's SQL."""
    drop_views(op.get_bind())
    yield
    create_views(op.get_bind())


def alter_column_type(op: Operations, table: str, column: str, type_: sa.types.TypeEngine, existing_type) -> None:
    bind = op.get_bind()
    indexes = []
    if bind.dialect.name == "duckdb":
        indexes = bind.execute(
            sa.text("SELECT index_name, sql FROM duckdb_indexes() WHERE table_name = :table"), {"table": table}
        ).all()
        for name, _ in indexes:
            op.execute(f"DROP INDEX {name}")
    op.alter_column(table, column, type_=type_, existing_type=existing_type)
    for _, create in indexes:
        op.execute(create)
