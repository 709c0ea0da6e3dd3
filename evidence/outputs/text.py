"""Plain-text rendering of library results for the terminal. No I/O beyond building strings."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain aligned text table."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    def line(values):
        return "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    return str(value)


def format_rows(columns: list[str], rows: list[tuple], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, row)) for row in rows], indent=2, default=str, ensure_ascii=False)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    return table(columns, [list(r) for r in rows]) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})"


def format_flow(flow) -> str:
    lines = [f"PRISMA 2020 flow of {flow.review!r} (update {flow.update_number}, from {'records' if flow.from_records else 'reported counts'})"]
    width = max(len(k) for k in flow.counts)
    for name, value in flow.counts.items():
        if value is None and name.endswith("_awaiting"):
            continue  # a flow from reported counts: nothing awaits in the store
        lines.append(f"  {name.ljust(width)}  {'' if value is None else value}")
    if flow.database_specific_results:
        lines.append("  per database: " + "; ".join(f"{d} {n}" for d, n in flow.database_specific_results))
    if flow.dbr_excluded_reasons:
        lines.append("  full-text exclusions: " + "; ".join(f"{r} {n}" for r, n in flow.dbr_excluded_reasons))
    if flow.awaiting:
        lines.append(f"  awaiting a decision (in no box until decided): {flow.awaiting}")
    lines.append("checks:")
    if not flow.checks:
        lines.append("  (too few boxes known to check any identity)")
    for check in flow.checks:
        status = "ok  " if check.holds else "FAILS"
        detail = "" if check.holds else f" (the boxes before it give {check.expected})"
        lines.append(f"  {status} {check.identity}{detail}")
    return "\n".join(lines)


def format_events(events) -> str:
    """`evidence history`: one line per event (when, what, value, and its details)."""
    lines = []
    for e in events:
        details = ", ".join(f"{k} {v}" for k, v in e.detail.items() if v is not None)
        lines.append(f"{e.when or '-'}  {e.what:<10} {e.value}" + (f"  ({details})" if details else ""))
    return "\n".join(lines)


def format_protocol(protocol) -> str:
    """`evidence review show`: the protocol, then the history of its edits."""
    from evidence.core.vocabulary import ELIGIBILITY_KINDS

    stages = {"title_abstract": "title/abstract", "full_text": "full text"}
    criteria = sorted(protocol.criteria, key=lambda criterion: ELIGIBILITY_KINDS.index(criterion[0]))
    rows = [("question", protocol.question), *criteria, ("risk-of-bias tool", protocol.bias_tool),
            ("model rule", protocol.model_rule), ("alpha", protocol.alpha),
            ("screening", ", ".join(f"{stages[stage]} {mode}" for stage, mode in protocol.screening.items()))]
    width = max(len(name) for name, _ in rows)
    lines = [f"review {protocol.review!r}: {protocol.title}"]
    lines += [f"  {name.ljust(width)}  {'' if value is None else _cell(value)}" for name, value in rows]
    lines.append("  full-text exclusion reasons:" + ("" if protocol.exclusion_reasons else " none declared"))
    lines += [f"    - {reason}" for reason in protocol.exclusion_reasons]
    lines.append(f"history: {len(protocol.history)} edit(s)" + (":" if protocol.history else ""))
    if protocol.history:
        lines.append(_indent(format_events(protocol.history)))
    return "\n".join(lines)


def _ci(estimate, low, high) -> str:
    if estimate is None:
        return "-"
    return f"{estimate:.2f} ({low:.2f} to {high:.2f})"


def _pct(value) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _p(value) -> str:
    if value is None:
        return "-"
    return "<0.0001" if value < 0.0001 else f"{value:.4f}"


def format_pool(run) -> str:
    out = [f"Analysis run {run.run_id} of {run.review!r} (preset {run.preset}; inputs sha256 {run.inputs_hash[:12]})"]
    for a in run.analyses:
        chosen = a.chosen
        out.append("")
        out.append(f"{a.analysis}: {a.label or a.outcome}  [{a.measure}, {a.method}, chosen model: {chosen.model}]")
        rows = []
        for m in a.models:
            rows.append([
                ("* " if m.chosen else "  ") + m.model, m.k, m.participants, _ci(m.estimate, m.ci_low, m.ci_high),
                _p(m.p), _pct(m.i2), _p(m.q_p), "-" if m.tau2 is None else f"{m.tau2:.3f}",
            ])
        pub = a.published
        if pub:
            rows.append([
                "  published " + (pub["model"] or ""), pub["k"], None,
                _ci(pub["estimate"], pub["ci_low"], pub["ci_high"]), pub["p"], (pub["i2"] + "%") if pub["i2"] else "-",
                pub["q_p"], "",
            ])
        out.append(_indent(table(["model", "k", "participants", f"{a.measure} (95% CI)", "p", "I²", "P(Q)", "tau²"], rows)))
        for name, models in a.subgroups.items():
            m = next(x for x in models if x.chosen)
            pub_sg = a.published_subgroups.get(name)
            printed = f"; published I² {pub_sg['i2']}%, P(Q) {pub_sg['q_p']}" if pub_sg else ""
            out.append(f"    subgroup {name}: k {m.k}, {_ci(m.estimate, m.ci_low, m.ci_high)}, I² {_pct(m.i2)}, P(Q) {_p(m.q_p)}{printed}")
        for model, test in a.subgroup_tests.items():
            if model == chosen.model and test["q"] is not None:
                out.append(f"    test for subgroup differences: Q {test['q']:.2f}, df {test['df']}, p {_p(test['p'])}")
        for reason in a.explanations:
            out.append(f"    - {reason}")
        if a.without_data:
            out.append(f"    included without usable data for this outcome: {', '.join(a.without_data)}")
    return "\n".join(out)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _summary_line(s: dict) -> str:
    """One pooled summary as text: estimate, CI, test, heterogeneity."""
    test = f"t({s['df']})" if s.get("df") is not None else "z"
    line = f"k {s['k']}: {_ci(s['estimate'], s['ci_low'], s['ci_high'])}, {test} p {_p(s['p'])}"
    if s.get("q") is not None:
        line += f"; I² {_pct(s['i2'])}, tau² {s['tau2']:.3f}"
    return line


def format_meta(result: dict) -> str:
    rows = [[s.get("study"), _ci(s["estimate"], s["ci_low"], s["ci_high"]) if s["estimable"] else "not estimable",
             "-" if s["weight"] is None else f"{s['weight']:.1f}%"] for s in result["studies"]]
    lines = [table(["study", f"{result['measure']} ({result['level']:.0%} CI)", "weight"], rows), ""]
    lines.append(
        f"{result['model']} effect ({result['method']}, tau² {result['tau2_method']}, CI {result['ci_method']},"
        f" preset {result['preset']}), {_summary_line(result)}"
    )
    if result["q"] is not None:
        lines.append(f"heterogeneity: Q {result['q']:.2f}, df {result['q_df']}, P(Q) {_p(result['q_p'])}")
    if result.get("tau2_ci"):
        low, high = result["tau2_ci"]
        lines.append(f"tau² CI {low:.4f} to {high:.4f}; I² CI {result['i2_ci'][0]:.1f}% to {result['i2_ci'][1]:.1f}%")
    if result.get("pi_low") is not None:
        lines.append(f"prediction interval {result['pi_low']:.2f} to {result['pi_high']:.2f}")
    for sub in result.get("subgroups") or []:
        lines.append(f"subgroup {sub['name']}: {_summary_line(sub)}")
    if result.get("subgroup_test"):
        t = result["subgroup_test"]
        lines.append(f"test for subgroup differences: Q {t['q']:.2f}, df {t['df']}, p {_p(t['p'])}")
    if result.get("egger"):
        e = result["egger"]
        lines.append(f"Egger's test: intercept {e['intercept']:.3f} (SE {e['se']:.3f}), t({e['df']}) {e['statistic']:.2f}, p {_p(e['p'])}")
    if result.get("trimfill"):
        t = result["trimfill"]
        lines.append(f"trim-and-fill: {t['k0']} studies filled on the {t['side']}: {_ci(t['estimate'], t['ci_low'], t['ci_high'])}")
    for key, label in (("leave_one_out", "leaving out"), ("cumulative", "adding")):
        for s in result.get(key) or []:
            lines.append(f"{label} {s['study']}: {_summary_line(s)}")
    return "\n".join(lines)


def format_rob2(results) -> str:
    """`evidence rob rob2` as text: a block per result (evidence.core.rob2.Rob2Result), each domain's
    proposal with the answers that led to it, the overall proposal and why, and answers not needed."""
    from evidence.core.rob2 import DOMAIN_NAMES, VARIANT_NAMES

    blocks = []
    for r in results:
        rows = [[f"{domain} {DOMAIN_NAMES[domain]}", j.proposed, j.path()] for domain, j in r.domains.items()]
        rows.append(["overall", r.overall, r.overall_why])
        lines = [f"result {r.result} (D2: {VARIANT_NAMES[r.variant]})", table(["domain", "proposed", "why"], rows)]
        unused = [f"{domain} {q} {a}" for domain, j in r.domains.items() for q, a in j.unused]
        if unused:
            lines.append("answered but not needed by the algorithm: " + ", ".join(unused))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def format_diff(first: int, last: int, diffs) -> str:
    """`evidence diff` as text: one line per analysis with what changed and why."""
    lines = [f"runs {first} -> {last}"]
    lines += [f"{d.analysis}: " + ("; ".join(d.changes) if d.changes else "no change") for d in diffs]
    return "\n".join(lines)


def format_findings(findings) -> str:
    """`evidence audit` as text: one line per finding, then the count per severity."""
    lines = [f"{f.severity:<8} {f.rule:<28} {f.place()}: {f.message}" for f in findings]
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "note")}
    lines.append(f"{len(findings)} findings: " + ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items()))
    return "\n".join(lines)
