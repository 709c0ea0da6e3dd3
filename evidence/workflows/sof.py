"""GRADE certainty of the evidence and the Summary of findings table.

The store keeps each GRADE judgement with its reason (table certainty_assessment,
loaded from a seed's certainty.csv); the certainty they add up to is computed
here, never stored: GRADE starts randomised trials at high and non-randomised
studies at low, takes one level off per serious concern (two per very serious)
and one for strongly suspected publication bias, adds the upgrading factors of
non-randomised evidence (large effect +1, very large +2, dose-response +1,
plausible confounding +1), and keeps the result between very low and high.

A Summary of findings row is one outcome: its main pooled analysis in the review's
latest analysis run (the analysis its assessment names, else the outcome's analysis
of the `primary` variant without subgroups), the model the run chose, and for
dichotomous measures the absolute effect per 1,000. The assumed (control) risk is
the median control-group risk of the trials that analysis pooled: the GRADE
handbook and the Cochrane Handbook (chapter 14) take the median control-group
risk across studies, or a representative one, as the assumed risk.
"""

from __future__ import annotations

import html
import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from evidence.core.grade import DOWNGRADE, PUBLICATION_BIAS, UPGRADE, Certainty, corresponding_risk, grade_certainty
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review
from evidence.workflows.runs import latest_run

DOMAIN_NAMES = {
    "risk_of_bias": "risk of bias", "inconsistency": "inconsistency", "indirectness": "indirectness",
    "imprecision": "imprecision", "publication_bias": "publication bias",
}
UPGRADE_NAMES = {"large_effect": "large effect", "dose_response": "dose-response gradient",
                 "plausible_confounding": "plausible confounding"}
NOT_ASSESSED = "not assessed"
DICHOTOMOUS_MEASURES = ("RR", "OR", "PETO", "RD")
MEASURE_NAMES = {"RR": "risk ratio", "OR": "odds ratio", "PETO": "Peto odds ratio", "RD": "risk difference",
                 "HR": "hazard ratio", "MD": "mean difference", "SMD": "standardised mean difference",
                 "GENERIC": "generic inverse variance"}

@dataclass
class Judgement:
    """One GRADE domain or upgrading factor as assessed: its level, what it changes, and why."""

    domain: str
    level: str
    change: int
    reason: str | None

    @property
    def text(self) -> str:
        sign = "−" if self.change < 0 else "+"
        change = f" ({sign}{abs(self.change)})" if self.change else ""
        return f"{DOMAIN_NAMES.get(self.domain) or UPGRADE_NAMES[self.domain]}: {self.level}{change}" + (
            f": {self.reason}" if self.reason else "")


@dataclass
class SofRow:
    outcome: str
    label: str | None
    kind: str
    analysis: str | None  # the pooled analysis the row shows; None: the outcome has none
    measure: str | None
    model: str | None  # the model the run chose (fixed, random)
    level: float | None  # the CI level
    k: int | None
    participants: int | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    # Absolute effects (dichotomous measures): risks as proportions, per 1,000 rounded for display.
    assumed_risk: float | None = None
    corresponding_risk: float | None = None
    corresponding_ci_low: float | None = None
    corresponding_ci_high: float | None = None
    absolute_note: str = ""  # where the assumed risk comes from, or why there is no absolute effect
    certainty: str = NOT_ASSESSED  # high, moderate, low, very low, or "not assessed"
    certainty_score: int | None = None
    judgements: list[Judgement] = field(default_factory=list)
    assessed_in_update: int | None = None
    assessed_by: str | None = None
    source: str | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def relative_effect(self) -> str:
        if self.analysis is None:
            return "no pooled analysis"
        if self.estimate is None:
            return "not estimable"
        percent = f"{self.level * 100:g}% CI" if self.level is not None else "CI"
        model = f", {self.model} effect{'s' if self.model == 'random' else ''}" if self.model else ""
        return f"{self.measure} {_number(self.estimate)} ({percent} {_number(self.ci_low)} to {_number(self.ci_high)}){model}"

    @property
    def certainty_label(self) -> str:
        if self.certainty_score is None:
            return NOT_ASSESSED
        return Certainty(self.certainty, self.certainty_score).label

    @property
    def downgrades(self) -> list[Judgement]:
        """The judgements that moved the certainty (downgrades and upgrades)."""
        return [j for j in self.judgements if j.change]

    @property
    def certainty_text(self) -> str:
        """E.g. "⊕⊕⊝⊝ Low (risk of bias, imprecision)"."""
        if self.certainty_score is None:
            return NOT_ASSESSED
        moved = [DOMAIN_NAMES.get(j.domain) or UPGRADE_NAMES[j.domain] for j in self.downgrades]
        return self.certainty_label + (f" ({', '.join(moved)})" if moved else "")

    def per_1000(self, risk: float | None) -> int | None:
        return None if risk is None else int(round(risk * 1000))

    @property
    def absolute_effect(self) -> str:
        """Risk with the comparator and with the intervention per 1,000, or "—" with the reason."""
        if self.assumed_risk is None or self.corresponding_risk is None:
            return "—"
        assumed, corresponding = self.per_1000(self.assumed_risk), self.per_1000(self.corresponding_risk)
        low, high = self.per_1000(self.corresponding_ci_low), self.per_1000(self.corresponding_ci_high)
        difference = corresponding - assumed
        words = f"{abs(difference)} {'more' if difference >= 0 else 'fewer'}"
        return (f"{assumed} per 1,000 with the comparator; {corresponding} per 1,000 with the intervention"
                f" ({low} to {high}), {words} per 1,000")

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["judgements"] = [asdict(j) for j in self.judgements]
        data.update(
            relative_effect=self.relative_effect, certainty_label=self.certainty_label,
            certainty_text=self.certainty_text, absolute_effect=self.absolute_effect,
            assumed_per_1000=self.per_1000(self.assumed_risk),
            corresponding_per_1000=self.per_1000(self.corresponding_risk),
            corresponding_per_1000_ci=[self.per_1000(self.corresponding_ci_low), self.per_1000(self.corresponding_ci_high)]
            if self.corresponding_ci_low is not None else None,
        )
        return data


