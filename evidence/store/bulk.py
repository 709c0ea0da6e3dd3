"""Bulk writes through each engine's native path.

Row-by-row inserts cost 60 µs a row through SQLAlchemy; a review base of
200,000 study-outcome rows needs the engines' own bulk loaders (STACK.md):
DuckDB scans registered numpy columns in one INSERT ... SELECT, PostgreSQL
takes COPY FROM STDIN. Ids come from the tables' own sequences, fetched in one
statement, so parents and children can be linked before anything is written.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import sqlalchemy as sa

from evidence.errors import InputError

_temp_names = itertools.count()


def allocate_ids(connection: sa.Connection, table: str, count: int) -> list[int]:
    """`count` fresh ids from the table's sequence, in one round trip."""
    if count == 0:
        return []
    numbers = "range(:n)" if connection.dialect.name == "duckdb" else "generate_series(1, :n)"
    statement = sa.text(f"SELECT nextval('{table}_id_seq') FROM {numbers}")
    return sorted(row[0] for row in connection.execute(statement, {"n": count}).fetchall())


def read_columns(connection: sa.Connection, statement: sa.TextClause, numeric: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """A query's result column-wise: `numeric` columns as float arrays (NaN for NULL), the rest as objects (None).

    DuckDB hands its columns to numpy directly; other engines go row by row.
    """
    if connection.dialect.name == "duckdb":
        sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        cursor = _raw(connection).cursor()
        cursor.execute(sql)
        fetched = cursor.fetchnumpy()
        return {
            name: np.ma.filled(values.astype(float), np.nan) if name in numeric
            else np.ma.filled(values.astype(object), None) if isinstance(values, np.ma.MaskedArray) else values.astype(object)
            for name, values in fetched.items()
        }
    result = connection.execute(statement)
    names = list(result.keys())
    rows = result.fetchall()
    columns = list(zip(*rows)) if rows else [()] * len(names)
    return {name: np.array(values, dtype=float if name in numeric else object) for name, values in zip(names, columns)}


def _raw(connection: sa.Connection):
    return connection.connection.dbapi_connection


def insert_columns(connection: sa.Connection, table: sa.Table, columns: Mapping[str, Sequence]) -> int:
    """Insert rows given column-wise ({name: values}) into `table`; return the number of rows."""
    names = list(columns)
    lengths = {len(values) for values in columns.values()}
    if len(lengths) != 1:
        raise ValueError(f"columns for {table.name} differ in length: {lengths}")
    count = lengths.pop()
    if count == 0:
        return 0
    dialect = connection.dialect.name
    column_list = ", ".join(names)
    if dialect == "duckdb":
        temp = f"evidence_bulk_{next(_temp_names)}"
        arrays = {name: _numpy_column(values) for name, values in columns.items()}
        # NaN is "no value" here: it becomes NULL (and may then land in an INTEGER column).
        selected = ", ".join(
            f"CASE WHEN isnan({name}) THEN NULL ELSE {name} END" if arrays[name].dtype.kind == "f" else name
            for name in names
        )
        raw = _raw(connection)
        raw.register(temp, arrays)
        try:
            connection.exec_driver_sql(f"INSERT INTO {table.name} ({column_list}) SELECT {selected} FROM {temp}")
        finally:
            try:
                raw.unregister(temp)
            except Exception:  # noqa: BLE001 - an aborted transaction refuses it; the insert's own error matters
                pass
    else:
        values = [_python_values(v, isinstance(table.c[name].type, sa.Integer)) for name, v in columns.items()]
        if dialect == "postgresql":
            with _raw(connection).cursor() as cursor, cursor.copy(f"COPY {table.name} ({column_list}) FROM STDIN") as copy:
                for row in zip(*values):
                    copy.write_row(row)
        else:
            connection.execute(sa.insert(table), [dict(zip(names, row)) for row in zip(*values)])
    return count


def _numpy_column(values: Sequence) -> np.ndarray:
    """A numpy column DuckDB can scan: numpy arrays as they are, lists (which may hold None) as objects."""
    return values if isinstance(values, np.ndarray) else np.array(values, dtype=object)


def _python_values(values: Sequence, integer: bool) -> list:
    """Plain Python values for COPY and executemany: NaN becomes NULL; whole numbers go as ints
    (COPY into an INTEGER column refuses '2.0')."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        if integer:
            return [None if v != v else int(v) for v in values.tolist()]
        return [None if v != v else v for v in values.tolist()]
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def write_rows(connection: sa.Connection, model, rows: list[dict], where: str) -> list[int]:
    """Bulk-insert `rows` (dicts with the same keys) into the model's table; return their new ids in order.

    A row the database refuses (a constraint) raises InputError naming `where` (the file the rows came from).
    """
    table = model.__table__
    if not rows:
        return []
    ids = allocate_ids(connection, table.name, len(rows)) if "id" in table.c else []
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    if ids:
        columns["id"] = ids
    try:
        insert_columns(connection, table, columns)
    except sa.exc.DBAPIError as error:
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise InputError(f"{where}: rejected by the database: {detail}") from None
    return ids
