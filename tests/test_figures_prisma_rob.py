"""PRISMA 2020 flow diagram and risk-of-bias figures: every number drawn is the store's, and the output is stable."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Circle, Rectangle
from matplotlib.text import Annotation

from evidence.errors import InputError, NotFoundError
from evidence.outputs.figures import prisma as prisma_fig, render, rob
from evidence.outputs.figures.prisma import PrismaData, prisma_figure
from evidence.outputs.figures.rob import rob_figure
from evidence.store import schema
from evidence.workflows.prisma import FIELDS, Flow, prisma_flow
from evidence.workflows.protocol import ProtocolChanges, create_review

from .conftest import SHARED

EXPORTS = SHARED / "data" / "exports"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def svg_of(fig) -> str:
    """The text of the SVG's <text> elements (one per drawn line), unescaped, joined by single spaces."""
    lines = re.findall(r"<text[^>]*>([^<]*)</text>", render.svg_text(fig))
    return " ".join(" ".join(html.unescape(line).split()) for line in lines)


def box_texts(fig) -> dict[str, str]:
    """Box key -> its text, lines joined by single spaces."""
    return {t.get_gid().split(":", 1)[1]: " ".join(t.get_text().split())
            for t in fig.axes[0].texts if (t.get_gid() or "").startswith("text:")}


def gids(fig, kind) -> dict[str, object]:
    return {p.get_gid(): p for ax in fig.axes for p in ax.patches if isinstance(p, kind) and p.get_gid()}


# --- PRISMA ----------------------------------------------------------------------------


def test_new_review_diagram_draws_the_flow_counts(loaded):
    flow = prisma_flow(loaded, update=0)
    # The flow as the store computes it (FACTS.md: 796, 771, 21, 4); the diagram must show exactly these.
    assert [flow.counts[k] for k in ("database_results", "records_excluded", "dbr_excluded", "new_studies")] == \
        [796, 771, 21, 4]
    fig = prisma_figure(loaded, update=0)
    boxes = box_texts(fig)
    assert f"Databases (n = {flow.counts['database_results']})" in boxes["identified"]
    assert f"Records excluded (n = {flow.counts['records_excluded']})" in boxes["records_excluded"]
    assert f"Reports excluded (n = {flow.counts['dbr_excluded']})" in boxes["reports_excluded"]
    assert boxes["included"] == (f"Studies included in review (n = {flow.counts['new_studies']}) "
                                 f"Reports of included studies (n = {flow.counts['new_reports']})")
    # What the review never printed stays unknown, not zero.
    assert flow.counts["duplicates"] is None and "Duplicate records removed (n = ?)" in boxes["removed"]
    assert flow.counts["records_screened"] is None and boxes["screened"] == "Records screened (n = ?)"
    text = svg_of(fig)
    for phrase in ("(n = 796)", "(n = 771)", "(n = 21)", "(n = 4)", "Identification", "Screening", "Included",
                   "Identification of studies via databases and registers"):
        assert phrase in text
    assert "Previous studies" not in text and "Total studies" not in text


def test_updated_review_diagram_has_previous_and_total_boxes(updated):
    flow = prisma_flow(updated)
    assert flow.update_number == 1
    c = flow.counts
    assert c["total_studies"] == c["previous_studies"] + c["new_studies"] - c["dropped_studies"]
    fig = prisma_figure(updated)
    boxes = box_texts(fig)
    assert boxes["previous"] == (f"Studies included in previous version of review (n = {c['previous_studies']}) "
                                 f"Reports of studies included in previous version of review (n = {c['previous_reports']})")
    assert boxes["total"] == (f"Total studies included in review (n = {c['total_studies']}) "
                              f"Reports of total included studies (n = {c['total_reports']})")
    assert boxes["included"] == (f"New studies included in review (n = {c['new_studies']}) "
                                 f"Reports of new included studies (n = {c['new_reports']})")
    # The update ran no search: its identification and screening counts are unknown.
    assert c["database_results"] is None and "Databases (n = ?)" in boxes["identified"]
    text = svg_of(fig)
    assert "Previous studies" in text and "Identification of new studies via databases and registers" in text
    assert (c["previous_studies"], c["new_studies"], c["total_studies"]) == (4, 1, 5)
    # The same store's original flow is the new-review variant.
    assert "Previous studies" not in svg_of(prisma_figure(updated, update=0))


