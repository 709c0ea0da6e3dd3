"""Shared fixtures: stores on DuckDB and PostgreSQL, the loaded seed review, shared test data."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from evidence.jobs.demo import DEFAULT_SEED, build_store
from evidence.store import database as db, schema

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = DEFAULT_SEED
UPDATE_1 = SEED / "updates" / "2026-11"

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server():
    """PostgreSQL for the session: the server at $EVIDENCE_TEST_POSTGRES_URL (a URL to its maintenance
    database; test databases are created beside it), else a throwaway one started from the installed
    binaries; skipped with the reason where none can start (never in CI)."""
    from evidence.testing import postgres

    given = os.environ.get("EVIDENCE_TEST_POSTGRES_URL")
    if given:
        yield postgres.External(given)
        return
    try:
        server = postgres.start()
    except RuntimeError as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL half: {error}")
        pytest.skip(f"PostgreSQL half skipped: {error}")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty PostgreSQL database."""
    name = f"evidence_test_{os.getpid()}_{next(_names)}"
    engine = sa.create_engine(postgres_server.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return postgres_server.database_url(name)


@pytest.fixture
def duckdb_url(tmp_path) -> str:
    return f"duckdb:///{tmp_path / 'store.duckdb'}"


@pytest.fixture(params=["duckdb", "postgresql"])
def store_url(request, tmp_path) -> str:
    """An empty store URL on each engine in turn."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'store.duckdb'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(store_url):
    """An initialised, empty store on each engine."""
    db.init(store_url)
    engine = db.create_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def updated(store_url):
    """A store on each engine with the isatuximab seed and its first update loaded (two runs)."""
    engine, _ = build_store(store_url, SEED, with_updates=True)
    yield engine
    engine.dispose()


@pytest.fixture
def loaded(store_url):
    """A store on each engine with the isatuximab seed loaded."""
    engine, _ = build_store(store_url, SEED)
    yield engine
    engine.dispose()


def snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: to prove a failed operation changed nothing."""
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(sa.select(table)).all()), key=repr)
            for name, table in schema.metadata.tables.items()
        }
