"""Stores for the tests: each kind built once per session, each test handed its own copy.

Building a store (migrations, then the isatuximab review and its update, each
pooled) takes seconds; a test needs one at once. `StoreFactory` builds each kind
the first time a test asks for it and copies it after that: a file copy of the
DuckDB file, or on PostgreSQL a database cloned from a template database
(CREATE DATABASE ... TEMPLATE, a file-level copy inside the server). A copy on
PostgreSQL is dropped as soon as its test ends, so a session leaves no databases
behind.

Kinds: "empty" (no schema: for tests of `evidence init` and of migrations),
"initialised" (the latest schema, no review), "loaded" (the demo review loaded),
"pooled" (loaded, then pooled once: one run), "updated" (the demo review and its update folders
loaded: two runs).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from evidence.seeds import ISATUXIMAB
from evidence.store.database import create_engine, init
from evidence.workflows.load import build_store
from evidence.workflows.pool import pool_review

KINDS = ("empty", "initialised", "loaded", "pooled", "updated")
_names = itertools.count(1)


def _build(url: str, kind: str) -> None:
    """Bring the store at `url` to `kind`."""
    if kind == "empty":
        return
    if kind == "initialised":
        init(url)
        return
    engine, _ = build_store(url, ISATUXIMAB, with_updates=kind == "updated")
    if kind == "pooled":
        pool_review(engine)
    engine.dispose()


class StoreFactory:
    """Copies of built stores on DuckDB (files under `folder`) and PostgreSQL (databases of the server
    `postgres()` returns: started only when a test first asks for a PostgreSQL store)."""

    def __init__(self, folder: Path, postgres: Callable[[], object] | None = None):
        self.folder = folder
        self._postgres_getter = postgres
        self._postgres = None
        self._templates: dict[tuple[str, str], str] = {}  # (backend, kind) -> file path or database name
        self._tag = f"{os.getpid()}"

    # ---------------------------------------------------------------- PostgreSQL

    @property
    def postgres(self):
        if self._postgres is None:
            if self._postgres_getter is None:
                raise RuntimeError("this factory has no PostgreSQL server")
            self._postgres = self._postgres_getter()
        return self._postgres

    def _admin(self, statement: str) -> None:
        engine = sa.create_engine(self.postgres.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(sa.text(statement))
        finally:
            engine.dispose()

    def _new_database(self, template: str | None = None) -> str:
        name = f"evidence_test_{self._tag}_{next(_names)}"
        self._admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return name

    def drop(self, url: str) -> None:
        """Drop a PostgreSQL copy (a DuckDB copy lives in the test's tmp_path, which pytest removes)."""
        if sa.engine.make_url(url).get_backend_name() == "postgresql":
            name = sa.engine.make_url(url).database
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    # ---------------------------------------------------------------- both

    def _template(self, backend: str, kind: str) -> str:
        key = (backend, kind)
        if key not in self._templates:
            if backend == "duckdb":
                path = self.folder / f"{kind}.duckdb"
                _build(f"duckdb:///{path}", kind)
                self._templates[key] = str(path)
            else:
                name = self._new_database()
                _build(self.postgres.database_url(name), kind)
                self._templates[key] = name
        return self._templates[key]

    def store(self, backend: str, kind: str, folder: Path) -> str:
        """The URL of a fresh copy of a store of `kind` on `backend` ("duckdb" files go into `folder`)."""
        if kind not in KINDS:
            raise ValueError(f"no store kind {kind!r} (kinds: {', '.join(KINDS)})")
        if backend == "duckdb":
            path = folder / f"store-{next(_names)}.duckdb"
            if kind != "empty":
                shutil.copyfile(self._template(backend, kind), path)
            return f"duckdb:///{path}"
        if kind == "empty":
            return self.postgres.database_url(self._new_database())
        return self.postgres.database_url(self._new_database(template=self._template(backend, kind)))

    def close(self) -> None:
        """Drop the PostgreSQL templates from a server someone else runs (a throwaway server goes whole,
        and the DuckDB files go with pytest's temporary folders)."""
        from evidence.testing.postgres import External

        if isinstance(self._postgres, External):
            for (backend, _), name in self._templates.items():
                if backend == "postgresql":
                    self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def engine_for(url: str) -> sa.Engine:
    """An engine on a copy (no pool: DuckDB lets go of the file when a test's connection closes)."""
    return create_engine(url)
