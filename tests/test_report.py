"""`evidence report`: one self-contained HTML file, checked for content and opened in headless Chromium.

Chromium comes from Debian's `chromium` package (.ci/run installs it). Without it the browser test is
skipped with the reason printed; in CI (`CI=true`) it must run. The browser is started with the
network closed (every host name resolves to nothing, no proxy reachable); that the report needs no
network at all is checked on its text (no external src or href), which a browser would not report.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from evidence.errors import InputError, NotFoundError
from evidence.outputs.report import build_report, write_report

from .conftest import snapshot

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _analyses(engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.text(
            "SELECT DISTINCT analysis, outcome FROM latest_result ORDER BY analysis"))]


def test_report_holds_every_part_from_the_store(updated):
    engine = updated
    before = snapshot(engine)
    report = build_report(engine)
    page = report.html
    assert snapshot(engine) == before  # the report only reads
    with engine.connect() as connection:
        title, question = connection.execute(sa.text("SELECT title, question FROM review")).one()
        run_id, inputs_hash = connection.execute(sa.text(
            "SELECT id, inputs_hash FROM analysis_run ORDER BY id DESC LIMIT 1")).one()
        studies = connection.execute(sa.text(
            "SELECT label FROM study WHERE status = 'included' AND parent_study_id IS NULL")).scalars().all()
        counts = connection.execute(sa.text("SELECT previous_studies, new_studies FROM prisma_flow"
                                            " ORDER BY update_number DESC LIMIT 1")).one()
    import html as html_module

    assert html_module.escape(title) in page and html_module.escape(question) in page
    assert report.run_id == run_id and inputs_hash in page
    assert [s.anchor for s in report.sections] == ["flow", "bias", "analyses", "sof", "audit", "run"]
    # Every analysis of the latest run has its heading, its forest plot and its numbers.
    for analysis, _ in _analyses(engine):
        assert f'id="analysis-{analysis}"' in page
        assert f'aria-label="forest plot of {analysis}"' in page
    # PRISMA of the update (previous and new studies), every included study in the risk-of-bias plot.
    flow = next(s for s in report.sections if s.anchor == "flow").body
    assert f"(n = {counts.previous_studies})" in flow and f"(n = {counts.new_studies})" in flow
    bias = next(s for s in report.sections if s.anchor == "bias").body
    assert all(label in bias for label in studies)
    # The summary of findings and the audit's findings are there.
    assert "<table" in next(s for s in report.sections if s.anchor == "sof").body
    from evidence.workflows.audit import audit

    _, findings = audit(engine)
    audit_body = next(s for s in report.sections if s.anchor == "audit").body
    assert findings and all(html_module.escape(f.message) in audit_body for f in findings)
    # Self-contained: figures inline, nothing to fetch, no script.
    assert page.count("<svg") >= len(_analyses(engine)) + 3
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page, re.IGNORECASE)
    assert report.missing == []


def test_a_review_never_pooled_has_no_report(loaded, tmp_path):
    engine = loaded
    with engine.begin() as connection:  # the `loaded` store may hold a run: drop it for this test
        for table in ("cumulative_result", "study_result", "subgroup_test", "subgroup_result", "pooled_result",
                      "analysis_run"):
            connection.execute(sa.text(f"DELETE FROM {table}"))
    with pytest.raises(NotFoundError, match="run `evidence pool` first"):
        build_report(engine)
    with pytest.raises(InputError, match="name it .html"):
        write_report(engine, None, tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()


@pytest.fixture
def chromium():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); CI installs it")
    return CHROMIUM


def _chromium(binary: str, profile, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", f"--user-data-dir={profile}",
             # Network off: no name resolves, and any proxy is a closed port.
             "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
             "--enable-logging=stderr", "--v=0"]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=120)


def test_report_renders_in_headless_chromium(updated, tmp_path, chromium):
    from PIL import Image

    engine = updated
    out = tmp_path / "report.html"
    write_report(engine, None, out)
    url = out.resolve().as_uri()
    dom = _chromium(chromium, tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # The browser parsed the whole document: the last section and the footer are in its DOM.
    assert 'id="run"' in dom.stdout and "<footer>" in dom.stdout and dom.stdout.count("<svg") >= 3
    shot = tmp_path / "report.png"
    result = _chromium(chromium, tmp_path / "profile-shot", "--window-size=1280,2400", f"--screenshot={shot}", url)
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    # Rendered without errors: no script error, no failed load of any resource.
    log = dom.stderr + result.stderr
    assert not re.search(r"Uncaught|CONSOLE.*[Ee]rror|net::ERR_", log), log[-2000:]
    # Non-blank: a screenshot of text and figures has many pixels that are not the page's white.
    image = Image.open(shot).convert("L")
    histogram = image.histogram()
    dark = sum(histogram[:200]) / (image.width * image.height)
    assert image.size == (1280, 2400) and dark > 0.01, dark


def test_report_of_an_imported_cochrane_review(duckdb_url):
    """Real input: the benzodiazepines review as RevMan saved it (../shared/data/rm5), imported and pooled."""
    from evidence.store import database as db
    from evidence.workflows.pool import pool_review
    from evidence.workflows.revman import import_rm5

    from .conftest import SHARED

    db.init(duckdb_url)
    engine = db.create_engine(duckdb_url)
    import_rm5(engine, SHARED / "data" / "rm5" / "Benzodiazepines_versus_pregabalin_for_GAD.rm5")
    pool_review(engine)
    report = build_report(engine)
    assert report.missing == []
    with engine.connect() as connection:
        analyses = connection.execute(sa.text("SELECT DISTINCT analysis FROM latest_result")).scalars().all()
    assert len(analyses) > 10
    for analysis in analyses:
        assert f'aria-label="forest plot of {analysis}"' in report.html
    # The file's three included studies and their RoB 1 items, and a study row of analysis 1.1 (Feltner 2003: 18/34).
    bias = next(s for s in report.sections if s.anchor == "bias").body
    assert all(name in bias for name in ("Feltner 2003", "Pande 2003", "Rickels 2005", "Random sequence generation"))
    assert ">18<" in report.html.split('id="analysis-1.1"')[1].split("<h3")[0]
