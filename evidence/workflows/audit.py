"""`evidence audit`: named rules that find a review's errors in the data the store holds.

Each rule reads the store and returns findings: a severity (error: the data
contradict themselves; warning: a value or result the sourced data do not
support; note: worth a reviewer's look, or an error already corrected), the
rule's name, the place (table, study, arm, outcome, analysis, field) and one
sentence. Printed values are checked as printed; where a recorded correction
resolves a finding, it becomes a note naming the correction.

Published results are compared with a recomputation made here, in memory, with
the analysis's own settings (the store is only read), at the precision the
publication printed: 0.61 matches anything that rounds to 0.61.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review

SEVERITIES = ("error", "warning", "note")


@dataclass
class Finding:
    severity: str
    rule: str
    where: dict[str, Any]
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"severity": self.severity, "rule": self.rule, "where": self.where, "message": self.message}

    def place(self) -> str:
        parts = [self.where.get("table")]
        parts += [self.where[k] for k in ("study", "arm", "outcome", "analysis", "subgroup") if self.where.get(k)]
        text = " ".join(str(p) for p in parts if p)
        return f"{text} {self.where['field']}" if self.where.get("field") else text


@dataclass
class Context:
    """What every rule may read: the connection, the review, and the recomputed results."""

    connection: sa.Connection
    review_id: int
    slug: str
    alpha: float
    recomputed: dict[tuple[int, str | None, str], dict[str, Any]] = field(default_factory=dict)

    def rows(self, sql: str, **params) -> list[sa.RowMapping]:
        return self.connection.execute(sa.text(sql), {"review": self.review_id, **params}).mappings().all()


# ---------------------------------------------------------------- numbers as printed

def decimals(value: float) -> int:
    """Digits after the point in a value's shortest form: 0.61 -> 2, 1.6 -> 1, 129 -> 0."""
    text = repr(float(value))
    if "e" in text:
        return 10
    whole, _, fraction = text.partition(".")
    return 0 if fraction == "0" else len(fraction)


def rounds_to(value: float | None, printed: float | None, places: int | None = None) -> bool:
    """True when `value` rounded at the printed value's precision gives the printed value."""
    if value is None or printed is None or (isinstance(value, float) and math.isnan(value)):
        return False
    places = decimals(printed) if places is None else places
    return abs(value - printed) <= 0.5 * 10 ** -places + 1e-12


def matches_text(value: float | None, text: str | None) -> bool | None:
    """A recomputed statistic against printed text ('71', '<50', '>0.1', '<0.0001'); None when
    the text is not a number or the value is missing."""
    if text is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = text.strip()
    try:
        if text.startswith("<"):
            return value < float(text[1:])
        if text.startswith(">"):
            return value > float(text[1:])
        return rounds_to(value, float(text), decimals(float(text)) if "." in text else 0)
    except ValueError:
        return None


def _printed(estimate: float, low: float, high: float, places: int) -> str:
    return f"{estimate:.{places}f} ({low:.{places}f} to {high:.{places}f})"


def _fmt(value: float | None) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3g}"


# ---------------------------------------------------------------- rules

def _corrections(ctx: Context) -> dict[tuple[str, int, str], tuple[str, int | None]]:
    """(table, row id, field) -> (latest corrected value, update number)."""
    out = {}
    for row in ctx.rows(
            "SELECT c.table_name, c.row_id, c.field, c.corrected, u.number FROM correction c"
            " LEFT JOIN review_update u ON u.id = c.review_update_id WHERE c.review_id = :review ORDER BY c.id"):
        out[row["table_name"], row["row_id"], row["field"]] = (row["corrected"], row["number"])
    return out


def _arm_where(row, field_name: str) -> dict[str, Any]:
    return {"table": "arm", "study": row["study"], "arm": row["arm"], "field": field_name}


