"""Connecting to a store: URLs, engines, migrations, and the errors a user can act on."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from evidence.errors import DatabaseLockedError, DatabaseMissingError, EvidenceError

DEFAULT_URL = "duckdb:///evidence.duckdb"
ENV_VAR = "EVIDENCE_DB"
MIGRATIONS = "evidence.store:migrations"


def resolve_url(url: str | None = None) -> str:
    """The URL given, else $EVIDENCE_DB, else a DuckDB file in the working folder."""
    return url or os.environ.get(ENV_VAR) or DEFAULT_URL


def engine_name(url: str) -> str:
    """"duckdb" or "postgresql" (the SQLAlchemy backend name of a URL)."""
    return sa.engine.make_url(url).get_backend_name()


def is_duckdb(url: str) -> bool:
    return sa.engine.make_url(url).get_backend_name() == "duckdb"


def duckdb_path(url: str) -> Path | None:
    """The file behind a DuckDB URL, or None for an in-memory database."""
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def create_engine(url: str | None = None, *, read_only: bool = False, must_exist: bool = True) -> sa.Engine:
    """An engine for `url` with no connection pool.

    NullPool: DuckDB holds its file lock while any pooled connection lives, and
    a CLI process must let go of the file as soon as a command is done.
    `read_only` opens DuckDB files read-only, so readers never take the write lock.
    """
    url = resolve_url(url)
    connect_args: dict = {}
    if is_duckdb(url):
        path = duckdb_path(url)
        if path is not None and must_exist and not path.exists():
            raise DatabaseMissingError(f"no database at {path}: run `evidence init` first")
        if read_only and path is not None:
            connect_args["read_only"] = True
    try:
        return sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as error:
        raise EvidenceError(f"cannot use database URL {url!r}: {error}") from None


_LOCK = re.compile(r"Conflicting lock is held in .*?\(PID (\d+)\)", re.S)


def explain_operational_error(error: BaseException) -> EvidenceError | None:
    """Turn a driver error into a sentence a user can act on, or None if it is not one we know."""
    text = str(error)
    match = _LOCK.search(text)
    if match:
        return DatabaseLockedError(f"database is locked by process {match.group(1)}: wait for it to finish, then try again")
    if "Could not set lock on file" in text:
        return DatabaseLockedError("database is locked by another process: wait for it to finish, then try again")
    if re.search(r"(Table|View) with name \w+ does not exist|relation \"\w+\" does not exist", text):
        return DatabaseMissingError("the database has no evidence schema (or an old one): run `evidence init`")
    if "could not connect" in text.lower() or "connection refused" in text.lower():
        return EvidenceError(f"cannot connect to the database: {text.splitlines()[0]}")
    return None


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Re-raise known driver errors as EvidenceError with one clear sentence."""
    try:
        yield
    except sa.exc.DBAPIError as error:
        explained = explain_operational_error(error.orig or error)
        if explained is None:
            raise
        raise explained from None


def alembic_config(connection: sa.Connection):
    from alembic.config import Config

    import evidence.store.migrations  # noqa: F401  (registers DuckDB with alembic)

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema (tables, sequences, views) to `revision` in one transaction.

    At head the views are created afresh from the package's SQL: views are
    derived objects, so a changed or added .sql file reaches every store on its
    next `evidence init` without a migration of its own.
    """
    from alembic import command

    from evidence.store.queries import create_views, drop_views

    with friendly_errors(), engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
        if revision == "head":
            drop_views(connection)
            create_views(connection)


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    import evidence.store.migrations  # noqa: F401  (registers DuckDB with alembic)

    with friendly_errors(), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def init(url: str | None = None) -> str:
    """Create the database if needed and upgrade it to head; return the revision reached."""
    engine = create_engine(url, must_exist=False)
    try:
        upgrade(engine)
        return current_revision(engine) or "base"
    finally:
        engine.dispose()


def require_schema(engine: sa.Engine) -> None:
    """Fail with a hint to run `evidence init` if the store has no schema at head."""
    from alembic.script import ScriptDirectory

    with friendly_errors(), engine.connect() as connection:
        head = ScriptDirectory.from_config(alembic_config(connection)).get_current_head()
    current = current_revision(engine)
    if current is None:
        raise DatabaseMissingError("the database has no evidence schema: run `evidence init`")
    if current != head:
        raise DatabaseMissingError(f"the database schema is at {current}, not the latest: run `evidence init` to upgrade it")
