"""Risk-of-bias figures in the style of robvis (McGuinness & Higgins 2021): the traffic-light plot and
the (weighted) summary bar chart, for RoB 1 and RoB 2 judgements in `bias_judgement`.

The store's vocabulary is low / unclear / high; for RoB 2 "unclear" is shown as "Some concerns".
A study with no judgement in a domain is drawn grey, "Not assessed": never filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from evidence.core.vocabulary import ROB1_DOMAINS
from evidence.errors import InputError, NotFoundError
from evidence.outputs.figures import render
from evidence.outputs.figures.prisma import text_width, wrap
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review

KINDS = ("traffic", "summary")
LEVELS = ("low", "unclear", "high")
NONE = "none"  # not assessed
OVERALL = "overall"
OVERALL_KEYS = {"overall", "overall_bias", "overall risk of bias", "overall_risk_of_bias"}

ROB1_NAMES = {
    "random_sequence_generation": "Random sequence generation",
    "allocation_concealment": "Allocation concealment",
    "blinding_participants_personnel": "Blinding of participants and personnel",
    "blinding_outcome_assessment": "Blinding of outcome assessment",
    "incomplete_outcome_data": "Incomplete outcome data",
    "selective_reporting": "Selective reporting",
    "other_bias": "Other sources of bias",
}
# RoB 2 (Sterne et al. BMJ 2019): the store has no fixed keys for it, so the usual spellings are known.
ROB2_DOMAINS = (
    ("randomisation_process", "Bias arising from the randomisation process",
     {"d1", "randomization_process", "randomisation", "randomization"}),
    ("deviations_from_intended_interventions", "Bias due to deviations from intended interventions",
     {"d2", "deviations", "deviations_from_interventions"}),
    ("missing_outcome_data", "Bias due to missing outcome data", {"d3", "missing_data"}),
    ("measurement_of_the_outcome", "Bias in measurement of the outcome",
     {"d4", "measurement_of_outcome", "outcome_measurement", "measurement"}),
    ("selection_of_the_reported_result", "Bias in selection of the reported result",
     {"d5", "selection_of_reported_result", "selective_reporting", "reported_result"}),
)

COLOURS = {"low": "#02C100", "unclear": "#E2DF07", "high": "#BF0000", NONE: "#D9D9D9"}
SYMBOLS = {"low": "+", "unclear": "?", "high": "\u2212", NONE: ""}  # a minus sign sits level with "+"


@dataclass
class RobData:
    """Judgements of the included studies, one tool, with the domain order of that tool."""

    review: str
    tool: str
    domains: list[str]  # stored domain keys in the tool's order; Overall is kept apart
    names: list[str]  # readable names, same order
    studies: list[str]  # labels, in the review's order
    judgements: dict[tuple[str, str], str]  # (study, domain key or "overall") -> low | unclear | high
    has_overall: bool = False
    outcome: str | None = None
    analysis: str | None = None
    # Study label -> weight (any scale) in the analysis, when the summary is weighted.
    weights: dict[str, float] | None = None
    weight_note: str | None = None
    codes: list[str] = field(init=False)

    def __post_init__(self):
        self.codes = [f"D{i}" for i in range(1, len(self.domains) + 1)]

    def words(self) -> dict[str, str]:
        """The legend's word per judgement: RoB 2 says "Some concerns" where RoB 1 says "Unclear"."""
        rob2 = self.tool.replace(" ", "").lower() == "rob2"
        return {"low": "Low", "unclear": "Some concerns" if rob2 else "Unclear", "high": "High", NONE: "Not assessed"}

    def judgement(self, study: str, domain: str) -> str:
        return self.judgements.get((study, domain), NONE)

    def columns(self) -> list[str]:
        return self.domains + ([OVERALL] if self.has_overall else [])

    def proportions(self) -> dict[str, dict[str, float]]:
        """Per domain (and Overall), the share of studies (or of the analysis' weight) at each judgement."""
        if self.weights is not None:
            weights = {s: self.weights.get(s, 0.0) for s in self.studies}
        else:
            weights = dict.fromkeys(self.studies, 1.0)
        total = sum(weights.values())
        shares = {}
        for domain in self.columns():
            share = dict.fromkeys((*LEVELS, NONE), 0.0)
            for study, weight in weights.items():
                share[self.judgement(study, domain)] += weight / total
            shares[domain] = share
        return shares


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().replace("-", "_").split()).replace(" ", "_")