def _printed_counts(ctx: Context) -> dict[int, dict[str, float]]:
    """Each arm's declared counts of participants (integer attributes in participants) as printed."""
    counts: dict[int, dict[str, float]] = defaultdict(dict)
    for arm_id, name, value in ctx.connection.execute(sa.text(
            "SELECT v.arm_id, v.name, v.value FROM arm_attribute v JOIN arm a ON a.id = v.arm_id"
            " JOIN study s ON s.id = a.study_id JOIN attribute_definition d ON d.review_id = s.review_id"
            " AND d.level = 'arm' AND d.name = v.name WHERE s.review_id = :review AND d.kind = 'integer'"
            " AND d.unit = 'participants'"), {"review": ctx.review_id}):
        counts[arm_id][name] = float(value)
    return counts


def rule_arm_counts(ctx: Context) -> list[Finding]:
    """Table 1 counts: women + men = n; no count of participants above n; safety population within the
    randomised. Counts are the arm attributes the review declares as integers in participants."""
    findings = []
    corrections = _corrections(ctx)
    counts = _printed_counts(ctx)
    for row in ctx.rows(
            "SELECT a.id, s.label AS study, a.label AS arm, a.randomised_n, a.safety_n"
            " FROM arm a JOIN study s ON s.id = a.study_id WHERE s.review_id = :review ORDER BY s.label, a.label"):
        row = {**row, "women": None, "men": None, **{k: int(v) for k, v in counts.get(row["id"], {}).items()}}
        n = row["randomised_n"]
        corrected = corrections.get(("arm", row["id"], "randomised_n"))
        fixed_n = int(corrected[0]) if corrected else None
        note = f"; corrected to {fixed_n} in update {corrected[1]}" if corrected else ""

        def add(field_name: str, message: str, resolved: bool) -> None:
            findings.append(Finding("note" if resolved else "error", rule, _arm_where(row, field_name),
                                    message + (note if resolved else "")))

        rule = "arm_sex_sum"
        if n is not None and row["women"] is not None and row["men"] is not None and row["women"] + row["men"] != n:
            total = row["women"] + row["men"]
            add("randomised_n", f"women {row['women']} + men {row['men']} = {total}, but n is printed as {n}",
                fixed_n == total)
        rule = "arm_subcount_above_n"
        for name in sorted(counts.get(row["id"], {})):
            if n is not None and row[name] is not None and row[name] > n:
                add(name, f"{name} {row[name]} is more than the arm's n {n}", fixed_n is not None and row[name] <= fixed_n)
        rule = "safety_above_randomised"
        if n is not None and row["safety_n"] is not None and row["safety_n"] > n:
            add("safety_n", f"the safety population {row['safety_n']} is larger than the {n} randomised",
                fixed_n is not None and row["safety_n"] <= fixed_n)
    return findings


def rule_outcome_denominators(ctx: Context) -> list[Finding]:
    """An outcome's denominator should be its arm's randomised or safety n, or name its population."""
    findings = []
    for row in ctx.rows(
            "SELECT s.label AS study, a.label AS arm, o.name AS outcome, d.total, d.population, a.randomised_n,"
            " a.safety_n FROM dichotomous_current d JOIN arm_current a ON a.arm_id = d.arm_id"
            " JOIN study s ON s.id = a.study_id JOIN outcome o ON o.id = d.outcome_id WHERE o.review_id = :review"
            " AND d.variant = 'primary' AND d.total IS NOT NULL ORDER BY s.label, o.name, a.label"):
        if row["total"] in (row["randomised_n"], row["safety_n"]):
            continue
        population = (row["population"] or "").strip()
        where = {"table": "dichotomous_data", "study": row["study"], "arm": row["arm"], "outcome": row["outcome"],
                 "field": "total"}
        if population.upper().startswith("ITT") and row["randomised_n"] is not None:
            findings.append(Finding("warning", "outcome_denominator", where,
                                    f"the ITT denominator {row['total']} differs from the arm's randomised n"
                                    f" {row['randomised_n']}"))
        elif not population:
            findings.append(Finding("warning", "outcome_denominator", where,
                                    f"the denominator {row['total']} is neither the arm's randomised n"
                                    f" ({_fmt(row['randomised_n'])}) nor its safety n ({_fmt(row['safety_n'])})"
                                    " and no population is stated"))
    return findings