def records_store(engine):
    """A review built from two real search exports, deduplicated and partly screened, with reasons."""
    from evidence.workflows.dedup import deduplicate
    from evidence.workflows.records import import_records
    from evidence.workflows.screening import record_decision
    from evidence.workflows.studies import include_report

    day = dt.date(2024, 1, 1)
    create_review(engine, "blue-light", "Blue-light filtering spectacles", ProtocolChanges(
        screening={"title_abstract": "single", "full_text": "single"}, exclusion_reasons=[
            "wrong population", "not a randomised trial of blue-light filtering spectacle lenses against clear lenses"]))
    import_records(engine, EXPORTS / "reflib_blue-light.nbib", review="blue-light", database="PubMed", searched=day)
    import_records(engine, EXPORTS / "reflib_blue-light.ris", review="blue-light", database="Embase", searched=day)
    deduplicate(engine, "blue-light")
    with engine.connect() as c:
        ids = c.execute(sa.text("SELECT r.id FROM record r LEFT JOIN record_duplicate d ON d.record_id = r.id"
                                " WHERE d.record_id IS NULL ORDER BY r.id")).scalars().all()
    for record in ids[:5]:
        record_decision(engine, record, "title_abstract", "ann", "include")
    with engine.begin() as c:  # every other record excluded on title and abstract, in one go: the flow adds up
        c.execute(sa.insert(schema.ScreeningDecision), [
            dict(record_id=r, stage="title_abstract", reviewer="ann", decision="exclude", role="screener")
            for r in ids[5:]])
    record_decision(engine, ids[0], "full_text", "ann", "include")
    for record in ids[1:3]:
        record_decision(engine, record, "full_text", "ann", "exclude", reason="wrong population")
    for record in ids[3:5]:
        record_decision(engine, record, "full_text", "ann", "exclude",
                        reason="not a randomised trial of blue-light filtering spectacle lenses against clear lenses")
    include_report(engine, "blue-light", ids[0], "Trial A")
    return engine


@pytest.mark.skipif(not EXPORTS.is_dir(), reason=f"shared exports not found at {EXPORTS}")
def test_records_based_diagram_shows_each_database_and_each_reason(engine):
    records_store(engine)
    flow = prisma_flow(engine, "blue-light")
    assert flow.from_records and flow.consistent
    assert {d for d, _ in flow.database_specific_results} == {"PubMed", "Embase"}
    assert len(flow.dbr_excluded_reasons) == 2
    boxes = box_texts(prisma_figure(engine, "blue-light"))
    for database, n in flow.database_specific_results:
        assert f"{database} (n = {n})" in boxes["identified"]
    assert f"Databases (n = {flow.counts['database_results']})" in boxes["identified"]
    assert f"Duplicate records removed (n = {flow.counts['duplicates']})" in boxes["removed"]
    assert f"Reports excluded (n = {flow.counts['dbr_excluded']}):" in boxes["reports_excluded"]
    for reason, n in flow.dbr_excluded_reasons:
        assert f"{reason} (n = {n})" in boxes["reports_excluded"]
    for key, field in (("screened", "records_screened"), ("records_excluded", "records_excluded"),
                       ("sought", "dbr_sought_reports"), ("not_retrieved", "dbr_notretrieved_reports"),
                       ("assessed", "dbr_assessed")):
        assert f"(n = {flow.counts[field]})" in boxes[key]


def contains(outer, inner, slack=0.5) -> bool:
    return (outer.x0 - slack <= inner.x0 and inner.x1 <= outer.x1 + slack
            and outer.y0 - slack <= inner.y0 and inner.y1 <= outer.y1 + slack)


def on_edge(point, box: Rectangle, tol=1e-9) -> bool:
    x, y = point
    x0, y0 = box.get_x(), box.get_y()
    x1, y1 = x0 + box.get_width(), y0 + box.get_height()
    inside_x, inside_y = x0 - tol <= x <= x1 + tol, y0 - tol <= y <= y1 + tol
    return (inside_y and (abs(x - x0) < tol or abs(x - x1) < tol)) or (inside_x and (abs(y - y0) < tol or abs(y - y1) < tol))


