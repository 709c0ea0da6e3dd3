"""Shared fixtures: stores on DuckDB and PostgreSQL, each kind built once per session and copied per test.

`backend` parametrises a test over "duckdb" and "postgresql" (marked `postgresql`:
`make test-fast` leaves those out). `store_url` is a fresh store with no schema;
`engine`, `loaded`, `pooled` and `updated` are engines on copies of a store at the
latest schema, with the isatuximab review loaded, pooled once, and with its update loaded
(evidence.testing.stores builds each once per session).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from evidence.seeds import ISATUXIMAB
from evidence.store import schema
from evidence.testing.stores import StoreFactory, engine_for

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = ISATUXIMAB
UPDATE_1 = SEED / "updates" / "2026-11"

# Hypothesis: no deadline (a shared, busy machine must not fail a test on time) and example counts in
# one place: `default` for `make test`, `fast` for `make test-fast`, `thorough` to hunt (HYPOTHESIS_PROFILE).
settings.register_profile("default", deadline=None, max_examples=50,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("fast", parent=settings.get_profile("default"), max_examples=10)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def examples(share: float = 1.0) -> int:
    """A test's example count: `share` of the profile's (a costly test takes less, a cheap one more)."""
    return max(1, round(settings().max_examples * share))


def pytest_collection_modifyitems(items):
    """Mark every test that needs a PostgreSQL server or Chromium (`-m "not postgresql and not browser"`
    leaves them out)."""
    for item in items:
        if "postgres_server" in item.fixturenames or "postgres_url" in item.fixturenames:
            item.add_marker(pytest.mark.postgresql)
        if "chromium" in item.fixturenames:
            item.add_marker(pytest.mark.browser)


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


@pytest.fixture(scope="session")
def stores(request, tmp_path_factory):
    """Every kind of store built once per session (evidence.testing.stores), PostgreSQL started on demand."""
    factory = StoreFactory(tmp_path_factory.mktemp("store-templates"),
                           lambda: request.getfixturevalue("postgres_server"))
    yield factory
    factory.close()


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def backend(request) -> str:
    return request.param


def _copy(stores: StoreFactory, backend: str, kind: str, tmp_path: Path):
    url = stores.store(backend, kind, tmp_path)
    yield url
    stores.drop(url)


@pytest.fixture
def postgres_url(stores) -> str:
    """A fresh, empty PostgreSQL database, dropped when the test ends."""
    yield from _copy(stores, "postgresql", "empty", Path())


@pytest.fixture
def duckdb_url(tmp_path) -> str:
    return f"duckdb:///{tmp_path / 'store.duckdb'}"


@pytest.fixture
def store_url(backend, stores, tmp_path) -> str:
    """An empty store URL (no schema) on each engine in turn."""
    yield from _copy(stores, backend, "empty", tmp_path)


def _engine(stores: StoreFactory, backend: str, kind: str, tmp_path: Path):
    for url in _copy(stores, backend, kind, tmp_path):
        engine = engine_for(url)
        yield engine
        engine.dispose()


@pytest.fixture
def engine(backend, stores, tmp_path):
    """An initialised, empty store on each engine."""
    yield from _engine(stores, backend, "initialised", tmp_path)


@pytest.fixture
def loaded(backend, stores, tmp_path):
    """A store on each engine with the isatuximab seed loaded."""
    yield from _engine(stores, backend, "loaded", tmp_path)


@pytest.fixture
def pooled(backend, stores, tmp_path):
    """A store on each engine with the isatuximab seed loaded and pooled once (one run)."""
    yield from _engine(stores, backend, "pooled", tmp_path)


@pytest.fixture
def updated(backend, stores, tmp_path):
    """A store on each engine with the isatuximab seed and its first update loaded (two runs)."""
    yield from _engine(stores, backend, "updated", tmp_path)


def url_of(engine: sa.Engine) -> str:
    """The URL an engine was made from, password included (for a subprocess to open the same store)."""
    return engine.url.render_as_string(hide_password=False)


def snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: to prove a failed operation changed nothing."""
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(sa.select(table)).all()), key=repr)
            for name, table in schema.metadata.tables.items()
        }