def _order(tool: str, keys: set[str]) -> tuple[list[str], list[str], set[str]]:
    """Domain keys in the tool's order (unknown ones after, by name), their names, and the Overall keys."""
    overall = {k for k in keys if _norm(k) in {_norm(o) for o in OVERALL_KEYS}}
    rest = keys - overall
    known: list[tuple[str, str]] = []
    if tool.replace(" ", "").lower() == "rob2":
        for key, name, aliases in ROB2_DOMAINS:
            for k in sorted(rest):
                if _norm(k) == key or _norm(k) in aliases:
                    known.append((k, name))
    else:
        for key in ROB1_DOMAINS:
            known += [(k, ROB1_NAMES[key]) for k in sorted(rest) if _norm(k) == key]
    seen = {k for k, _ in known}
    known += [(k, k.replace("_", " ").strip().capitalize()) for k in sorted(rest - seen)]
    return [k for k, _ in known], [n for _, n in known], overall


def read(connection: sa.Connection, review_id: int, tool: str | None = None, outcome: str | None = None,
         analysis: str | None = None) -> RobData:
    """The included studies' judgements of one tool (default: the review's, else the only one stored).

    Study-level judgements, or those of OUTCOME where given (a study-level one holds where a study has
    none for the outcome). ANALYSIS weights the summary by each study's weight in the latest run
    of that analysis (and picks its outcome when OUTCOME is not given).
    """
    slug, review_tool = connection.execute(
        sa.text("SELECT slug, bias_tool FROM review WHERE id = :id"), {"id": review_id}).one()
    weights, note = None, None
    if analysis is not None:
        weights, note, analysis_outcome = _weights(connection, review_id, slug, analysis)
        outcome = outcome or analysis_outcome
    outcome_id = None
    if outcome is not None:
        outcome_id = connection.execute(sa.text("SELECT id FROM outcome WHERE review_id = :r AND name = :n"),
                                        {"r": review_id, "n": outcome}).scalar()
        if outcome_id is None:
            names = connection.execute(sa.text("SELECT name FROM outcome WHERE review_id = :r ORDER BY name"),
                                       {"r": review_id}).scalars().all()
            raise NotFoundError(f"review {slug!r} has no outcome {outcome!r} (outcomes: {', '.join(names) or 'none'})")
    tools = connection.execute(sa.text(
        "SELECT DISTINCT b.tool FROM bias_judgement b JOIN study s ON s.id = b.study_id"
        " WHERE s.review_id = :r ORDER BY b.tool"), {"r": review_id}).scalars().all()
    if not tools:
        raise NotFoundError(f"review {slug!r} holds no risk-of-bias judgements: give them in the seed's bias.csv "
                            "(or import a RevMan file that has them) before drawing risk-of-bias figures")
    if tool is None:
        if review_tool in tools:
            tool = review_tool
        elif len(tools) == 1:
            tool = tools[0]
        else:
            raise NotFoundError(f"review {slug!r} has judgements of several tools ({', '.join(tools)}): name one")
    elif tool not in tools:
        raise NotFoundError(f"review {slug!r} has no {tool} judgements (tools: {', '.join(tools)})")
    studies = connection.execute(sa.text(
        "SELECT label FROM study_current WHERE review_id = :r AND status = 'included' AND parent_study_id IS NULL"
        " ORDER BY study_id"), {"r": review_id}).scalars().all()
    rows = connection.execute(sa.text(
        "SELECT s.label, b.domain, b.judgement, b.outcome_id FROM bias_judgement b JOIN study s ON s.id = b.study_id"
        " WHERE s.review_id = :r AND b.tool = :tool AND (b.outcome_id IS NULL OR b.outcome_id = :o)"
        " ORDER BY s.label, b.domain, b.outcome_id NULLS FIRST"), {"r": review_id, "tool": tool, "o": outcome_id}).all()
    included = set(studies)
    # Outcome-level rows come after study-level ones, so they win.
    raw = {(label, domain): _level(judgement) for label, domain, judgement, _ in rows if label in included}
    if not raw:
        raise NotFoundError(f"review {slug!r} has {tool} judgements only for studies it no longer includes: "
                            "add judgements for its included studies")
    domains, names, overall = _order(tool, {domain for _, domain in raw})
    judgements = {(label, OVERALL if domain in overall else domain): j for (label, domain), j in raw.items()}
    if weights is not None:
        studies = [s for s in studies if weights.get(s, 0) > 0]
        if not studies:
            raise NotFoundError(f"no study the review includes has a weight in analysis {analysis!r}: "
                                "pool the review again (`evidence pool`) or draw the unweighted summary")
    return RobData(slug, tool, domains, names, studies, judgements, bool(overall), outcome, analysis, weights, note)