def flow_with(**counts) -> Flow:
    values = dict.fromkeys(FIELDS)
    values.update(counts)
    return Flow("made-up", 0, False, values)


@pytest.mark.parametrize("flow", [
    flow_with(database_results=796, records_excluded=771, dbr_excluded=21, new_studies=4, new_reports=4),
    Flow("made-up", 2, True, {**dict.fromkeys(FIELDS, 3), "previous_studies": 4, "dropped_studies": 1},
         database_specific_results=[("A database with a rather long name that must wrap", 3)],
         dbr_excluded_reasons=[("a reason long enough to wrap over more than one line of its box", 3)]),
    flow_with(database_results=50, other_results=12, new_studies=2, new_reports=2),
], ids=["new", "updated", "other-methods"])
def test_text_stays_in_its_box_and_arrows_end_on_boxes(flow):
    data = PrismaData(flow)
    fig = prisma_fig.draw(data)
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    rects = gids(fig, Rectangle)
    texts = {t.get_gid(): t for t in ax.texts if t.get_gid()}
    for key, rect in rects.items():
        assert contains(rect.get_window_extent(renderer), texts[f"text:{key}"].get_window_extent(renderer)), key
    for a, b in ((a, b) for a in rects.values() for b in rects.values() if a is not b):
        assert not a.get_window_extent(renderer).overlaps(b.get_window_extent(renderer))
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    assert len(arrows) >= 8
    for arrow in arrows:
        assert any(on_edge(arrow.xy, rect) for rect in rects.values()), arrow.xy
    text = svg_of(fig)
    if data.other_methods:
        assert "Identification of studies via other methods" in text
        assert f"(n = {flow.counts['other_results']})" in box_texts(fig)["other_identified"]
    if data.updated:
        assert "Previous studies no longer included (n = 1)" in box_texts(fig)["total"]


def test_a_review_without_counts_says_what_to_do(engine):
    create_review(engine, "empty", "Nothing yet")
    with pytest.raises(NotFoundError, match="evidence import records"):
        prisma_figure(engine, "empty")


# --- risk of bias ----------------------------------------------------------------------


def stored_judgements(engine, tool="RoB 1") -> list[tuple[str, str, str]]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.text(
            "SELECT s.label, b.domain, b.judgement FROM bias_judgement b JOIN study s ON s.id = b.study_id"
            " WHERE b.tool = :tool AND b.outcome_id IS NULL"), {"tool": tool})]


def included_studies(engine) -> list[str]:
    with engine.connect() as c:
        return c.execute(sa.text("SELECT label FROM study_current WHERE status = 'included'"
                                 " AND parent_study_id IS NULL")).scalars().all()


def test_traffic_light_plot_shows_every_study_domain_and_judgement(loaded):
    rows = stored_judgements(loaded)
    assert len(rows) == 28  # bias.csv: 4 studies x 7 RoB 1 domains
    fig = rob_figure(loaded)
    circles = gids(fig, Circle)
    for label, domain, judgement in rows:
        assert f"{label}|{domain}|{judgement}" in circles
        assert circles[f"{label}|{domain}|{judgement}"].get_facecolor()[:3] == \
            pytest.approx(tuple(int(rob.COLOURS[judgement][i:i + 2], 16) / 255 for i in (1, 3, 5)))
    text = svg_of(fig)
    for label in included_studies(loaded):
        assert label in text
    for code, name in zip([f"D{i}" for i in range(1, 8)], rob.ROB1_NAMES.values()):
        assert f"{code}: {name}" in text
    for word in ("Risk of bias domains", "Domains:", "Judgement", "High", "Unclear", "Low", "Not assessed"):
        assert word in text
    assert "Overall" not in text  # the seed has no overall judgement


def test_a_study_without_judgements_is_not_assessed(updated):
    fig = rob_figure(updated)
    circles = gids(fig, Circle)
    judged = {label for label, _, _ in stored_judgements(updated)}
    unjudged = [s for s in included_studies(updated) if s not in judged]
    assert unjudged == ["IsKia"]
    for domain in rob.ROB1_NAMES:
        assert f"IsKia|{domain}|none" in circles
    assert "IsKia" in svg_of(fig)