def rule_reported_totals(ctx: Context) -> list[Finding]:
    """The participants the review reported against the sum of its own studies' arms (as printed)."""
    review = ctx.rows("SELECT reported_participants AS total, reported_participants_experimental AS experimental,"
                      " reported_participants_control AS control, reported_participants_source AS source"
                      " FROM review WHERE id = :review")[0]
    sums = ctx.rows(
        "SELECT a.role, SUM(a.randomised_n) AS printed, SUM(c.randomised_n) AS current, COUNT(*) AS arms,"
        " COUNT(a.randomised_n) AS known FROM arm a JOIN arm_current c ON c.arm_id = a.id"
        " JOIN study s ON s.id = a.study_id JOIN review_update u ON u.id = s.review_update_id"
        " WHERE s.review_id = :review AND u.number = 0 AND s.status = 'included' GROUP BY a.role")
    by_role = {r["role"]: r for r in sums}
    if not by_role:
        return []
    findings = []
    parts = {"experimental": [by_role.get("experimental")], "control": [by_role.get("control")],
             "total": [by_role.get("experimental"), by_role.get("control")]}
    for key, rows in parts.items():
        reported = review[key]
        if reported is None or any(r is None or r["known"] < r["arms"] for r in rows):
            continue
        printed = sum(int(r["printed"]) for r in rows)
        current = sum(int(r["current"]) for r in rows)
        if printed == reported:
            continue
        also = f" ({current} with the recorded corrections)" if current != printed else ""
        findings.append(Finding("error", "reported_totals", {"table": "review", "field": f"reported_participants ({key})"},
                                f"the review reports {reported} {'participants' if key == 'total' else key + ' participants'}"
                                f" ({review['source'] or 'publication'}), but its studies' {key} arms add up to"
                                f" {printed}{also}"))
    return findings


def rule_design_facts(ctx: Context) -> list[Finding]:
    """Table values that contradict a study's design: prior lines of therapy in newly diagnosed patients."""
    findings = []
    corrections = _corrections(ctx)
    for row in ctx.rows(
            "SELECT a.id, s.label AS study, a.label AS arm, v.value AS median_prior_lines, sc.setting FROM arm a"
            " JOIN arm_attribute v ON v.arm_id = a.id AND v.name = 'median_prior_lines'"
            " JOIN study s ON s.id = a.study_id JOIN study_current sc ON sc.study_id = s.id"
            " WHERE s.review_id = :review ORDER BY s.label, a.label"):
        row = {**row, "median_prior_lines": float(row["median_prior_lines"])}
        if row["median_prior_lines"] <= 0 or "newly diagnosed" not in (row["setting"] or "").lower():
            continue
        corrected = corrections.get(("arm", row["id"], "median_prior_lines"))
        resolved = corrected is not None and float(corrected[0]) == 0
        message = (f"a median of {row['median_prior_lines']:g} prior lines is printed for a trial in newly diagnosed"
                   f" patients ({row['setting']}), who have had none")
        if resolved:
            message += f"; corrected to 0 in update {corrected[1]}"
        findings.append(Finding("note" if resolved else "error", "prior_lines_newly_diagnosed",
                                _arm_where(row, "median_prior_lines"), message))
    return findings


