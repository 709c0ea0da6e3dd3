"""The CLI's wiring: one test per command, and the errors a user sees (one line, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from evidence.testing.cli import run

from .conftest import REPO, SEED, SHARED, UPDATE_1


def evidence(*args: str, url: str | None = None, cwd=None, input: str | None = None):
    """`evidence ARGS` run in this process (evidence.testing.cli): returncode, stdout, stderr."""
    return run(*args, url=url, cwd=cwd, input=input)


def real_evidence(*args: str, url: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    """`python -m evidence ARGS` in a new process: for the tests of the entry point itself."""
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_DEBUG"}
    if url:
        env["EVIDENCE_DB"] = url
    return subprocess.run([sys.executable, "-m", "evidence", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)


def assert_one_line_error(result, code: int, *phrases: str):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for phrase in phrases:
        assert phrase in lines[0]


@pytest.fixture
def store(stores, tmp_path) -> str:
    """A DuckDB store at the latest schema, no review."""
    return stores.store("duckdb", "initialised", tmp_path)


@pytest.fixture
def loaded_store(stores, tmp_path) -> str:
    """A DuckDB store with the isatuximab review loaded (not pooled)."""
    return stores.store("duckdb", "loaded", tmp_path)


@pytest.fixture
def updated_store(stores, tmp_path) -> str:
    """A DuckDB store with the isatuximab review and its first update loaded (two runs)."""
    return stores.store("duckdb", "updated", tmp_path)


def test_help_imports_nothing_heavy():
    code = "import sys, evidence.cli; print(sorted(m for m in ('sqlalchemy', 'numpy', 'scipy', 'pandas', 'matplotlib', 'duckdb') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    result = real_evidence("--help")
    assert result.returncode == 0 and "pool" in result.stdout and "--db" in result.stdout
    # The installed entry point runs the same app and turns an error into one line and its exit code.
    assert_one_line_error(real_evidence("prisma", url="nosuchdb://x"), 1, "cannot use database URL")


def test_init_creates_the_default_file_in_the_working_folder(tmp_path):
    result = evidence("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "evidence.duckdb").exists()
    assert "revision 0010" in result.stdout


def test_load_then_load_again(store):
    first = evidence("load", str(SEED), url=store)
    assert first.returncode == 0 and "loaded review 'isatuximab-mm'" in first.stdout
    again = evidence("load", str(SEED), url=store)
    assert again.returncode == 0 and "nothing changed" in again.stdout
    update = evidence("load", str(UPDATE_1), url=store)
    assert update.returncode == 0, update.stderr
    assert "loaded update 1 of review 'isatuximab-mm'" in update.stdout and "analysis run 2" in update.stdout
    assert "was already loaded" in evidence("load", str(UPDATE_1), url=store).stdout
    flows = [json.loads(evidence("prisma", "--json", *args, url=store).stdout) for args in ((), ("--update", "0"))]
    assert [(f["update"], f["total_studies"]) for f in flows] == [(1, 5), (0, 4)]


def test_prisma_json(loaded_store):
    result = evidence("prisma", "--json", url=loaded_store)
    assert result.returncode == 0, result.stderr
    flow = json.loads(result.stdout)
    # FACTS.md, study flow.
    assert (flow["database_results"], flow["records_excluded"], flow["dbr_excluded"], flow["new_studies"]) == (796, 771, 21, 4)
    assert flow["duplicates"] is None
    assert "ok" in evidence("prisma", url=loaded_store).stdout


def test_pool_json_has_the_contract_keys(loaded_store):
    result = evidence("pool", "--json", url=loaded_store)
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    keys = {"outcome", "measure", "model", "chosen", "k", "participants", "estimate", "ci_low", "ci_high", "p", "i2", "tau2", "published"}
    assert all(keys <= set(item) for item in items)
    pfs = next(i for i in items if i["outcome"] == "PFS" and i["chosen"])
    assert pfs["k"] == 4 and round(pfs["estimate"], 2) == 0.62
    assert pfs["published"]["estimate"] == 0.61
    text = evidence("pool", url=loaded_store).stdout
    assert "published" in text and "fewer trials with sourced data" in text


def test_sql_formats_and_refusal(loaded_store):
    as_csv = evidence("sql", "SELECT outcome, k FROM outcome_overview WHERE outcome = 'PFS'", "--format", "csv", url=loaded_store)
    assert as_csv.stdout.strip().splitlines() == ["outcome,k", "PFS,4"]
    as_json = evidence("sql", "SELECT label FROM study ORDER BY label", "--format", "json", url=loaded_store)
    assert [r["label"] for r in json.loads(as_json.stdout)] == ["GMMG-HD7", "ICARIA-MM", "IKEMA", "IMROZ"]
    assert "(4 rows)" in evidence("sql", "SELECT * FROM study", url=loaded_store).stdout
    assert_one_line_error(evidence("sql", "DROP TABLE study", url=loaded_store), 5, "read-only")


def test_meta_json(tmp_path):
    # ../shared/trials/outcomes.csv, primary PFS rows: each CI at its own level.
    data = tmp_path / "pfs.csv"
    data.write_text("study,estimate,ci_low,ci_high,ci_level\nICARIA-MM,0.596,0.44,0.81,0.95\nIKEMA,0.58,0.42,0.79,0.954\n"
                    "IMROZ,0.60,0.41,0.88,0.985\nGMMG-HD7,0.70,0.52,0.95,0.95\n", encoding="utf-8")
    result = evidence("meta", str(data), "--measure", "HR", "--model", "fixed", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["k"] == 4 and round(out["estimate"], 4) == 0.6182 and round(out["ci_high"], 4) == 0.7204
    assert "IMROZ" in evidence("meta", str(data), "--measure", "HR").stdout


def test_rob_rob2(tmp_path):
    # D1 only concealment NI and a baseline imbalance (High), the other domains at their shortest Low paths.
    answers = {"1.2": "NI", "1.3": "Y", "2.1": "N", "2.2": "N", "2.6": "Y", "3.1": "Y", "4.1": "N", "4.2": "N",
               "4.3": "N", "5.1": "Y", "5.2": "N", "5.3": "N"}
    data = tmp_path / "rob.csv"
    data.write_text("result,domain,question,answer\n" + "".join(f"T1,D{q[0]},{q},{a}\n" for q, a in answers.items()))
    out = json.loads(evidence("rob", "rob2", str(data), "--json").stdout)
    assert out[0]["domains"]["D1"] == "High" and out[0]["overall"] == "High"
    assert "1.2 NI -> 1.3 Y" in evidence("rob", "rob2", str(data)).stdout


@pytest.mark.slow  # the whole main job, twice
def test_demo_runs_the_main_job(tmp_path):
    result = evidence("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "796" in result.stdout and "published" in result.stdout and "pfs" in result.stdout
    # The first update: IsKia joins (5 studies in total) and IKEMA's corrected n changes PFS participants.
    assert "update 1: loaded" in result.stdout and "total_studies             5" in result.stdout
    assert "pfs: participants 1665 -> 1715" in result.stdout
    assert (tmp_path / "evidence.duckdb").exists()
    assert "wrote evidence-report.html" in result.stdout
    assert (tmp_path / "evidence-report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "nothing changed" in evidence("demo", cwd=tmp_path).stdout


def test_missing_database_hints_at_init(tmp_path):
    result = evidence("prisma", url=f"duckdb:///{tmp_path / 'none.duckdb'}")
    assert_one_line_error(result, 3, "evidence init")


def test_broken_seed_is_one_line(store, tmp_path):
    import shutil

    copy = tmp_path / "seed"
    shutil.copytree(SEED, copy)
    text = (copy / "arms.csv").read_text(encoding="utf-8").replace(",154,", ",many,", 1)
    (copy / "arms.csv").write_text(text, encoding="utf-8")
    result = evidence("load", str(copy), url=store)
    assert_one_line_error(result, 2, "arms.csv", "row 2", "'randomised_n'", "'many' is not a whole number")
    assert "[]" in evidence("sql", "SELECT * FROM review", "--format", "json", url=store).stdout


@pytest.mark.serial  # processes competing for one store: run alone, not beside other tests
def test_locked_database_names_the_process(store):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)",
         store.removeprefix("duckdb:///")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = evidence("load", str(SEED), url=store)
        assert_one_line_error(result, 4, f"database is locked by process {holder.pid}")
    finally:
        holder.kill()
        holder.wait()


def test_bad_database_url_is_one_line():
    assert_one_line_error(evidence("prisma", url="nosuchdb://x"), 1, "cannot use database URL")


def test_startup_script_prints_a_figure():
    result = subprocess.run([sys.executable, "scripts/startup_time.py", "--runs", "1"], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "evidence --help" in result.stdout and " ms" in result.stdout


def test_review_create_and_list(store):
    assert evidence("review", "create", "new-review", "--title", "A new review", url=store).returncode == 0
    listed = json.loads(evidence("review", "list", "--json", url=store).stdout)
    assert [r["slug"] for r in listed] == ["new-review"]
    assert_one_line_error(evidence("review", "create", "new-review", "--title", "again", url=store), 7, "already exists")


def test_review_protocol_create_edit_show_and_history(store):
    created = evidence("review", "create", "blue", "--title", "Blue light", "--question", "Do they help sleep?",
                       "--population", "adults", "--intervention", "blue-light filtering spectacles",
                       "--comparator", "clear lenses", "--outcome", "sleep quality", "--outcome", "eye strain",
                       "--design", "randomised controlled trial", "--exclusion", "crossover trials", "--rob-tool", "RoB 2",
                       "--model-rule", "random", "--alpha", "0.01", "--screening-full-text", "single",
                       "--exclusion-reason", "wrong population", url=store)
    assert created.returncode == 0, created.stderr
    assert "dual screening at title/abstract, single at full text" in created.stdout  # dual unless told otherwise
    shown = json.loads(evidence("review", "show", "blue", "--json", url=store).stdout)
    assert shown["screening"] == {"title_abstract": "dual", "full_text": "single"}
    assert [c["text"] for c in shown["criteria"] if c["kind"] == "outcome"] == ["sleep quality", "eye strain"]
    assert (shown["bias_tool"], shown["model_rule"], shown["alpha"], shown["exclusion_reasons"]) == (
        "RoB 2", "random", 0.01, ["wrong population"])
    edited = evidence("review", "edit", "blue", "--by", "ann", "--why", "amendment 1", "--screening", "single",
                      "--exclusion-reason", "wrong comparator", "--remove-criterion", "crossover trials", url=store)
    assert edited.returncode == 0, edited.stderr
    assert "screening_title_abstract: dual -> single" in edited.stdout and "3 change(s) by ann" in edited.stdout
    text = evidence("review", "show", url=store).stdout
    assert "screening          title/abstract single, full text single" in text and "    - wrong comparator" in text
    assert "history: 3 edit(s):" in text and "removed    crossover trials  (field exclusion, by ann, why amendment 1)" in text
    history = json.loads(evidence("history", "--review", "blue", "--json", url=store).stdout)
    assert [(h["what"], h["field"], h["by"]) for h in history] == [
        ("changed", "screening_title_abstract", "ann"), ("removed", "exclusion", "ann"),
        ("added", "exclusion_reason", "ann")]
    assert "nothing changed" in evidence("review", "edit", "--by", "ann", "--alpha", "0.01", url=store).stdout
    assert_one_line_error(evidence("review", "edit", "blue", "--by", "ann", "--alpha", "none", url=store), 2, "--alpha 'none'")
    assert_one_line_error(evidence("review", "edit", "blue", "--by", "ann", url=store), 2, "name what to change")
    assert_one_line_error(evidence("review", "show", "green", url=store), 6, "no review 'green'")
    assert len(json.loads(evidence("history", "--review", "blue", "--json", url=store).stdout)) == 3


def test_export_command(loaded_store, tmp_path):
    result = evidence("export", "--format", "csv", "--out", str(tmp_path / "out"), url=loaded_store)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "analysis_input.csv").exists() and "exported review 'isatuximab-mm'" in result.stdout
    assert_one_line_error(evidence("export", "--format", "pdf", "--out", str(tmp_path), url=loaded_store), 2, "--format 'pdf'")


def _screening_store(url: str) -> list[int]:
    import sqlalchemy as sa

    from evidence.store import database as db, schema

    engine = db.create_engine(url)
    with engine.begin() as c:
        update = c.execute(sa.select(schema.ReviewUpdate.id)).scalar_one()
        search = c.execute(sa.insert(schema.Search).values(review_update_id=update, database="PubMed")
                           .returning(schema.Search.id)).scalar()
        ids = [c.execute(sa.insert(schema.Record).values(search_id=search, source_key=f"k{i}", title=f"Trial {i}")
                         .returning(schema.Record.id)).scalar() for i in range(3)]
    engine.dispose()
    return ids


def test_screen_commands(store, tmp_path):
    evidence("review", "create", "s", "--title", "S", url=store)
    ids = _screening_store(store)
    # The keyboard loop: include the first, skip the second, exclude the third with a reason, then done.
    loop = evidence("screen", "next", "--reviewer", "ann", input="i\ns\ne\nnot an RCT\n", url=store)
    assert loop.returncode == 0, loop.stderr
    assert "Trial 0" in loop.stdout and "[3 to go]" in loop.stdout and "1 skipped for later" in loop.stdout
    sheet = tmp_path / "sheet.csv"
    assert "wrote 3 records" in evidence("screen", "sheet", "--out", str(sheet), url=store).stdout
    lines = sheet.read_text(encoding="utf-8").splitlines()
    decisions = ["exclude", "exclude", "exclude"]
    sheet.write_text("\n".join([lines[0]] + [l.rsplit(",", 2)[0] + f",{d}," for l, d in zip(lines[1:], decisions)]) + "\n",
                     encoding="utf-8")
    assert "recorded 3 decisions" in evidence("screen", "import", str(sheet), "--reviewer", "bob", url=store).stdout
    conflicts = json.loads(evidence("screen", "conflicts", "--json", url=store).stdout)
    assert [c["record_id"] for c in conflicts] == [ids[0]]  # ann included it, bob excluded it
    decided = evidence("screen", "decide", str(ids[0]), "--decision", "include", "--reviewer", "cat", "--resolver", url=store)
    assert decided.returncode == 0
    assert "0 unresolved" in evidence("screen", "conflicts", url=store).stdout
    agreement = json.loads(evidence("screen", "agreement", "--json", url=store).stdout)
    assert [(a["reviewer_a"], a["reviewer_b"], a["records"]) for a in agreement] == [("ann", "bob", 2)]
    # Dual screening (the default): the record only bob screened awaits ann, and PRISMA says so.
    flow = evidence("prisma", url=store)
    assert flow.returncode == 0, flow.stdout
    assert "awaiting a decision (in no box until decided): 1 record at title/abstract" in flow.stdout


def test_bench_store_command():
    result = evidence("bench", "store", "--reviews", "2", "--outcomes", "2", "--studies", "3", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["analyses"] == 4 and [s["step"] for s in figures["steps"]][-1] == "repool"


EXPORTS = SHARED / "data" / "exports"
DEDUP_BENCH = SHARED / "data" / "dedup-bench" / "bib-dedupe"


@pytest.mark.skipif(not EXPORTS.is_dir(), reason=f"shared exports not found at {EXPORTS}")
def test_import_records_dedup_and_prisma_from_records(store, tmp_path):
    evidence("review", "create", "blue-light", "--title", "Blue light", url=store)
    for name, database in (("reflib_blue-light.nbib", "PubMed"), ("reflib_blue-light.ris", "Embase")):
        done = evidence("import", "records", str(EXPORTS / name), "--database", database, "--searched", "2024-01-01", url=store)
        assert done.returncode == 0 and "imported" in done.stdout, done.stderr
    groups = json.loads(evidence("dedup", "--json", url=store).stdout)["groups"]
    assert groups and all(len(g) >= 2 for g in groups)
    assert "open pair(s)" in evidence("dedup", "queue", url=store).stdout
    out = tmp_path / "prisma.csv"
    flow = json.loads(evidence("prisma", "--json", "--csv", str(out), url=store).stdout)
    assert flow["database_results"] == 182 and flow["duplicates"] == sum(len(g) - 1 for g in groups)
    assert {d["database"] for d in flow["database_specific_results"]} == {"Embase", "PubMed"}
    assert out.read_text(encoding="utf-8").startswith("data,node,box,description")
    bad = evidence("import", "records", str(EXPORTS / "synthesisr_WoS_ciw_example.ciw"), "--database", "WoS",
                   "--searched", "2024-01-01", url=store)
    assert_one_line_error(bad, 2, "synthesisr_WoS_ciw_example.ciw")
    assert_one_line_error(evidence("import", "records", str(EXPORTS / "reflib_blue-light.ris"), "--database", "Embase",
                                   "--searched", "yesterday", url=store), 2, "--searched 'yesterday'")


@pytest.mark.skipif(not DEDUP_BENCH.is_dir(), reason=f"shared dedup benchmark not found at {DEDUP_BENCH}")
def test_bench_dedup_command():
    result = evidence("bench", "dedup", str(DEDUP_BENCH / "special_cases"), "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert set(figures) == {"dataset", "records", "tp", "fp", "fn", "tn", "sensitivity", "specificity", "seconds"}
    assert figures["records"] == 12 and figures["fp"] == 0


def test_diff_command(loaded_store):
    evidence("pool", url=loaded_store)
    evidence("pool", url=loaded_store)
    result = evidence("diff", "--json", url=loaded_store)
    assert result.returncode == 0, result.stderr
    diffs = json.loads(result.stdout)
    assert {d["analysis"] for d in diffs} >= {"pfs", "orr"} and all(d["changes"] == [] for d in diffs)
    assert_one_line_error(evidence("diff", "--to", "99", url=loaded_store), 6, "no analysis run 99")


def test_audit_command(loaded_store):
    result = evidence("audit", "--json", url=loaded_store)
    assert result.returncode == 1, result.stderr  # the review as published has errors (FACTS.md)
    findings = json.loads(result.stdout)["findings"]
    assert all(set(f) == {"severity", "rule", "where", "message"} for f in findings)
    assert any(f["rule"] == "arm_sex_sum" and f["where"]["study"] == "IKEMA" for f in findings)
    text = evidence("audit", url=loaded_store).stdout
    assert "arm_sex_sum" in text and "findings:" in text.splitlines()[-1]


def test_history_command(updated_store):
    result = evidence("history", "--study", "IKEMA", "--arm", "experimental", "--field", "randomised_n", "--json", url=updated_store)
    assert result.returncode == 0, result.stderr
    assert [(e["what"], e["value"]) for e in json.loads(result.stdout)] == [("loaded", 129), ("corrected", "179")]
    assert_one_line_error(evidence("history", url=updated_store), 2, "name a value")


def test_tsa_of_a_review(updated_store):
    result = evidence("tsa", "--outcome", "PFS", "--json", url=updated_store)
    assert result.returncode == 0, result.stderr
    (pfs,) = json.loads(result.stdout)["analyses"]
    assert pfs["analysis"] == "pfs" and pfs["verdict"] == "firm evidence of benefit"
    assert "pfs (PFS, HR, k=4): firm evidence of benefit" in evidence("tsa", url=updated_store).stdout
    assert_one_line_error(evidence("tsa", "--outcome", "NOPE", url=updated_store), 6, "no analysis of outcome 'NOPE'")


def test_import_rm5_command(store):
    path = str(SHARED / "data" / "rm5" / "Fleiss1993.rm5")
    result = evidence("import", "rm5", path, url=store)
    assert result.returncode == 0, result.stderr
    assert "imported review 'fleiss1993'" in result.stdout and "7 dichotomous rows" in result.stdout
    assert "nothing changed" in evidence("import", "rm5", path, url=store).stdout


def test_rm5_check_command():
    result = evidence("rm5", "check", str(SHARED / "data" / "rm5" / "Fleiss1993.rm5"), "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["compared"] == 35 and found["mismatches"] == [] and found["max_rel_diff"] < 1e-9
    assert_one_line_error(evidence("rm5", "check", "no-such.rm5"), 2, "no-such.rm5")


def test_tsa_calculators():
    # ldbounds 2.0.2 vignette, ldBounds(seq(0.2, 1, 0.2)), one-sided alpha 0.025: last bound 2.0310 (tests/tsa_reference).
    bounds = json.loads(evidence("tsa", "boundaries", "--timing", "0.2,0.4,0.6,0.8,1", "--alpha", "0.025",
                                 "--sides", "1", "--json").stdout)
    assert round(bounds["upper"][-1], 4) == 2.0310 and abs(bounds["alpha_spent"][-1] - 0.025) < 1e-12
    # Hand computation in tests/test_tsa.py: p_c 0.5, RRR 20%, alpha 0.05, beta 0.2 -> 778; with D² 0.25 -> 1038.
    design = json.loads(evidence("tsa", "design", "--measure", "RR", "--control-risk", "0.5", "--rr", "0.8",
                                 "--d2", "0.25", "--json").stdout)
    assert (design["ris_fixed"], design["ris"], design["ris_sequential"]) == (778, 1038, None)
    assert_one_line_error(evidence("tsa", "boundaries", "--timing", "half,1"), 2, "--timing 'half,1'")


def test_plot_draws_each_figure_and_refuses_a_wrong_suffix(loaded_store, tmp_path):
    evidence("pool", url=loaded_store)
    commands = {
        "forest.svg": ["forest", "--analysis", "orr"], "funnel.svg": ["funnel", "--analysis", "orr", "--egger"],
        "cumulative.svg": ["cumulative", "--analysis", "pfs"], "loo.svg": ["leave-one-out", "--analysis", "orr"],
        "tsa.svg": ["tsa", "--analysis", "pfs"], "prisma.png": ["prisma"], "rob.svg": ["rob", "--kind", "summary"],
    }
    for name, args in commands.items():
        out = tmp_path / name
        result = evidence("plot", *args, "--out", str(out), url=loaded_store)
        assert result.returncode == 0 and result.stdout.strip() == f"wrote {out}", result.stderr
    assert "ICARIA-MM" in (tmp_path / "forest.svg").read_text()
    assert (tmp_path / "prisma.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert_one_line_error(evidence("plot", "forest", "--analysis", "orr", "--out", str(tmp_path / "f.pdf"), url=loaded_store),
                          2, "f.pdf: a figure is written as .svg or .png")
    assert_one_line_error(evidence("plot", "forest", "--analysis", "nope", "--out", str(tmp_path / "f.svg"), url=loaded_store),
                          6, "no analysis 'nope'")


def test_report_writes_one_html_file(loaded_store, tmp_path):
    out = tmp_path / "report.html"
    assert_one_line_error(evidence("report", "--out", str(out), url=loaded_store), 6, "run `evidence pool` first")
    evidence("pool", url=loaded_store)
    result = evidence("report", "--out", str(out), url=loaded_store)
    assert result.returncode == 0 and "report of 'isatuximab-mm' from analysis run 1" in result.stdout, result.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_sof_prints_the_summary_of_findings(loaded_store):
    evidence("pool", url=loaded_store)
    table = json.loads(evidence("sof", "--json", url=loaded_store).stdout)
    pfs = next(row for row in table["rows"] if row["outcome"] == "PFS")
    # The certainty follows from evidence/seeds/isatuximab-mm/certainty.csv: PFS is downgraded once (risk of bias).
    assert (pfs["measure"], pfs["k"], pfs["certainty"]) == ("HR", 4, "moderate")
    text = evidence("sof", url=loaded_store)
    assert text.returncode == 0 and "Summary of findings: isatuximab-mm" in text.stdout