def _level(judgement: str) -> str:
    j = judgement.strip().lower()
    return "unclear" if j in ("some concerns", "some_concerns") else j


def _weights(connection, review_id, slug, analysis) -> tuple[dict[str, float], str, str]:
    """Each study's weight (chosen model) in the latest run that pooled ANALYSIS, summed over a
    multi-arm study's comparisons, with a note saying where the weights come from."""
    row = connection.execute(sa.text(
        "SELECT an.id, o.name FROM analysis an JOIN outcome o ON o.id = an.outcome_id"
        " WHERE an.review_id = :r AND an.name = :n"), {"r": review_id, "n": analysis}).first()
    if row is None:
        names = connection.execute(sa.text("SELECT name FROM analysis WHERE review_id = :r ORDER BY name"),
                                   {"r": review_id}).scalars().all()
        raise NotFoundError(f"review {slug!r} has no analysis {analysis!r} (analyses: {', '.join(names) or 'none'})")
    analysis_id, outcome = row
    run = connection.execute(sa.text(
        "SELECT MAX(run_id) FROM study_result WHERE analysis_id = :a"), {"a": analysis_id}).scalar()
    if run is None:
        raise NotFoundError(f"analysis {analysis!r} of review {slug!r} has not been pooled: run `evidence pool` first")
    model = connection.execute(sa.text(
        "SELECT model FROM pooled_result WHERE run_id = :run AND analysis_id = :a AND chosen"),
        {"run": run, "a": analysis_id}).scalar() or "fixed"
    rows = connection.execute(sa.text(
        "SELECT COALESCE(p.label, s.label), sr.weight_fixed, sr.weight_random FROM study_result sr"
        " JOIN study s ON s.id = sr.study_id LEFT JOIN study p ON p.id = s.parent_study_id"
        " WHERE sr.run_id = :run AND sr.analysis_id = :a"), {"run": run, "a": analysis_id}).all()
    weights: dict[str, float] = {}
    for label, fixed, random in rows:
        weight = random if model == "random" else fixed
        weights[label] = weights.get(label, 0.0) + (float(weight) if weight is not None else 0.0)
    if sum(weights.values()) <= 0:
        raise NotFoundError(f"analysis {analysis!r} of review {slug!r} gives no study a weight: "
                            "draw the unweighted summary instead")
    model_text = "random-effects" if model == "random" else "fixed-effect"
    return weights, f"weighted by each study's weight in analysis {analysis!r} ({model_text} model, run {run})", outcome


def rob_figure(engine: sa.Engine, review: str | None = None, kind: str = "traffic", tool: str | None = None,
               outcome: str | None = None, analysis: str | None = None):
    """The review's risk-of-bias figure: kind "traffic" (traffic-light plot) or "summary" (bar chart,
    weighted by the studies' weights in ANALYSIS when given)."""
    if kind not in KINDS:
        raise InputError(f"risk-of-bias figure kind {kind!r} is not one of {', '.join(KINDS)}")
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        data = read(connection, review_id, tool, outcome, analysis)
    return draw(data, kind)


