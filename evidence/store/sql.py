"""`evidence sql`: read-only queries against the store.

Two locks, so one mistake is not enough to write: the statement must parse as
a single read statement, and it runs on a read-only connection (DuckDB opened
read-only; PostgreSQL in a READ ONLY transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from evidence.errors import EvidenceError, ReadOnlyError
from evidence.store.database import friendly_errors, is_duckdb

READ_KEYWORDS = ("select", "with", "values", "table", "show", "describe", "summarize", "explain", "from")


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def check_read_only(sql: str) -> None:
    """Refuse anything that is not exactly one read statement."""
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        statements = None  # not DuckDB's dialect (a PostgreSQL-only query): fall back to the keyword rule
    if statements is not None:
        if len(statements) != 1:
            raise ReadOnlyError(f"`evidence sql` runs one statement at a time; this has {len(statements)}")
        kind = statements[0].type.name
        if kind not in ("SELECT", "EXPLAIN"):
            raise ReadOnlyError(f"`evidence sql` is read-only: a {kind} statement is refused, nothing was changed")
        if kind == "EXPLAIN" and "analyze" in sql.lower():
            raise ReadOnlyError("`evidence sql` is read-only: EXPLAIN ANALYZE runs its statement and is refused")
        return
    stripped = sql.strip().rstrip(";")
    if ";" in stripped:
        raise ReadOnlyError("`evidence sql` runs one statement at a time")
    first = stripped.split(None, 1)[0].lower() if stripped else ""
    if first not in READ_KEYWORDS:
        raise ReadOnlyError(f"`evidence sql` is read-only: a statement starting with {first.upper() or 'nothing'} is refused")


def run_query(engine: sa.Engine, sql: str, limit: int | None = None) -> QueryResult:
    check_read_only(sql)
    with friendly_errors(), engine.connect() as connection:
        if not is_duckdb(str(engine.url)):
            connection.execute(sa.text("SET TRANSACTION READ ONLY"))
        try:
            result = connection.exec_driver_sql(sql)
        except sa.exc.DBAPIError as error:
            first = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            if "read-only" in first.lower() or "read only" in first.lower():
                raise ReadOnlyError(f"`evidence sql` is read-only: {first}") from None
            if isinstance(error, (sa.exc.ProgrammingError, sa.exc.DataError)) or "Error" in type(error.orig).__name__:
                raise EvidenceError(f"the query failed: {first}") from None
            raise
        columns = list(result.keys())
        rows = [tuple(r) for r in (result.fetchmany(limit) if limit else result.fetchall())]
        connection.rollback()
    return QueryResult(columns, rows)