def bar_widths(fig) -> dict[tuple[str, str], float]:
    return {tuple(gid.split("|")): patch.get_width() for gid, patch in gids(fig, Rectangle).items()
            if "|" in gid}


def test_summary_bars_are_the_share_of_studies(loaded):
    studies = included_studies(loaded)
    expected: dict[tuple[str, str], float] = {}
    for _, domain, judgement in stored_judgements(loaded):
        expected[domain, judgement] = expected.get((domain, judgement), 0) + 1 / len(studies)
    fig = rob_figure(loaded, kind="summary")
    widths = bar_widths(fig)
    assert widths.keys() == expected.keys()
    for key, share in expected.items():
        assert widths[key] == pytest.approx(share)
    assert widths["incomplete_outcome_data", "unclear"] == pytest.approx(0.25)  # GMMG-HD7 alone
    text = svg_of(fig)
    for phrase in ("Low risk of bias", "Unclear risk of bias", "High risk of bias", "Not assessed",
                   *rob.ROB1_NAMES.values(), "25%", "75%", "100%"):
        assert phrase in text


def test_weighted_summary_uses_the_studies_weights_in_the_analysis(loaded):
    from evidence.workflows.pool import pool_review

    with pytest.raises(NotFoundError, match="evidence pool"):
        rob_figure(loaded, kind="summary", analysis="pfs")
    pool_review(loaded)
    with loaded.connect() as c:
        run, model = c.execute(sa.text(
            "SELECT pr.run_id, pr.model FROM pooled_result pr JOIN analysis a ON a.id = pr.analysis_id"
            " WHERE a.name = 'pfs' AND pr.chosen ORDER BY pr.run_id DESC LIMIT 1")).one()
        weights = dict(c.execute(sa.text(
            f"SELECT s.label, sr.weight_{model} FROM study_result sr JOIN study s ON s.id = sr.study_id"
            " JOIN analysis a ON a.id = sr.analysis_id WHERE a.name = 'pfs' AND sr.run_id = :run"), {"run": run}).all())
    assert len(weights) == 4 and len(set(weights.values())) > 1  # a weighting that differs from counting
    total = sum(weights.values())
    expected: dict[tuple[str, str], float] = {}
    for label, domain, judgement in stored_judgements(loaded):
        expected[domain, judgement] = expected.get((domain, judgement), 0) + weights[label] / total
    fig = rob_figure(loaded, kind="summary", analysis="pfs")
    widths = bar_widths(fig)
    assert widths.keys() == expected.keys()
    for key, share in expected.items():
        assert widths[key] == pytest.approx(share)
    assert widths["incomplete_outcome_data", "unclear"] == pytest.approx(weights["GMMG-HD7"] / total)
    assert f"analysis 'pfs' ({model}" in svg_of(fig)


ROB2 = ("randomisation_process", "deviations_from_intended_interventions", "missing_outcome_data",
        "measurement_of_the_outcome", "selection_of_the_reported_result")


@pytest.fixture
def rob2_store(engine):
    """A review judged with RoB 2: Overall given, one domain left unjudged, one outcome-level judgement."""
    with engine.begin() as c:
        review = c.execute(sa.insert(schema.Review).values(slug="rob2", title="t", bias_tool="RoB 2")
                           .returning(schema.Review.id)).scalar()
        c.execute(sa.insert(schema.ReviewUpdate).values(review_id=review, number=0))
        outcome = c.execute(sa.insert(schema.Outcome).values(review_id=review, name="mortality", kind="dichotomous",
                                                             measure="RR").returning(schema.Outcome.id)).scalar()
        studies = {label: c.execute(sa.insert(schema.Study).values(review_id=review, label=label)
                                    .returning(schema.Study.id)).scalar() for label in ("Alpha", "Beta", "Gamma")}
        plan = {"Alpha": ("low", "low", "low", "low", "low", "low"),
                "Beta": ("low", "unclear", None, "low", "unclear", "unclear"),
                "Gamma": ("high", "low", "unclear", "low", "low", "high")}
        for label, levels in plan.items():
            for domain, level in zip((*ROB2, "overall"), levels):
                if level is not None:
                    c.execute(sa.insert(schema.BiasJudgement).values(
                        study_id=studies[label], tool="RoB 2", domain=domain, judgement=level))
        c.execute(sa.insert(schema.BiasJudgement).values(
            study_id=studies["Alpha"], tool="RoB 2", domain="measurement_of_the_outcome", judgement="high",
            outcome_id=outcome))
    return engine


