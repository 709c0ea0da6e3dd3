"""Teams and scale: the same numbers on both engines, many reviewers at once on PostgreSQL,
DuckDB's single writer, concurrent loads, exports, and the store benchmark's wiring."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys

import pytest
import sqlalchemy as sa

from evidence.errors import DatabaseLockedError
from evidence.outputs.export import REVIEW_ROWS, export_review
from evidence.store import database as db, schema
from evidence.store.queries import VIEWS
from evidence.testing.cli import run
from evidence.workflows.load import build_store, load_seed
from evidence.workflows.pool import pool_review
from evidence.workflows.screening import record_decision

from .conftest import SEED, snapshot

RESULT_COLUMNS = {
    "pooled_result": "analysis_id, model, chosen, k, participants, events_experimental, events_control, estimate, ci_low,"
                     " ci_high, te, se, statistic, p, q, q_df, q_p, i2, tau2, measure, scale, method, tau2_method,"
                     " ci_method, zero_cell_rule, preset, level",
    "subgroup_result": "analysis_id, subgroup, model, chosen, k, estimate, ci_low, ci_high, q, q_p, i2, tau2",
    "subgroup_test": "analysis_id, model, q, df, p",
    "study_result": "analysis_id, study_id, te, se, estimate, ci_low, ci_high, weight_fixed, weight_random, estimable",
}


def results_tables(engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table: sorted(
                connection.execute(sa.text(f"SELECT {columns} FROM {table}")).all(), key=repr
            )
            for table, columns in RESULT_COLUMNS.items()
        }


def test_same_results_tables_on_duckdb_and_postgresql(duckdb_url, postgres_url):
    tables = []
    for url in (duckdb_url, postgres_url):
        engine, _ = build_store(url, SEED)
        pool_review(engine)
        tables.append(results_tables(engine))
        engine.dispose()
    duck, pg = tables
    for table in RESULT_COLUMNS:
        assert len(duck[table]) == len(pg[table]) > 0, table
        for a, b in zip(duck[table], pg[table]):
            for x, y in zip(a, b):
                if isinstance(x, float) and isinstance(y, float):
                    assert x == pytest.approx(y, rel=1e-12, abs=1e-15), table
                else:
                    assert x == y, table


def _decide(url: str, record_ids: list[int], worker: int, count: int) -> None:
    engine = db.create_engine(url)
    for i in range(count):
        record_decision(engine, record_ids[i % len(record_ids)], "title_abstract", f"reviewer-{worker}",
                        "include" if i % 3 else "exclude", reason=f"{worker}:{i}")
    engine.dispose()


@pytest.mark.serial  # processes competing for one store: run alone, not beside other tests
def test_eight_reviewers_at_once_on_postgresql(postgres_url):
    db.init(postgres_url)
    engine = db.create_engine(postgres_url)
    with engine.begin() as c:
        review = c.execute(sa.insert(schema.Review).values(slug="team", title="t").returning(schema.Review.id)).scalar()
        update = c.execute(sa.insert(schema.ReviewUpdate).values(review_id=review, number=0).returning(schema.ReviewUpdate.id)).scalar()
        search = c.execute(sa.insert(schema.Search).values(review_update_id=update, database="PubMed").returning(schema.Search.id)).scalar()
        record_ids = [c.execute(sa.insert(schema.Record).values(search_id=search, source_key=str(i)).returning(schema.Record.id)).scalar()
                      for i in range(50)]
    workers, each = 8, 500
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_decide, args=(postgres_url, record_ids, w, each)) for w in range(workers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=300)
        assert p.exitcode == 0
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT reviewer, reason, decided_at FROM screening_decision")).all()
    assert len(rows) == workers * each
    assert len({reason for _, reason, _ in rows}) == workers * each  # every decision kept once
    assert {reviewer for reviewer, _, _ in rows} == {f"reviewer-{w}" for w in range(workers)}
    assert all(decided_at is not None for *_, decided_at in rows)
    engine.dispose()


def _load(url: str, queue) -> None:
    try:
        result = load_seed(db.create_engine(url), SEED)
        queue.put(("loaded" if result.loaded else "unchanged", ""))
    except Exception as error:  # noqa: BLE001 - reported back to the test
        queue.put((type(error).__name__, str(error)))


@pytest.mark.serial  # processes competing for one store: run alone, not beside other tests
def test_two_loads_of_the_same_review_at_once_on_postgresql(postgres_url):
    db.init(postgres_url)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_load, args=(postgres_url, queue)) for _ in range(2)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=300)
    outcomes = sorted(queue.get(timeout=10)[0] for _ in processes)
    assert outcomes == ["loaded", "unchanged"]  # one wins; the other waits, then finds the same content
    engine = db.create_engine(postgres_url)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT COUNT(*) FROM review")).scalar() == 1
        assert c.execute(sa.text("SELECT COUNT(*) FROM study")).scalar() == 4
    engine.dispose()


@pytest.mark.serial  # processes competing for one store: run alone, not beside other tests
def test_duckdb_second_writer_is_told_who_holds_the_file(duckdb_url):
    db.init(duckdb_url)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)",
         duckdb_url.removeprefix("duckdb:///")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseLockedError, match=f"locked by process {holder.pid}"):
            load_seed(db.create_engine(duckdb_url), SEED)
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.serial  # processes competing for one store: run alone, not beside other tests
def test_read_only_commands_share_the_file_with_another_reader(duckdb_url, tmp_path):
    """`sql`, `prisma` and `export` open DuckDB read-only, so they run while another process reads."""
    engine, _ = build_store(duckdb_url, SEED)
    engine.dispose()
    path = duckdb_url.removeprefix("duckdb:///")
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True);"
         " print('reading', flush=True); time.sleep(60)", path], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "reading"
        for args in (["sql", "SELECT COUNT(*) AS n FROM study", "--format", "csv"], ["prisma", "--json"],
                     ["export", "--out", str(tmp_path / "out")]):
            done = subprocess.run([sys.executable, "-m", "evidence", "--db", duckdb_url, *args], capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, (args, done.stderr)
        writer = subprocess.run([sys.executable, "-m", "evidence", "--db", duckdb_url, "pool"], capture_output=True,
                                text=True, timeout=120)
        assert writer.returncode == 4 and f"locked by process {reader.pid}" in writer.stderr
    finally:
        reader.kill()
        reader.wait()


def test_every_table_and_view_has_an_export_rule():
    assert set(REVIEW_ROWS) == set(schema.metadata.tables) | set(VIEWS)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_export_writes_every_table_and_view_of_one_review(loaded, tmp_path, fmt):
    import duckdb

    pool_review(loaded)
    # A second review in the same store must not leak into the export.
    with loaded.begin() as c:
        c.execute(sa.insert(schema.Review).values(slug="other", title="another review"))
    result = export_review(loaded, "isatuximab-mm", fmt, tmp_path)
    assert result.rows["review"] == 1 and result.rows["study"] == 4 and result.rows["arm"] == 8
    assert result.rows["prisma_flow"] == 1 and result.rows["ci_level"] == 4
    before = snapshot(loaded)
    if fmt == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(result.files[0], read_only=True)
        assert set(workbook.sheetnames) == {name[:31] for name in REVIEW_ROWS}
        rows = list(workbook["dichotomous_data"].iter_rows(values_only=True))
        assert len(rows) == 1 + before["dichotomous_data"].__len__()
    else:
        assert {p.stem for p in result.files} == set(REVIEW_ROWS)
        reader = f"read_csv('{tmp_path}/pooled_result.csv')" if fmt == "csv" else f"'{tmp_path}/pooled_result.parquet'"
        assert duckdb.sql(f"SELECT COUNT(*) FROM {reader}").fetchall()[0][0] == len(before["pooled_result"])
    assert snapshot(loaded) == before


def test_export_for_r_has_one_csv_per_analysis_in_meta_names(loaded, tmp_path):
    import csv
    import math

    pool_review(loaded)
    result = export_review(loaded, "isatuximab-mm", "r", tmp_path)
    with (tmp_path / "analyses.csv").open(newline="", encoding="utf-8") as handle:
        index = {row["analysis"]: row for row in csv.DictReader(handle)}
    assert set(index) == {"orr", "vgpr", "pfs", "os", "any_ae", "ae_discontinuation", "pneumonia",
                          "orr_by_prior_lines", "vgpr_by_prior_lines"}
    assert (index["pfs"]["function"], index["pfs"]["sm"], index["pfs"]["model"]) == ("metagen", "HR", "fixed")
    assert (index["orr"]["function"], index["orr"]["method"], index["orr"]["model"]) == ("metabin", "MH", "random")
    with (tmp_path / "pfs.csv").open(newline="", encoding="utf-8") as handle:
        pfs = {row["studlab"]: row for row in csv.DictReader(handle)}
    # ../shared/trials/outcomes.csv: ICARIA-MM PFS HR 0.596 (95% CI 0.44 to 0.81).
    assert float(pfs["ICARIA-MM"]["TE"]) == pytest.approx(math.log(0.596), rel=1e-14)
    with (tmp_path / "orr.csv").open(newline="", encoding="utf-8") as handle:
        orr = list(csv.DictReader(handle))
    assert [(r["studlab"], r["event.e"], r["n.e"], r["event.c"], r["n.c"]) for r in orr] == [
        ("ICARIA-MM", "93", "154", "54", "153"), ("IKEMA", "156", "179", "102", "123")]
    assert "metabin(event.e, n.e, event.c, n.c" in (tmp_path / "read_in_r.R").read_text()
    assert result.rows["pfs"] == 4


def test_bench_store_reports_each_step(tmp_path):
    from evidence.jobs.bench.store import run_store_bench

    result = run_store_bench(f"duckdb:///{tmp_path / 'bench.duckdb'}", reviews=3, outcomes=4, studies=5)
    assert (result["engine"], result["reviews"], result["analyses"], result["rows"]) == ("duckdb", 3, 12, 60)
    assert [s["step"] for s in result["steps"]] == ["generate", "load", "pool", "write", "repool"]
    assert all(s["seconds"] > 0 for s in result["steps"]) and result["peak_rss_mb"] > 0
    engine = db.create_engine(f"duckdb:///{tmp_path / 'bench.duckdb'}")
    with engine.connect() as c:
        # two runs (pool, then repool) of 12 analyses, both models each
        assert c.execute(sa.text("SELECT COUNT(*) FROM pooled_result")).scalar() == 2 * 12 * 2
        assert c.execute(sa.text("SELECT COUNT(*) FROM analysis_run")).scalar() == 2 * 3
    engine.dispose()


def test_cli_on_postgresql(postgres_url):
    def evidence(*args):
        return run("--db", postgres_url, *args)

    assert evidence("init").returncode == 0
    assert evidence("load", str(SEED)).returncode == 0
    flow = json.loads(evidence("prisma", "--json").stdout)
    assert (flow["database_results"], flow["new_studies"]) == (796, 4)
    pooled = json.loads(evidence("pool", "--json").stdout)
    assert any(p["outcome"] == "PFS" and p["chosen"] and p["k"] == 4 for p in pooled)
    refused = evidence("sql", "DELETE FROM study")
    assert refused.returncode == 5 and "read-only" in refused.stderr
    assert evidence("sql", "SELECT COUNT(*) AS n FROM study", "--format", "csv").stdout.split() == ["n", "4"]
