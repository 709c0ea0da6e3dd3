"""`evidence report`: one self-contained HTML file of a review, made from the store.

The review's question, its PRISMA flow, risk of bias, every analysis of the latest run
with its forest plot and numbers, the summary of findings, the audit findings and the
run it was all made from. Figures are inline SVG: the file needs no network, no other
file and no script to be read, so it can be mailed, archived or attached to a paper.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from evidence.errors import InputError, NotFoundError
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review
from evidence.workflows.runs import latest_run, run_details

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 68em; color: #111; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #999; padding-bottom: 0.2em; margin-top: 2em; }
h3 { margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
.note { color: #555; font-style: italic; }
.error { color: #a00000; } .warning { color: #8a5a00; }
nav ol { columns: 2; }
"""


@dataclass
class Section:
    anchor: str
    title: str
    body: str


@dataclass
class Report:
    slug: str
    run_id: int
    html: str
    sections: list[Section] = field(default_factory=list)
    # Parts that could not be drawn, with why (no risk-of-bias judgements, ...).
    missing: list[str] = field(default_factory=list)


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _figure(draw: Callable[[], object], what: str, missing: list[str]) -> str:
    """An inline SVG figure, or a note saying why there is none (the report is still made)."""
    from evidence.outputs.figures.render import svg_text

    try:
        fig = draw()
    except NotFoundError as error:
        missing.append(f"{what}: {error}")
        return f'<p class="note">No {_e(what)}: {_e(error)}</p>'
    return f'<figure aria-label="{_e(what)}">{svg_text(fig)}</figure>'


def _number(value, places: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{places}f}"


def _p(value) -> str:
    """P as RevMan prints it, without the leading "P "."""
    from evidence.outputs.figures.forest import format_p

    return "—" if value is None else format_p(value).removeprefix("P ").removeprefix("= ")


def _header(review: dict, run: dict) -> str:
    rows = [("Question", review["question"]), ("Authors", review["authors"]), ("Risk-of-bias tool", review["bias_tool"]),
            ("Model rule", review["model_rule_text"] or review["model_rule"])]
    cells = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows if v)
    return f"<h1>{_e(review['title'])}</h1><table>{cells}</table>{_run_table(run)}"


def _run_table(run: dict) -> str:
    update = f"update {run['number']}" + (f" ({run['label']})" if run["label"] else "") if run["number"] is not None else "—"
    rows = [("Analysis run", run["id"]), ("Started", run["started_at"]), ("Review update", update),
            ("Software", f"evidence {run['software_version']}"), ("Conventions", run["preset"]),
            ("Inputs (sha256)", run["inputs_hash"])]
    return ("<table><caption>Made from</caption>"
            + "".join(f"<tr><th>{_e(k)}</th><td><code>{_e(v)}</code></td></tr>" for k, v in rows) + "</table>")


def _analysis_numbers(connection: sa.Connection, run_id: int, analysis_id: int) -> str:
    """Both models' pooled results, the chosen one marked, with the published figures beside them."""
    results = connection.execute(sa.text(
        "SELECT model, chosen, k, participants, estimate, ci_low, ci_high, p, q, q_df, q_p, i2, tau2"
        " FROM pooled_result WHERE run_id = :run AND analysis_id = :analysis ORDER BY model"),
        {"run": run_id, "analysis": analysis_id}).mappings().all()
    published = connection.execute(sa.text(
        "SELECT model, k, estimate, ci_low, ci_high, p_text, i2_text FROM published_result"
        " WHERE analysis_id = :analysis AND subgroup IS NULL"), {"analysis": analysis_id}).mappings().first()
    head = ("<tr><th>model</th><th>k</th><th>participants</th><th>estimate (95% CI)</th><th>P</th>"
            "<th>Chi² (df), P</th><th>I²</th><th>Tau²</th></tr>")
    body = []
    for r in results:
        chosen = " (chosen)" if r["chosen"] else ""
        body.append(
            f"<tr><td>{_e(r['model'])}{chosen}</td><td class=number>{_e(r['k'])}</td>"
            f"<td class=number>{_e(_number(r['participants']))}</td>"
            f"<td class=number>{_number(r['estimate'])} ({_number(r['ci_low'])} to {_number(r['ci_high'])})</td>"
            f"<td class=number>{_p(r['p'])}</td>"
            f"<td class=number>{_number(r['q'])} ({_e(r['q_df'])}), {_p(r['q_p'])}</td>"
            f"<td class=number>{_number(r['i2'], 0)}%</td><td class=number>{_number(r['tau2'], 3)}</td></tr>")
    if published is not None:
        body.append(
            f"<tr><td>published ({_e(published['model'])})</td><td class=number>{_e(published['k'])}</td><td></td>"
            f"<td class=number>{_number(published['estimate'])} ({_number(published['ci_low'])} to"
            f" {_number(published['ci_high'])})</td><td class=number>{_e(published['p_text'])}</td><td></td>"
            f"<td class=number>{_e(published['i2_text'])}</td><td></td></tr>")
    return f"<table>{head}{''.join(body)}</table>"