def rule_estimates(ctx: Context) -> list[Finding]:
    """A ratio estimate must sit inside its CI and, on the log scale, in its middle (up to printed rounding)."""
    findings = []
    for row in ctx.rows(
            "SELECT s.label AS study, o.name AS outcome, c.variant, c.estimate, c.ci_low, c.ci_high, c.ci_level"
            " FROM contrast_current c JOIN study s ON s.id = c.study_id JOIN outcome o ON o.id = c.outcome_id"
            " WHERE o.review_id = :review AND c.estimate IS NOT NULL ORDER BY s.label, o.name, c.variant"):
        est, low, high = row["estimate"], row["ci_low"], row["ci_high"]
        where = {"table": "contrast_estimate", "study": row["study"], "outcome": row["outcome"],
                 "field": f"estimate ({row['variant']})"}
        if not low <= est <= high:
            findings.append(Finding("error", "estimate_outside_ci", where,
                                    f"the estimate {est:g} lies outside its CI {low:g} to {high:g}"))
            continue
        # Largest shift of log(estimate) and of the log midpoint that rounding at the printed precision allows.
        slack = sum(0.5 * 10 ** -decimals(v) / v for v in (est,)) + \
            (0.5 * 10 ** -decimals(low) / low + 0.5 * 10 ** -decimals(high) / high) / 2
        middle = (math.log(low) + math.log(high)) / 2
        if abs(math.log(est) - middle) > slack + 1e-9:
            findings.append(Finding("warning", "ci_not_centred", where,
                                    f"the estimate {est:g} is not at the log-scale middle of its {row['ci_level']:.3g}"
                                    f" CI {low:g} to {high:g} ({math.exp(middle):.3g}), beyond printed rounding:"
                                    " a misprint, or a CI level other than the one stated"))
    return findings


def rule_derived_counts(ctx: Context) -> list[Finding]:
    """Counts computed from printed percentages may be off by one: named, once per study and outcome."""
    return [
        Finding("note", "derived_from_percent",
                {"table": "dichotomous_data", "study": row["study"], "outcome": row["outcome"], "field": "events"},
                f"{row['n']} arm count(s) are round(percent x N) from a printed percentage and may be off by one")
        for row in ctx.rows(
            "SELECT s.label AS study, o.name AS outcome, COUNT(*) AS n FROM dichotomous_current d"
            " JOIN arm a ON a.id = d.arm_id JOIN study s ON s.id = a.study_id JOIN outcome o ON o.id = d.outcome_id"
            " WHERE o.review_id = :review AND d.derived_from_percent AND d.variant = 'primary'"
            " GROUP BY s.label, o.name ORDER BY s.label, o.name")
    ]


def rule_published_results(ctx: Context) -> list[Finding]:
    """Each published pooled result against the store's recomputation with the same method and model."""
    findings = []
    for row in ctx.rows(
            "SELECT p.*, an.name AS analysis, an.measure FROM published_result p JOIN analysis an ON an.id = p.analysis_id"
            " WHERE an.review_id = :review ORDER BY an.name, p.subgroup"):
        where = {"table": "published_result", "analysis": row["analysis"], "subgroup": row["subgroup"],
                 "field": "estimate"}
        if row["estimate"] is None:
            continue
        model = row["model"] or "fixed"
        mine = ctx.recomputed.get((row["analysis_id"], row["subgroup"], model))
        # A result prints its estimate and limits at one precision: 0.80 (0.58 to 1.10) is read to 2 places.
        places = max(decimals(row[key]) for key in ("estimate", "ci_low", "ci_high") if row[key] is not None)
        printed = f"{row['measure']} " + _printed(row["estimate"], row["ci_low"], row["ci_high"], places)
        if mine is None or not mine["k"]:
            findings.append(Finding("warning", "published_not_reproduced", where,
                                    f"published {printed}, k {row['k'] or 'not stated'}: no trial has sourced data"
                                    " to reproduce it"))
            continue
        same = all(rounds_to(mine[key], row[key], places) for key in ("estimate", "ci_low", "ci_high"))
        events = ""
        if row["events_experimental"] is not None and mine.get("events_experimental") is not None:
            if (row["events_experimental"], row["events_control"]) != (mine["events_experimental"], mine["events_control"]):
                events = (f"; published events {row['events_experimental']} vs {row['events_control']}, sourced"
                          f" {int(mine['events_experimental'])} vs {int(mine['events_control'])}")
                same = False
        if not same:
            findings.append(Finding("warning", "published_not_reproduced", where,
                                    f"published {printed} ({model}), k {row['k'] or 'not stated'}; the sourced data"
                                    f" give {_printed(mine['estimate'], mine['ci_low'], mine['ci_high'], places)},"
                                    f" k {int(mine['k'])}{events}"))
    return findings