def draw(data: RobData, kind: str = "traffic"):
    """The figure of DATA (no I/O): the traffic-light plot or the summary bar chart."""
    if kind == "traffic":
        return draw_traffic(data)
    if kind == "summary":
        return draw_summary(data)
    raise InputError(f"risk-of-bias figure kind {kind!r} is not one of {', '.join(KINDS)}")


# --- traffic-light plot ----------------------------------------------------------------

CELL = 0.36  # inches per row and column
RADIUS = 0.13
FONT = 8.0


def _circle(ax, x, y, level, gid=None, radius=RADIUS):
    from matplotlib.patches import Circle

    ax.add_patch(Circle((x, y), radius, facecolor=COLOURS[level], edgecolor="#555555", lw=0.5, gid=gid))
    if SYMBOLS[level]:
        ax.text(x, y, SYMBOLS[level], ha="center", va="center_baseline", fontsize=(FONT + 1) * radius / RADIUS,
                fontweight="bold", color="black")


def draw_traffic(data: RobData):
    """Rows are studies, columns D1..Dn (and Overall); below, the domain key and the judgement legend."""
    from matplotlib.patches import Rectangle

    columns = data.columns()
    heads = data.codes + (["Overall"] if data.has_overall else [])
    label_w = max(text_width(s, FONT) for s in [*data.studies, "Study"]) + 0.25
    # Column left edges and widths; Overall stands apart (as in robvis) and is wide enough for its word.
    lefts, widths = [CELL * j for j in range(len(data.domains))], [CELL] * len(data.domains)
    if data.has_overall:
        lefts.append(CELL * len(data.domains) + 0.08)
        widths.append(max(CELL, text_width("Overall", FONT) * 1.1 + 0.12))
    grid_w = lefts[-1] + widths[-1]
    top = 0.55  # header: "Risk of bias domains" and the D-codes
    grid_h = CELL * len(data.studies)
    # Legend below the grid: the domain key on the left, the judgements on the right.
    words = data.words()
    key_lines = [f"{code}: {name}" for code, name in zip(data.codes, data.names)]
    if data.has_overall:
        key_lines.append("Overall: Overall risk of bias")
    key_w = max(text_width(line, FONT) for line in key_lines) + 0.1
    judge_w = max(text_width(w, FONT) for w in words.values()) + 0.45
    legend_rows = max(len(key_lines), len(words)) + 1
    legend_h = legend_rows * FONT * 1.5 / 72 + 0.1
    caption = _caption(data)
    width = max(label_w + grid_w, key_w + 0.4 + judge_w) + 0.1
    caption_lines = wrap(caption, width - 0.1, size=FONT - 1, hang="")
    height = top + grid_h + 0.25 + legend_h + len(caption_lines) * (FONT - 1) * 1.2 / 72 + 0.1

    fig = render.figure(width, height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")

    x0, y0 = label_w, top
    ax.add_patch(Rectangle((x0, 0.02), grid_w, 0.24, facecolor="#E6E6E6", edgecolor="none"))
    ax.text(x0 + grid_w / 2, 0.14, "Risk of bias domains", ha="center", va="center", fontsize=FONT, fontweight="bold")
    ax.text(x0 - 0.1, y0 - 0.13, "Study", ha="right", va="center", fontsize=FONT, fontweight="bold")
    for j, head in enumerate(heads):
        ax.text(x0 + lefts[j] + widths[j] / 2, y0 - 0.13, head, ha="center", va="center", fontsize=FONT,
                fontweight="bold")
    for i, study in enumerate(data.studies):
        cy = y0 + CELL * (i + 0.5)
        ax.text(x0 - 0.1, cy, study, ha="right", va="center", fontsize=FONT)
        for j, domain in enumerate(columns):
            cx = x0 + lefts[j] + widths[j] / 2
            ax.add_patch(Rectangle((x0 + lefts[j], y0 + CELL * i), widths[j], CELL, facecolor="none",
                                   edgecolor="#BBBBBB", lw=0.5))
            level = data.judgement(study, domain)
            _circle(ax, cx, cy, level, gid=f"{study}|{domain}|{level}")

    step = FONT * 1.5 / 72
    ly = y0 + grid_h + 0.25
    ax.text(0.1, ly, "Domains:", ha="left", va="top", fontsize=FONT, fontweight="bold")
    for k, line in enumerate(key_lines):
        ax.text(0.1, ly + step * (k + 1), line, ha="left", va="top", fontsize=FONT)
    jx = width - judge_w
    ax.text(jx, ly, "Judgement", ha="left", va="top", fontsize=FONT, fontweight="bold")
    for k, level in enumerate(("high", "unclear", "low", NONE)):
        cy = ly + step * (k + 1) + step * 0.4
        _circle(ax, jx + 0.1, cy, level, radius=0.085)
        ax.text(jx + 0.27, cy, words[level], ha="left", va="center", fontsize=FONT)
    ax.text(0.1, ly + legend_h, "\n".join(caption_lines), ha="left", va="top", fontsize=FONT - 1,
            linespacing=1.2, color="#444444")
    return fig


# --- summary bar chart -----------------------------------------------------------------


def draw_summary(data: RobData):
    """Per domain, a horizontal stacked bar of the share of studies (or weight) at each judgement."""
    columns = data.columns()
    names = data.names + (["Overall risk of bias"] if data.has_overall else [])
    shares = data.proportions()
    words = data.words()
    label_w = max(text_width(name, FONT) for name in names) + 0.2
    bars_w = 4.0
    bar_h = 0.32
    caption_lines = wrap(_caption(data), label_w + bars_w - 0.1, size=FONT - 1, hang="")
    top = 0.15 + len(caption_lines) * (FONT - 1) * 1.2 / 72 + 0.1
    plot_h = bar_h * len(columns) + 0.1
    bottom = 0.62  # x-axis labels and the legend
    width, height = label_w + bars_w + 0.3, top + plot_h + bottom

    fig = render.figure(width, height)
    ax = fig.add_axes((label_w / width, bottom / height, bars_w / width, plot_h / height))
    for i, (domain, name) in enumerate(zip(columns, names)):
        y = len(columns) - 1 - i  # first domain on top
        left = 0.0
        for level in (*LEVELS, NONE):
            share = shares[domain][level]
            if share <= 0:
                continue
            ax.barh(y, share, left=left, height=0.72, color=COLOURS[level], edgecolor="white", lw=0.6,
                    gid=f"{domain}|{level}")
            if share >= 0.1:
                ax.text(left + share / 2, y, f"{share:.0%}", ha="center", va="center", fontsize=FONT - 1,
                        color="white" if level in ("low", "high") else "black")
            left += share
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.5, len(columns) - 0.5)
    ax.set_yticks(range(len(columns)))
    ax.set_yticklabels(list(reversed(names)), fontsize=FONT)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_xticklabels(["0%", "25%", "50%", "75%", "100%"], fontsize=FONT - 1)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    from matplotlib.patches import Patch

    rob2 = data.tool.replace(" ", "").lower() == "rob2"
    labels = {level: words[level] + (" risk" if rob2 else " risk of bias") for level in LEVELS}
    labels.update({"unclear": words["unclear"] + ("" if rob2 else " risk of bias"), NONE: words[NONE]})
    handles = [Patch(facecolor=COLOURS[level], label=labels[level]) for level in (*LEVELS, NONE)]
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, fontsize=FONT,
               bbox_to_anchor=((label_w + bars_w / 2) / width, 0.02 / height), handlelength=1.2, columnspacing=1.2)
    fig.text(0.1 / width, 1 - 0.12 / height, "\n".join(caption_lines), ha="left", va="top", fontsize=FONT - 1,
             linespacing=1.2, color="#444444")
    return fig


def _caption(data: RobData) -> str:
    level = f"judgements for outcome {data.outcome} (else study-level)" if data.outcome else "study-level judgements"
    text = f"Review {data.review}, {data.tool}, {level}"
    if data.weight_note:
        text += f"; {data.weight_note}, {len(data.studies)} studies"
    else:
        text += f"; {len(data.studies)} included studies"
    return text + "."