@dataclass
class SummaryOfFindings:
    review: str
    review_id: int
    run_id: int | None  # the latest analysis run; None: the review was never pooled
    rows: list[SofRow]
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"review": self.review, "run_id": self.run_id, "rows": [row.as_json() for row in self.rows],
                "notes": self.notes}

    def to_text(self) -> str:
        """The table for a terminal: one block per outcome."""
        lines = [f"Summary of findings: {self.review}"
                 + (f" (analysis run {self.run_id})" if self.run_id is not None else " (never pooled)")]
        lines += [f"  {note}" for note in self.notes]
        for row in self.rows:
            lines += ["", f"{row.outcome}" + (f" — {row.label}" if row.label else "")
                      + (f" (analysis {row.analysis})" if row.analysis else "")]
            lines.append(f"  studies: {_count(row.k)}; participants: {_count(row.participants)}")
            lines.append(f"  relative effect: {row.relative_effect}")
            lines.append(f"  absolute effect: {row.absolute_effect}"
                         + (f" [{row.absolute_note}]" if row.absolute_note else ""))
            lines.append(f"  certainty: {row.certainty_text}")
            for judgement in row.judgements:
                lines.append(f"    - {judgement.text}")
            if row.assessed_by:
                lines.append(f"    assessed by {row.assessed_by} (update {row.assessed_in_update})"
                             + (f"; source: {row.source}" if row.source else ""))
            for comment in row.comments:
                lines.append(f"  comment: {comment}")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """An HTML <table> fragment: every text escaped, no scripts, styles or external resources.

        Footnotes (in <tfoot>) hold each certainty judgement's reason and the
        absolute effects' basis; the cells point to them by number.
        """
        e = html.escape
        notes: list[str] = []

        def note(text: str) -> str:
            notes.append(text)
            return f"<sup>{len(notes)}</sup>"

        head = ("Outcome", "Studies (participants)", "Relative effect (CI)", "Risk with comparator (per 1,000)",
                "Risk with intervention (per 1,000, CI)", "Certainty of the evidence (GRADE)", "Comments")
        out = ['<table class="summary-of-findings">',
               f"<caption>Summary of findings: {e(self.review)}"
               + (f" (analysis run {self.run_id})" if self.run_id is not None else " (never pooled)") + "</caption>",
               "<thead><tr>" + "".join(f'<th scope="col">{e(h)}</th>' for h in head) + "</tr></thead>", "<tbody>"]
        for row in self.rows:
            outcome = e(row.label or row.outcome) + (f"<br><small>{e(row.outcome)}" + (
                f", analysis {e(row.analysis)}" if row.analysis else "") + "</small>")
            studies = f"{_count(row.k)} ({_count(row.participants)})"
            if row.assumed_risk is not None and row.corresponding_risk is not None:
                assumed = f"{row.per_1000(row.assumed_risk)}" + note(row.absolute_note)
                corresponding = (f"{row.per_1000(row.corresponding_risk)} ({row.per_1000(row.corresponding_ci_low)}"
                                 f" to {row.per_1000(row.corresponding_ci_high)})")
            else:
                assumed = "—" + (note(row.absolute_note) if row.absolute_note else "")
                corresponding = "—"
            if row.certainty_score is None:
                certainty = e(NOT_ASSESSED)
            else:
                marks = [note(judgement.text) for judgement in row.judgements]
                certainty = (f'<span class="grade-symbols" aria-hidden="true">{e(row.certainty_label.split(" ")[0])}'
                             f"</span> {e(row.certainty.capitalize())}" + "".join(marks))
            comments = "<br>".join(e(c) for c in row.comments)
            cells = (outcome, studies, e(row.relative_effect), assumed, corresponding, certainty, comments)
            out.append('<tr><th scope="row">' + cells[0] + "</th>" + "".join(f"<td>{c}</td>" for c in cells[1:]) + "</tr>")
        out.append("</tbody>")
        footer = [e(n) for n in self.notes] + [f"<sup>{i}</sup> {e(text)}" for i, text in enumerate(notes, start=1)]
        if footer:
            out.append(f'<tfoot><tr><td colspan="{len(head)}">' + "<br>".join(footer) + "</td></tr></tfoot>")
        out.append("</table>")
        return "\n".join(out) + "\n"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