def rule_published_heterogeneity(ctx: Context) -> list[Finding]:
    """A published I² must be possible (two or more studies) and match the recomputation on the same studies."""
    findings = []
    counts = {(r["name"], r["value"]): r["n"] for r in ctx.rows(
        "SELECT sa.name, sa.value, COUNT(*) AS n FROM study_attribute sa JOIN study s ON s.id = sa.study_id"
        " JOIN review_update u ON u.id = s.review_update_id"
        " WHERE s.review_id = :review AND s.status = 'included' AND u.number = 0 GROUP BY sa.name, sa.value")}
    for row in ctx.rows(
            "SELECT p.*, an.name AS analysis, an.subgroup AS attribute FROM published_result p"
            " JOIN analysis an ON an.id = p.analysis_id WHERE an.review_id = :review AND p.i2_text IS NOT NULL"
            " ORDER BY an.name, p.subgroup"):
        where = {"table": "published_result", "analysis": row["analysis"], "subgroup": row["subgroup"], "field": "i2"}
        k = row["k"] if row["subgroup"] is None else counts.get((row["attribute"], row["subgroup"]))
        try:
            i2 = float(row["i2_text"])
        except ValueError:
            i2 = None
        if k is not None and k < 2 and i2 is not None and i2 > 0:
            findings.append(Finding("error", "impossible_heterogeneity", where,
                                    f"an I² of {row['i2_text']}% is printed for {k} study (by the review's own"
                                    " grouping); heterogeneity needs two or more"))
            continue
        mine = ctx.recomputed.get((row["analysis_id"], row["subgroup"], row["model"] or "fixed"))
        if mine is None or k is None or int(mine["k"]) != k:
            continue  # different studies: the estimate's finding says so
        if matches_text(mine["i2"], row["i2_text"]) is False:
            findings.append(Finding("warning", "published_heterogeneity", where,
                                    f"published I² {row['i2_text']}%; the same {k} studies give {mine['i2']:.0f}%"))
        if matches_text(mine["q_p"], row["q_p_text"]) is False:
            findings.append(Finding("warning", "published_heterogeneity", {**where, "field": "q_p"},
                                    f"published P(Q) {row['q_p_text']}; the same {k} studies give {mine['q_p']:.2g}"))
    return findings


def _mh_range(events_e: int, events_c: int, arms: list[tuple[int, int]]) -> tuple[float, float] | None:
    """The lowest and highest Mantel-Haenszel RR that event totals can give in these arms (n_e, n_c),
    however the events fall across the trials: RR_MH = sum(a n_c / N) / sum(c n_e / N), each sum made
    smallest or largest by filling the arms in order of their weight (a fractional knapsack)."""
    def extreme(total: int, weights: list[float], caps: list[int], largest: bool) -> float | None:
        value, left = 0.0, total
        for w, cap in sorted(zip(weights, caps), reverse=largest):
            take = min(cap, left)
            value, left = value + take * w, left - take
        return None if left > 0 else value

    n = [ne + nc for ne, nc in arms]
    w_e = [nc / t for (ne, nc), t in zip(arms, n)]
    w_c = [ne / t for (ne, nc), t in zip(arms, n)]
    caps_e, caps_c = [ne for ne, _ in arms], [nc for _, nc in arms]
    low_num, high_num = extreme(events_e, w_e, caps_e, False), extreme(events_e, w_e, caps_e, True)
    low_den, high_den = extreme(events_c, w_c, caps_c, False), extreme(events_c, w_c, caps_c, True)
    if None in (low_num, high_num, low_den, high_den) or not low_den:
        return None
    return low_num / high_den, high_num / low_den


