"""`evidence sql` reads and never writes, on both engines."""

from __future__ import annotations

import pytest

from evidence.errors import EvidenceError, ReadOnlyError
from evidence.store import database as db
from evidence.store.sql import run_query

from .conftest import snapshot


def reader(loaded):
    return db.create_engine(str(loaded.url.render_as_string(hide_password=False)), read_only=True)


def test_a_select_on_a_view(loaded):
    result = run_query(reader(loaded), "SELECT outcome, k FROM outcome_overview WHERE outcome = 'PFS'")
    assert result.columns == ["outcome", "k"]
    assert result.rows == [("PFS", 4)]


WRITES = [
    "DROP TABLE study",
    "DELETE FROM study",
    "UPDATE study SET label = 'x'",
    "INSERT INTO ci_level VALUES (0.5, 0.67)",
    "CREATE TABLE t (x INTEGER)",
    "ATTACH 'other.duckdb' AS other",
    "COPY study TO 'out.csv'",
    "PRAGMA enable_profiling",
    "SELECT 1; DELETE FROM study",
    "WITH gone AS (DELETE FROM study RETURNING *) SELECT * FROM gone",
    "EXPLAIN ANALYZE DELETE FROM study",
]


@pytest.mark.parametrize("statement", WRITES)
def test_writes_are_refused_and_change_nothing(loaded, statement):
    before = snapshot(loaded)
    with pytest.raises(EvidenceError):
        run_query(reader(loaded), statement)
    assert snapshot(loaded) == before


def test_the_refusal_says_why():
    with pytest.raises(ReadOnlyError, match="read-only: a DELETE statement is refused"):
        from evidence.store.sql import check_read_only

        check_read_only("DELETE FROM study")


def test_a_bad_query_is_one_line(loaded):
    with pytest.raises(EvidenceError, match="the query failed") as raised:
        run_query(reader(loaded), "SELECT no_such_column FROM study")
    assert "\n" not in str(raised.value)
