"""Alembic migrations, shipped inside the package (script_location = evidence.store:migrations).

Importing this package registers DuckDB with alembic; evidence.store.database does so before
any alembic call.
"""

from alembic.ddl.impl import DefaultImpl


class DuckDBImpl(DefaultImpl):
    """Alembic knows no `duckdb` dialect (KeyError: 'duckdb'); DuckDB speaks enough PostgreSQL DDL."""

    __dialect__ = "duckdb"