_OUTCOMES = sa.text("SELECT id, name, label, kind, measure FROM outcome WHERE review_id = :review ORDER BY id")
_ANALYSES = sa.text(
    "SELECT id, name, outcome_id, level FROM analysis"
    " WHERE review_id = :review AND variant = 'primary' AND subgroup IS NULL ORDER BY id")
_ASSESSMENTS = sa.text(
    "SELECT c.*, u.number AS update_number, an.name AS analysis_name, an.level AS analysis_level"
    " FROM certainty_assessment c JOIN review_update u ON u.id = c.review_update_id"
    " JOIN outcome o ON o.id = c.outcome_id LEFT JOIN analysis an ON an.id = c.analysis_id"
    " WHERE o.review_id = :review ORDER BY u.number")
_RESULTS = sa.text(
    "SELECT run_id, analysis, model, k, participants, measure, estimate, ci_low, ci_high FROM latest_result"
    " WHERE review_id = :review AND chosen")
# The control arms of the trials the run pooled in an analysis (current values: corrections applied).
_CONTROL_RISKS = sa.text(
    "SELECT i.analysis, i.c_events, i.c_total FROM analysis_input i"
    " JOIN study_result sr ON sr.analysis_id = i.analysis_id AND sr.study_id = i.study_id"
    " AND sr.comparison = i.comparison AND sr.run_id = :run"
    " WHERE i.review_id = :review AND i.data_kind = 'dichotomous'")


def _judgements(assessment: dict[str, Any]) -> list[Judgement]:
    found = [Judgement(domain, assessment[domain], DOWNGRADE[assessment[domain]], assessment[f"{domain}_reason"])
             for domain in ("risk_of_bias", "inconsistency", "indirectness", "imprecision")]
    found.append(Judgement("publication_bias", assessment["publication_bias"],
                           PUBLICATION_BIAS[assessment["publication_bias"]], assessment["publication_bias_reason"]))
    for name in UPGRADE:
        if assessment[name] not in (None, "no"):
            found.append(Judgement(name, assessment[name], UPGRADE[name][assessment[name]], assessment["upgrade_reason"]))
    return found