def rule_implausible_effect(ctx: Context) -> list[Finding]:
    """A published RR that its own event totals cannot give in the review's trials' arms."""
    findings = []
    arms = [(int(r["e"]), int(r["c"])) for r in ctx.rows(
        "SELECT MAX(a.randomised_n) FILTER (WHERE a.role = 'experimental') AS e,"
        " MAX(a.randomised_n) FILTER (WHERE a.role = 'control') AS c FROM arm_current a"
        " JOIN study s ON s.id = a.study_id JOIN review_update u ON u.id = s.review_update_id"
        " WHERE s.review_id = :review AND u.number = 0 GROUP BY a.study_id") if r["e"] and r["c"]]
    for row in ctx.rows(
            "SELECT p.*, an.name AS analysis FROM published_result p JOIN analysis an ON an.id = p.analysis_id"
            " WHERE an.review_id = :review AND an.measure = 'RR' AND p.subgroup IS NULL"
            " AND p.events_experimental IS NOT NULL AND p.events_control IS NOT NULL AND p.estimate IS NOT NULL"):
        bounds = _mh_range(row["events_experimental"], row["events_control"], arms)
        if bounds is None:
            continue
        low, high = bounds
        if not low - 0.005 <= row["estimate"] <= high + 0.005:
            findings.append(Finding(
                "warning", "implausible_effect",
                {"table": "published_result", "analysis": row["analysis"], "field": "estimate"},
                f"RR {row['estimate']:g} is implausible for {row['events_experimental']} vs {row['events_control']}"
                f" events: in the review's trials' arms ({sum(e for e, _ in arms)} vs {sum(c for _, c in arms)}),"
                f" any Mantel-Haenszel RR lies between {low:.2f} and {high:.2f}, however the events fall across"
                " the trials"))
    return findings


def rule_prisma(ctx: Context) -> list[Finding]:
    """Every PRISMA identity of every update, from records or from the reported counts."""
    from evidence.workflows.prisma import flow_on

    findings = []
    numbers = [r["number"] for r in ctx.rows("SELECT number FROM review_update WHERE review_id = :review ORDER BY number")]
    for number in numbers:
        flow = flow_on(ctx.connection, ctx.review_id, ctx.slug, number)
        for check in flow.checks:
            if not check.holds:
                findings.append(Finding("error", "prisma_identity", {"table": "prisma_flow", "field": f"update {number}"},
                                        f"{check.identity} does not hold (expected {check.expected}, found {check.found})"))
    return findings


RULES: dict[str, Callable[[Context], list[Finding]]] = {
    "prisma_identity": rule_prisma,
    "arm_counts": rule_arm_counts,
    "outcome_denominator": rule_outcome_denominators,
    "reported_totals": rule_reported_totals,
    "design_facts": rule_design_facts,
    "estimates": rule_estimates,
    "derived_from_percent": rule_derived_counts,
    "published_results": rule_published_results,
    "published_heterogeneity": rule_published_heterogeneity,
    "implausible_effect": rule_implausible_effect,
}


def _recompute(connection: sa.Connection, review_id: int) -> dict[tuple[int, str | None, str], dict[str, Any]]:
    """Every analysis pooled in memory with its own settings: {(analysis id, subgroup or None, model): summary}."""
    from evidence.workflows.pool import compute, read_analyses, read_inputs

    analyses = read_analyses(connection, [review_id])
    if not analyses:
        return {}
    computation = compute(read_inputs(connection, [review_id]), analyses)
    out = {}
    for table, has_subgroup in ((computation.pooled, False), (computation.subgroups, True)):
        if not table or not len(table["analysis_id"]):
            continue
        for i in range(len(table["analysis_id"])):
            row = {k: (v[i].item() if hasattr(v[i], "item") else v[i]) for k, v in table.items()}
            out[int(row["analysis_id"]), row["subgroup"] if has_subgroup else None, row["model"]] = row
    return out


def audit(engine: sa.Engine, review: str | None = None) -> tuple[str, list[Finding]]:
    """Run every rule over the review; findings sorted by severity, rule and place. The store is only read."""
    with friendly_errors(), engine.connect() as connection:
        review_id, slug = resolve_review(connection, review)
        alpha = connection.execute(sa.text("SELECT alpha FROM review WHERE id = :r"), {"r": review_id}).scalar_one()
        ctx = Context(connection, review_id, slug, alpha, _recompute(connection, review_id))
        findings = [finding for rule in RULES.values() for finding in rule(ctx)]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (order[f.severity], f.rule, f.place()))
    return slug, findings


