"""Migrations: one head, models and migrations agree, and the schema can evolve on a populated store."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory

from evidence.store import database as db, schema
from evidence.store.migrations.helpers import alter_column_type, views_lifted
from evidence.store.queries import VIEWS

from .conftest import SEED, snapshot


def test_one_head():
    engine = sa.create_engine("duckdb:///:memory:")
    with engine.connect() as connection:
        heads = ScriptDirectory.from_config(db.alembic_config(connection)).get_heads()
    assert heads == ["0010"]


def test_models_and_migrations_agree_on_postgresql(postgres_url):
    """PostgreSQL reflects faithfully (STACK.md), so autogenerate must find nothing to change."""
    db.init(postgres_url)
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), schema.metadata)
    engine.dispose()
    assert differences == []


def test_models_and_migrations_agree_on_duckdb(duckdb_url):
    """DuckDB's reflection through SQLAlchemy drops keys, so compare tables, columns and types from its catalogue."""
    db.init(duckdb_url)
    engine = db.create_engine(duckdb_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
            " WHERE table_schema = 'main' AND table_name <> 'alembic_version'"
        )).all()
        views = {r[0] for r in connection.execute(sa.text("SELECT view_name FROM duckdb_views() WHERE NOT internal"))}
    engine.dispose()
    in_database = {(t, c): (ty, n == "YES") for t, c, ty, n in rows if t not in views}
    type_names = {"INTEGER": "INTEGER", "TEXT": "VARCHAR", "DOUBLE": "DOUBLE", "DATETIME": "TIMESTAMP",
                  "DATE": "DATE", "BOOLEAN": "BOOLEAN"}
    in_models = {
        (table.name, column.name): (type_names[column.type.__visit_name__.upper()], column.nullable)
        for table in schema.metadata.tables.values() for column in table.columns
    }
    assert in_database == in_models
    assert views == set(VIEWS)