def summary_of_findings(connection: sa.Connection, review_id: int) -> SummaryOfFindings:
    """The Summary of findings of one review, from its latest analysis run and its latest GRADE assessments.

    One row per outcome that has a main analysis or an assessment (outcomes that
    are data only are left out); outcomes without an assessment show "not assessed".
    """
    slug = connection.execute(sa.text("SELECT slug FROM review WHERE id = :id"), {"id": review_id}).scalar_one()
    params = {"review": review_id}
    outcomes = connection.execute(_OUTCOMES, params).mappings().all()
    main_analyses: dict[int, list[dict]] = {}
    for analysis in connection.execute(_ANALYSES, params).mappings():
        main_analyses.setdefault(analysis["outcome_id"], []).append(dict(analysis))
    assessments = {}  # the latest update's assessment of each outcome
    for assessment in connection.execute(_ASSESSMENTS, params).mappings():
        assessments[assessment["outcome_id"]] = dict(assessment)
    results = {row["analysis"]: dict(row) for row in connection.execute(_RESULTS, params).mappings()}
    run_id = latest_run(connection, review_id, required=False)
    control: dict[str, list[float]] = {}
    if run_id is not None:
        for name, events, total in connection.execute(_CONTROL_RISKS, {**params, "run": run_id}):
            if events is not None and total:
                control.setdefault(name, []).append(events / total)
    sof = SummaryOfFindings(slug, review_id, run_id, [])
    sof.notes.append(
        "Assumed risk (risk with the comparator): the median control-group risk of the trials the analysis pooled"
        " (GRADE handbook; Cochrane Handbook chapter 14). Risk with the intervention: assumed risk × RR"
        " (OR: OR·ACR / (1 − ACR + OR·ACR)), with the CI of the relative effect.")
    if run_id is None:
        sof.notes.append("The review has no analysis run yet: pool it (`evidence pool`) for its effects.")
    for outcome in outcomes:
        assessment = assessments.get(outcome["id"])
        candidates = main_analyses.get(outcome["id"], [])
        if assessment is None and not candidates:
            continue
        row = SofRow(outcome["name"], outcome["label"], outcome["kind"], None, outcome["measure"], None, None,
                     None, None, None, None, None)
        if assessment is not None and assessment["analysis_name"] is not None:
            row.analysis, row.level = assessment["analysis_name"], assessment["analysis_level"]
        elif candidates:
            row.analysis, row.level = candidates[0]["name"], candidates[0]["level"]
            if len(candidates) > 1:
                row.comments.append(
                    f"The outcome has {len(candidates)} analyses of its primary data ("
                    + ", ".join(c["name"] for c in candidates)
                    + f"); shown: {row.analysis} (certainty.csv's `analysis` names the one assessed).")
        result = results.get(row.analysis) if row.analysis else None
        if result is not None:
            row.measure, row.model, row.k, row.participants = (
                result["measure"], result["model"], result["k"], result["participants"])
            row.estimate, row.ci_low, row.ci_high = result["estimate"], result["ci_low"], result["ci_high"]
        elif row.analysis is not None:
            row.comments.append(f"Analysis {row.analysis} has no result in the latest run.")
        _absolute(row, control.get(row.analysis or "", []))
        if assessment is not None:
            certainty = grade_certainty(*(assessment[name] for name in (
                "design", "risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias",
                "large_effect", "dose_response", "plausible_confounding")))
            row.certainty, row.certainty_score = certainty.level, certainty.score
            row.judgements = _judgements(assessment)
            row.assessed_in_update, row.assessed_by, row.source = (
                assessment["update_number"], assessment["assessed_by"], assessment["source"])
            if assessment["comments"]:
                row.comments.insert(0, assessment["comments"])
        sof.rows.append(row)
    return sof


def _absolute(row: SofRow, control_risks: list[float]) -> None:
    """Fill the row's assumed and corresponding risks, or say why there are none."""
    if row.measure not in DICHOTOMOUS_MEASURES:
        if row.measure == "HR":
            row.absolute_note = ("time-to-event outcome: an absolute effect needs the comparator's risk at a stated"
                                 " time, which the store does not hold")
        elif row.measure is not None:
            row.absolute_note = f"{MEASURE_NAMES.get(row.measure, row.measure)}: no risk per 1,000"
        return
    if row.estimate is None:
        row.absolute_note = "no pooled estimate"
        return
    if not control_risks:
        row.absolute_note = "no control-arm counts in the trials pooled"
        return
    assumed = statistics.median(control_risks)
    row.assumed_risk = assumed
    row.corresponding_risk = corresponding_risk(row.measure, assumed, row.estimate)
    if row.ci_low is not None and row.ci_high is not None:
        row.corresponding_ci_low = corresponding_risk(row.measure, assumed, row.ci_low)
        row.corresponding_ci_high = corresponding_risk(row.measure, assumed, row.ci_high)
    n = len(control_risks)
    row.absolute_note = (f"assumed risk: median control-group risk of the {n} trial{'s' if n != 1 else ''} pooled"
                         f" ({assumed * 1000:.0f} per 1,000)")
    if row.measure == "RR" and any(v is not None and math.isfinite(v) and assumed * v > 1
                                   for v in (row.estimate, row.ci_low, row.ci_high)):
        row.absolute_note += "; assumed risk × RR exceeds 1,000 per 1,000 and is shown as 1,000"


def sof_table(engine: sa.Engine, review: str | None = None) -> SummaryOfFindings:
    """The Summary of findings of the named review (or of the only one)."""
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        return summary_of_findings(connection, review_id)
