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
from collections.abc import Callable, Iterator

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


def rebuild_table(op: Operations, table: str, rows: str, create: Callable[[], None],
                  dependents: tuple[str, ...] = ()) -> None:
    """DuckDB: replace `table` by a new definition (`create` makes it and its indexes), keeping its rows
    (`rows`: a SELECT over the old table giving the new table's columns in order) and the tables that
    reference it (`dependents`: dropped and made again from DuckDB's own catalogue, rows kept).

    DuckDB cannot drop a column, a unique constraint or a check of a table other tables reference
    (STACK.md). Ids are kept as they were, so every reference still holds; the sequences are untouched.
    """
    bind = op.get_bind()
    kept: list[tuple[str, str, list[str]]] = []
    for name in dependents:
        definition = bind.execute(sa.text("SELECT sql FROM duckdb_tables() WHERE table_name = :t"), {"t": name}).scalar_one()
        indexes = bind.execute(sa.text("SELECT sql FROM duckdb_indexes() WHERE table_name = :t"), {"t": name}).scalars()
        kept.append((name, definition, list(indexes)))
        op.execute(f"CREATE TEMPORARY TABLE keep_{name} AS SELECT * FROM {name}")
        op.execute(f"DROP TABLE {name}")
    op.execute(f"CREATE TEMPORARY TABLE keep_{table} AS {rows}")
    op.execute(f"DROP TABLE {table}")
    create()
    op.execute(f"INSERT INTO {table} SELECT * FROM keep_{table}")
    op.execute(f"DROP TABLE keep_{table}")
    for name, definition, indexes in kept:
        op.execute(definition)
        op.execute(f"INSERT INTO {name} SELECT * FROM keep_{name}")
        op.execute(f"DROP TABLE keep_{name}")
        for create_index in indexes:
            op.execute(create_index)