def _analyses(connection: sa.Connection, review_id: int, run_id: int, missing: list[str]) -> str:
    from evidence.outputs.figures import forest

    analyses = connection.execute(sa.text(
        "SELECT DISTINCT an.id, an.name, an.label, o.name AS outcome FROM analysis an"
        " JOIN outcome o ON o.id = an.outcome_id JOIN pooled_result pr ON pr.analysis_id = an.id AND pr.run_id = :run"
        " WHERE an.review_id = :review ORDER BY an.name"), {"run": run_id, "review": review_id}).mappings().all()
    if not analyses:
        return '<p class="note">The latest run pooled no analysis.</p>'
    parts = []
    for a in analyses:
        title = a["label"] or a["outcome"]
        parts.append(f'<h3 id="analysis-{_e(a["name"])}">{_e(a["name"])}: {_e(title)}</h3>')
        parts.append(_figure(lambda: forest.draw(forest.read(connection, review_id, a["name"])),
                             f"forest plot of {a['name']}", missing))
        parts.append(_analysis_numbers(connection, run_id, a["id"]))
    return "".join(parts)


def _audit(engine: sa.Engine, slug: str) -> str:
    from evidence.workflows.audit import audit

    _, findings = audit(engine, slug)
    if not findings:
        return "<p>The audit rules found nothing.</p>"
    rows = "".join(
        f'<tr><td class="{_e(f.severity)}">{_e(f.severity)}</td><td>{_e(f.rule)}</td><td>{_e(f.place())}</td>'
        f"<td>{_e(f.message)}</td></tr>" for f in findings)
    return f"<table><tr><th>severity</th><th>rule</th><th>where</th><th>finding</th></tr>{rows}</table>"


def build_report(engine: sa.Engine, review: str | None = None) -> Report:
    """The review's report as one HTML document (a string); the store is only read."""
    from evidence.outputs.figures import prisma, rob
    from evidence.workflows.sof import summary_of_findings

    missing: list[str] = []
    with friendly_errors(), engine.connect() as connection:
        review_id, slug = resolve_review(connection, review)
        info = dict(connection.execute(sa.text("SELECT * FROM review WHERE id = :r"), {"r": review_id}).mappings().one())
        run = run_details(connection, latest_run(connection, review_id))
        sections = [
            Section("flow", "Study flow (PRISMA 2020)",
                    _figure(lambda: prisma.draw(prisma.read(connection, review_id)), "PRISMA flow diagram", missing)),
            Section("bias", "Risk of bias",
                    _figure(lambda: rob.draw(rob.read(connection, review_id), "traffic"), "risk-of-bias traffic-light plot",
                            missing)
                    + _figure(lambda: rob.draw(rob.read(connection, review_id), "summary"), "risk-of-bias summary",
                              missing)),
            Section("analyses", "Analyses", _analyses(connection, review_id, run["id"], missing)),
            Section("sof", "Summary of findings", summary_of_findings(connection, review_id).to_html()),
        ]
    sections.append(Section("audit", "Audit findings", _audit(engine, slug)))
    sections.append(Section("run", "Made from", _run_table(run)))
    nav = "".join(f'<li><a href="#{s.anchor}">{_e(s.title)}</a></li>' for s in sections)
    body = "".join(f'<section id="{s.anchor}"><h2>{_e(s.title)}</h2>{s.body}</section>' for s in sections)
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(info['title'])}</title><style>{STYLE}</style></head><body>"
        f"{_header(info, run)}<nav><ol>{nav}</ol></nav>{body}"
        f'<footer><p class="note">Made by evidence from analysis run {run["id"]} of review {_e(slug)}.</p></footer>'
        "</body></html>\n")
    return Report(slug, run["id"], document, sections, missing)


def write_report(engine: sa.Engine, review: str | None, out: Path) -> Report:
    """Build the report and write it to OUT (a .html file)."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"{out}: the report is one HTML file: name it .html")
    report = build_report(engine, review)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.html, encoding="utf-8")
    return report

