"""`evidence sql`: read-only queries against the store.

Two locks, so one mistake is not enough to write: the statement must parse as
a single read statement, and it runs on a read-only connection (DuckDB opened
read-only; PostgreSQL in a READ ONLY transaction).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from evidence.errors import EvidenceError, ReadOnlyError
from evidence.store.database import friendly_errors, is_duckdb

if TYPE_CHECKING:  # pandas is imported where a DataFrame is made
    import pandas as pd

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


@contextlib.contextmanager
def _reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection for reading, rolled back when done: PostgreSQL's in a READ ONLY transaction (a DuckDB
    file is made read-only by opening its engine read_only=True); driver errors become one line."""
    import duckdb

    with friendly_errors(), engine.connect() as connection:
        if not is_duckdb(str(engine.url)):
            connection.execute(sa.text("SET TRANSACTION READ ONLY"))
        try:
            yield connection
        except (sa.exc.DBAPIError, duckdb.Error) as error:
            raise _one_line(error) from None
        connection.rollback()


def _one_line(error: Exception) -> Exception:
    """A failed query as one line: ReadOnlyError for an attempted write, EvidenceError for a query the
    database rejected (bad SQL, a missing column, bad data); anything else (a lost connection) as it is."""
    orig = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error; duckdb's own is bare
    lines = str(orig).strip().splitlines()
    first = lines[0] if lines else type(orig).__name__
    if "read-only" in first.lower() or "read only" in first.lower():
        return ReadOnlyError(f"`evidence sql` is read-only: {first}")
    if orig is error or isinstance(error, (sa.exc.ProgrammingError, sa.exc.DataError)) or "Error" in type(orig).__name__:
        return EvidenceError(f"the query failed: {first}")
    return error


def run_query(engine: sa.Engine, sql: str, limit: int | None = None) -> QueryResult:
    """`evidence sql`: the columns and rows (at most `limit`) of one read-only statement."""
    check_read_only(sql)
    with _reading(engine) as connection:
        result = connection.exec_driver_sql(sql)
        columns = list(result.keys())
        rows = [tuple(r) for r in (result.fetchmany(limit) if limit else result.fetchall())]
    return QueryResult(columns, rows)


def query_frame(engine: sa.Engine, sql: str) -> pd.DataFrame:
    """`evidence sql` as a pandas DataFrame (the same guard and errors as run_query): DuckDB's own
    DataFrame, PostgreSQL's rows with DuckDB-like column types (see `_frame`)."""
    check_read_only(sql)
    with _reading(engine) as connection:
        if is_duckdb(str(engine.url)):
            return _duckdb_frame(connection.connection.driver_connection.execute(sql))
        return _frame(connection.exec_driver_sql(sql))


def read_frame(engine: sa.Engine, statement: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """The library's own SELECT with `:name` placeholders as a DataFrame, as query_frame makes it.

    Not for a user's SQL: the statement is trusted (not checked to be one read statement); it runs on
    the same reading connection (read-only on PostgreSQL, and on DuckDB when the engine is).
    """
    params = params or {}
    with _reading(engine) as connection:
        if is_duckdb(str(engine.url)):
            # SQLAlchemy writes the placeholders as DuckDB's own ($1, $2, ...) and lists their names in order.
            compiled = sa.text(statement).compile(dialect=engine.dialect)
            values = [params[name] for name in compiled.positiontup or ()]
            return _duckdb_frame(connection.connection.driver_connection.execute(compiled.string, values))
        return _frame(connection.execute(sa.text(statement), params))


def _duckdb_frame(cursor) -> pd.DataFrame:
    """DuckDB's own DataFrame of an executed query, its HUGEINT columns (what SUM of integers gives; pandas
    has no 128-bit integer, so .df() makes them float64) made whole again (int64, Int64 where a value is
    missing) when every value is a whole number a float holds exactly, as PostgreSQL's bigint sums are."""
    huge = [position for position, (_, kind, *_) in enumerate(cursor.description)
            if str(kind) in ("HUGEINT", "UHUGEINT")]
    frame = cursor.df()
    for position in huge:
        values = frame.iloc[:, position]
        present = values.dropna()
        if ((present == present.round()) & (present.abs() <= 2**53)).all():
            frame.isetitem(position, values.astype("Int64" if len(present) < len(values) else "int64"))
    return frame


# PostgreSQL's column types (by psycopg's type names) as the kinds of column _frame makes.
POSTGRES_KINDS = {"int2": "integer", "int4": "integer", "int8": "integer", "float4": "floating",
                  "float8": "floating", "numeric": "floating", "bool": "boolean", "text": "string",
                  "varchar": "string", "bpchar": "string", "name": "string", "date": "datetime",
                  "timestamp": "datetime", "timestamptz": "datetime"}
# What pandas infers from the values, where the type is not one of those.
INFERRED_KINDS = {"integer": "integer", "floating": "floating", "decimal": "floating",
                  "mixed-integer-float": "floating", "boolean": "boolean", "string": "string",
                  "datetime": "datetime", "datetime64": "datetime", "date": "datetime"}


def _frame(result: sa.CursorResult) -> pd.DataFrame:
    """PostgreSQL's rows as a DataFrame typed as DuckDB's `.df()` types them, so a notebook sees the same
    frame from either engine: whole numbers int64 (Int64 where a value is missing), true/false bool
    (boolean where missing), NUMERIC and floats float64, text str, dates and timestamps datetime64.
    Each column's kind comes from its declared type, else from its values; anything else stays object."""
    import pandas as pd
    from psycopg.postgres import types

    declared = []
    for column in result.cursor.description:
        info = types.get(column.type_code)
        declared.append(POSTGRES_KINDS.get(info.name) if info is not None else None)
    columns, rows = list(result.keys()), result.fetchall()
    typed_columns = []
    for position, kind in enumerate(declared):
        values = pd.Series([row[position] for row in rows], dtype=object)
        kind = kind or INFERRED_KINDS.get(pd.api.types.infer_dtype(values, skipna=True))
        missing = bool(values.isna().any())
        if kind == "integer":
            values = values.astype("Int64" if missing else "int64")
        elif kind == "boolean":
            values = values.astype("boolean" if missing else "bool")
        elif kind == "floating":
            values = pd.to_numeric(values).astype("float64")
        elif kind == "string":
            values = values.astype("str")
        elif kind == "datetime":
            values = pd.to_datetime(values)
        typed_columns.append(values)
    frame = pd.concat(typed_columns, axis=1) if typed_columns else pd.DataFrame(index=range(len(rows)))
    frame.columns = columns  # by position: a query may repeat a column name
    return frame