def test_downgrade_to_base_and_back(duckdb_url):
    db.init(duckdb_url)
    engine = db.create_engine(duckdb_url)
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(db.alembic_config(connection), "base")
    with engine.connect() as connection:
        left = connection.execute(sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")).scalars().all()
    assert left == ["alembic_version"]
    db.upgrade(engine)
    assert db.current_revision(engine) == "0010"
    engine.dispose()


def test_later_style_migration_keeps_every_row(store_url):
    """A future migration that adds a column to a referenced table and changes another column, on a loaded store.

    DuckDB allows only nullable additions on referenced tables (STACK.md); this is the
    shape later migrations must take, and it must keep every row on both engines.
    """
    from evidence.workflows.load import build_store

    engine, _ = build_store(store_url, SEED)
    before = snapshot(engine)
    with engine.begin() as connection:
        op = Operations(MigrationContext.configure(connection))
        with views_lifted(op):
            op.add_column("study", sa.Column("acronym", sa.Text(), nullable=True))
            alter_column_type(op, "published_result", "k", sa.BigInteger(), existing_type=sa.Integer())
    after = snapshot(engine)
    assert {name: len(rows) for name, rows in after.items()} == {name: len(rows) for name, rows in before.items()}
    assert after["published_result"] == before["published_result"]
    with engine.connect() as connection:
        k_type = connection.execute(sa.text(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'published_result' AND column_name = 'k'"
        )).scalar()
        assert k_type.upper() == "BIGINT"
        studies = connection.execute(sa.text("SELECT label, acronym FROM study ORDER BY label")).all()
        assert [s for s, _ in studies] == ["GMMG-HD7", "ICARIA-MM", "IKEMA", "IMROZ"]
        assert all(a is None for _, a in studies)
        assert connection.execute(sa.text("SELECT COUNT(*) FROM analysis_input")).scalar() > 0
    engine.dispose()


def upgraded_keeping_every_row(store_url: str, revision: str, statements: list[str]) -> tuple[sa.Engine, dict]:
    """A store populated by `statements` at `revision`, upgraded to head: every row of every table it had is
    still there, column for column. Returns the engine and those rows, by table."""
    engine = db.create_engine(store_url, must_exist=False)
    db.upgrade(engine, revision)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    # The columns that still exist at head (0009 moved table 1's arm columns into arm_attribute: its own test).
    old_columns = {
        table: [c["name"] for c in sa.inspect(engine).get_columns(table) if c["name"] in schema.metadata.tables[table].c]
        for table in schema.metadata.tables if sa.inspect(engine).has_table(table)
    }

    def rows(table):
        with engine.connect() as connection:
            return sorted(map(tuple, connection.execute(sa.text(f"SELECT {', '.join(old_columns[table])} FROM {table}"))), key=repr)

    before = {table: rows(table) for table in old_columns}
    db.upgrade(engine)
    assert db.current_revision(engine) == "0010"
    for table, found in before.items():
        assert rows(table) == found, table
    return engine, before


@pytest.mark.slow  # every migration from the first, on a loaded store
def test_upgrade_from_the_first_migration_keeps_every_row_and_dates_them_to_the_first_update(store_url):
    """A store populated under the first migration (before updates existed) upgraded to head keeps every row.

    The rows that 0003 dates get the review's first update; the views come back.
    """
    statements = [
        "INSERT INTO review (id, slug, title) VALUES (1, 'r', 'R')",
        "INSERT INTO review_update (id, review_id, number, label) VALUES (1, 1, 0, 'original review')",
        "INSERT INTO study (id, review_id, label, status) VALUES (1, 1, 'A', 'included')",
        "INSERT INTO report (id, study_id, label, kind) VALUES (1, 1, 'A 2020', 'journal')",
        "INSERT INTO arm (id, study_id, role, randomised_n) VALUES (1, 1, 'experimental', 10), (2, 1, 'control', 11)",
        "INSERT INTO outcome (id, review_id, name, kind, measure) VALUES (1, 1, 'death', 'dichotomous', 'RR')",
        "INSERT INTO dichotomous_data (id, outcome_id, arm_id, variant, events, total) VALUES (1, 1, 1, 'primary', 2, 10), (2, 1, 2, 'primary', 4, 11)",
        "INSERT INTO correction (id, review_id, table_name, row_id, field, printed, corrected, reason) VALUES (1, 1, 'arm', 1, 'randomised_n', '10', '12', 'misprint')",
        "INSERT INTO analysis (id, review_id, outcome_id, name, measure, method) VALUES (1, 1, 1, 'death', 'RR', 'MH')",
    ]
    engine, before = upgraded_keeping_every_row(store_url, "0001", statements)
    with engine.connect() as connection:
        for table in ("study", "report", "correction", "dichotomous_data"):
            assert connection.execute(sa.text(f"SELECT review_update_id FROM {table}")).scalars().all() == [1] * len(before[table])
        assert connection.execute(sa.text("SELECT randomised_n FROM arm_current ORDER BY arm_id")).scalars().all() == [12, 11]
        assert connection.execute(sa.text("SELECT COUNT(*) FROM analysis_input")).scalar() == 1
    engine.dispose()


def test_the_protocol_migration_keeps_every_row_and_screens_old_reviews_singly(store_url):
    """A store populated under 0007 (a review with criteria, records, decisions) upgraded to 0008 keeps every
    row; its review's screening modes are NULL, which means single: one screener's decision still decides."""
    statements = [
        "INSERT INTO review (id, slug, title, question, bias_tool) VALUES (1, 'r', 'R', 'Does A work?', 'RoB 1')",
        "INSERT INTO review_update (id, review_id, number, label) VALUES (1, 1, 0, 'original review')",
        "INSERT INTO eligibility_criterion (id, review_id, kind, text, position) VALUES (1, 1, 'population', 'adults', 1)",
        "INSERT INTO search (id, review_update_id, database) VALUES (1, 1, 'PubMed')",
        "INSERT INTO record (id, search_id, source_key, title) VALUES (1, 1, 'a', 'A'), (2, 1, 'b', 'B'), (3, 1, 'c', 'C')",
        "INSERT INTO screening_decision (id, record_id, stage, reviewer, decision, role) VALUES"
        " (1, 1, 'title_abstract', 'ann', 'include', 'screener'), (2, 2, 'title_abstract', 'ann', 'exclude', 'screener'),"
        " (3, 1, 'full_text', 'ann', 'exclude', 'screener')",
    ]
    engine, before = upgraded_keeping_every_row(store_url, "0007", statements)
    assert "exclusion_reason" not in before and "protocol_edit" not in before and len(before["screening_decision"]) == 3
    with engine.connect() as connection:
        assert connection.execute(sa.text(
            "SELECT screening_title_abstract, screening_full_text FROM review")).all() == [(None, None)]
        for table in ("exclusion_reason", "protocol_edit"):
            assert connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0
        status = connection.execute(sa.text(
            "SELECT record_id, stage, final_decision FROM screening_status ORDER BY record_id, stage")).all()
    assert status == [(1, "full_text", "exclude"), (1, "title_abstract", "include"), (2, "title_abstract", "exclude")]
    engine.dispose()


def test_the_protocol_migration_goes_down_and_up_again(store_url):
    """Head down to 0007 (through 0009 and 0008) and back on both engines (DuckDB keeps the added review columns; the upgrade skips them)."""
    from alembic import command

    db.init(store_url)
    engine = db.create_engine(store_url)
    with engine.begin() as connection:
        command.downgrade(db.alembic_config(connection), "0007")
    assert not sa.inspect(engine).has_table("protocol_edit") and not sa.inspect(engine).has_table("exclusion_reason")
    db.upgrade(engine)
    assert db.current_revision(engine) == "0010"
    engine.dispose()