def test_rob2_traffic_light_has_overall_and_some_concerns(rob2_store):
    fig = rob_figure(rob2_store)
    circles = gids(fig, Circle)
    for label, domain, judgement in stored_judgements(rob2_store, "RoB 2"):
        assert f"{label}|{'overall' if domain == 'overall' else domain}|{judgement}" in circles
    assert "Beta|missing_outcome_data|none" in circles
    assert "Alpha|measurement_of_the_outcome|low" in circles  # study-level: the outcome-level one is not used
    text = svg_of(fig)
    for i, (_, name, _) in enumerate(rob.ROB2_DOMAINS, start=1):
        assert f"D{i}: {name}" in text
    for word in ("Overall", "Overall: Overall risk of bias", "Some concerns", "High", "Low", "Not assessed",
                 "Alpha", "Beta", "Gamma"):
        assert word in text
    assert "Unclear" not in text and "D6" not in text
    by_outcome = gids(rob_figure(rob2_store, outcome="mortality"), Circle)
    assert "Alpha|measurement_of_the_outcome|high" in by_outcome  # the outcome's own judgement wins
    assert "Beta|measurement_of_the_outcome|low" in by_outcome  # else the study-level one holds


def test_rob2_summary_counts_overall_and_unjudged(rob2_store):
    fig = rob_figure(rob2_store, kind="summary")
    widths = bar_widths(fig)
    assert widths["overall", "low"] == pytest.approx(1 / 3)
    assert widths["overall", "unclear"] == pytest.approx(1 / 3)
    assert widths["overall", "high"] == pytest.approx(1 / 3)
    assert widths["missing_outcome_data", "none"] == pytest.approx(1 / 3)
    assert widths["randomisation_process", "low"] == pytest.approx(2 / 3)
    for key in ((d, j) for d in (*ROB2, "overall") for j in ("low", "unclear", "high", "none")):
        assert key not in widths or widths[key] > 0
    text = svg_of(fig)
    for phrase in ("Low risk", "Some concerns", "High risk", "Not assessed", "Overall risk of bias",
                   "Bias arising from the randomisation process"):
        assert phrase in text


def test_a_review_without_judgements_says_what_to_do(engine):
    create_review(engine, "empty", "Nothing yet")
    with pytest.raises(NotFoundError, match="bias.csv"):
        rob_figure(engine, "empty")


def test_unknown_analysis_tool_or_kind_is_refused(loaded):
    with pytest.raises(NotFoundError, match="no analysis 'nope'.*pfs"):
        rob_figure(loaded, kind="summary", analysis="nope")
    with pytest.raises(NotFoundError, match="no RoB 2 judgements"):
        rob_figure(loaded, tool="RoB 2")
    with pytest.raises(InputError, match="traffic, summary"):
        rob_figure(loaded, kind="pie")


# --- output ----------------------------------------------------------------------------


FIGURES = {
    "prisma-new": lambda e: prisma_figure(e, update=0),
    "prisma-updated": lambda e: prisma_figure(e),
    "rob-traffic": lambda e: rob_figure(e),
    "rob-summary": lambda e: rob_figure(e, kind="summary", analysis="pfs"),
}


def test_same_store_same_bytes_and_valid_png(updated, tmp_path):
    for name, make in FIGURES.items():
        svg_a, svg_b = (render.to_bytes(make(updated), "svg") for _ in range(2))
        assert svg_a == svg_b and svg_a.lstrip().startswith(b"<?xml"), name
        assert not re.search(rb"\d{4}-\d{2}-\d{2}T", svg_a), name  # no date inside
        png_a, png_b = (render.to_bytes(make(updated), "png") for _ in range(2))
        assert png_a == png_b and png_a.startswith(PNG_MAGIC), name
        path = render.save(make(updated), tmp_path / f"{name}.png")
        width, height = (int.from_bytes(path.read_bytes()[16 + 4 * i:20 + 4 * i], "big") for i in range(2))
        assert width > 300 and height > 300, name  # IHDR: a real picture, not an empty canvas
