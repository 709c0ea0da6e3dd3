"""The forest plot of one analysis, laid out as RevMan 5 draws it.

`read` gathers what the picture needs from the review's latest run (the chosen model's
weights, subtotals and total, the heterogeneity and the tests) into a `ForestData`;
`from_calculator` gathers the same from the `meta` calculator's result (a table pooled
without a store);
`draw` lays it out on a matplotlib Figure: one text row per study with its data, weight
and effect, a square sized by weight with whiskers, subgroup blocks with subtotals, the
pooled diamond, and the test lines and "Favours" labels under the axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa

from evidence.errors import NotFoundError
from evidence.outputs.figures import render
from evidence.store import schema
from evidence.store.database import friendly_errors
from evidence.workflows.pool import DICHOTOMOUS_MEASURES, NOT_ASSIGNED, inputs_hashes, read_inputs
from evidence.workflows.reviews import resolve_review
from evidence.workflows.runs import latest_run

MEASURE_NAMES = {
    "RR": "Risk Ratio", "OR": "Odds Ratio", "PETO": "Peto Odds Ratio", "RD": "Risk Difference",
    "HR": "Hazard Ratio", "MD": "Mean Difference", "SMD": "Std. Mean Difference", "GENERIC": "Effect",
}
METHOD_NAMES = {"MH": "M-H", "IV": "IV", "PETO": "Peto"}
NOT_ESTIMABLE = "Not estimable"
NOT_APPLICABLE = "Not applicable"


# ---------------------------------------------------------------- what the picture needs

@dataclass(frozen=True)
class StudyRow:
    """One study of the analysis: its data, its effect with CI, and its weight (%) in the chosen model."""

    label: str
    estimable: bool
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    te: float | None = None  # on the analysis scale (log for ratios)
    se: float | None = None
    weight: float | None = None
    e_events: int | None = None
    e_total: int | None = None
    c_events: int | None = None
    c_total: int | None = None


@dataclass(frozen=True)
class Summary:
    """A pooled estimate (the total or one subgroup's subtotal) in the chosen model, with its heterogeneity."""

    k: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    z: float | None
    p: float | None
    q: float | None
    q_df: int | None
    q_p: float | None
    i2: float | None  # percent
    tau2: float | None
    weight: float  # percent of the analysis
    e_events: int | None
    e_total: int | None
    c_events: int | None
    c_total: int | None


@dataclass(frozen=True)
class Block:
    """The studies of one subgroup (name None: the analysis has no subgroups) and their subtotal."""

    name: str | None
    studies: tuple[StudyRow, ...]
    subtotal: Summary | None  # None where the analysis shows no subtotals


@dataclass(frozen=True)
class SubgroupDifference:
    q: float
    df: int
    p: float

    @property
    def i2(self) -> float:
        return max(0.0, (self.q - self.df) / self.q) * 100 if self.q > 0 else 0.0


@dataclass(frozen=True)
class ForestData:
    review: str | None  # None: pooled without a store (evidence.meta)
    analysis: str | None
    title: str
    run_id: int | None
    measure: str  # RR, OR, PETO, RD, HR, MD, SMD, GENERIC
    method: str  # MH, IV, PETO
    model: str  # the chosen model: fixed or random
    level: float
    log_scale: bool
    counts: bool  # rows show events/total per arm; else the estimate on the analysis scale and its SE
    subgroup_variable: str | None
    blocks: tuple[Block, ...]
    total: Summary | None  # None where the analysis shows no total
    subgroup_difference: SubgroupDifference | None
    favours_left: str
    favours_right: str

    @property
    def studies(self) -> list[StudyRow]:
        return [study for block in self.blocks for study in block.studies]


# ---------------------------------------------------------------- reading

def read(connection: sa.Connection, review_id: int, analysis: str) -> ForestData:
    """Everything the forest plot of `analysis` needs, from the review's latest run."""
    review_slug = connection.execute(sa.select(schema.Review.slug).where(schema.Review.id == review_id)).scalar()
    if review_slug is None:
        raise NotFoundError(f"no review with id {review_id} in the store: `evidence review list` lists them")
    plan = _read_plan(connection, review_id, review_slug, analysis)
    run_id = latest_run(connection, review_id)
    pooled = _read_chosen(connection, run_id, plan["id"])
    if pooled is None:
        raise NotFoundError(f"the latest run of review {review_slug!r} has no result for analysis {analysis!r}:"
                            " run `evidence pool` again")
    # The arms' counts come from the current inputs; they must be the ones the run pooled.
    inputs = read_inputs(connection, [review_id])
    run_hash = connection.execute(
        sa.select(schema.AnalysisRun.inputs_hash).where(schema.AnalysisRun.id == run_id)).scalar_one()
    if inputs_hashes(inputs, [review_id])[review_id] != run_hash:
        raise NotFoundError(f"the data of review {review_slug!r} changed after its latest run:"
                            " run `evidence pool` again before drawing")
    model = pooled["model"]
    studies = _read_studies(connection, run_id, review_id, plan, model, inputs)
    counts = plan["measure"] in DICHOTOMOUS_MEASURES
    show_subtotals = plan["totals"] in (None, "totals_and_subtotals", "subtotals_only")
    show_total = plan["totals"] in (None, "totals_and_subtotals")

    blocks = []
    if plan["subgroup"]:
        subtotals = _read_subtotals(connection, run_id, plan["id"], model)
        # Subgroups by name; studies with no value for the variable last.
        for name in sorted({subgroup for subgroup, _ in studies}, key=lambda name: (name == NOT_ASSIGNED, name)):
            rows = tuple(row for subgroup, row in studies if subgroup == name)
            subtotal = _summary(subtotals.get(name), rows) if show_subtotals else None
            blocks.append(Block(name, rows, subtotal))
    else:
        blocks.append(Block(None, tuple(row for _, row in studies), None))

    difference = None
    if plan["subgroup"] and show_subtotals:
        test = connection.execute(
            sa.select(schema.SubgroupTest.q, schema.SubgroupTest.df, schema.SubgroupTest.p)
            .where(schema.SubgroupTest.run_id == run_id, schema.SubgroupTest.analysis_id == plan["id"],
                   schema.SubgroupTest.model == model)).first()
        if test is not None and test.q is not None and test.df:
            difference = SubgroupDifference(test.q, test.df, test.p)

    left, right = _favours(plan["direction"])
    return ForestData(
        review=review_slug, analysis=plan["name"], title=plan["label"] or plan["outcome_label"] or plan["name"],
        run_id=run_id, measure=plan["measure"], method=pooled["method"], model=model, level=pooled["level"],
        log_scale=pooled["scale"] == "log", counts=counts, subgroup_variable=plan["subgroup"], blocks=tuple(blocks),
        total=_summary(pooled, tuple(row for _, row in studies)) if show_total else None,
        subgroup_difference=difference, favours_left=left, favours_right=right,
    )


def _read_plan(connection: sa.Connection, review_id: int, review_slug: str, analysis: str) -> dict:
    a, o = schema.Analysis, schema.Outcome
    plan = connection.execute(
        sa.select(a.id, a.name, a.label, a.measure, a.subgroup, a.totals,
                  o.label.label("outcome_label"), o.direction)
        .join(o, o.id == a.outcome_id).where(a.review_id == review_id, a.name == analysis)).mappings().first()
    if plan is None:
        names = connection.execute(sa.select(a.name).where(a.review_id == review_id).order_by(a.name)).scalars().all()
        raise NotFoundError(f"review {review_slug!r} has no analysis {analysis!r}"
                            f" (its analyses: {', '.join(names) or 'none'})")
    return dict(plan)


def _read_chosen(connection: sa.Connection, run_id: int, analysis_id: int) -> dict | None:
    p = schema.PooledResult
    row = connection.execute(
        sa.select(p.__table__).where(p.run_id == run_id, p.analysis_id == analysis_id, p.chosen)).mappings().first()
    return None if row is None else dict(row)


def _read_subtotals(connection: sa.Connection, run_id: int, analysis_id: int, model: str) -> dict[str, dict]:
    s = schema.SubgroupResult
    rows = connection.execute(
        sa.select(s.__table__).where(s.run_id == run_id, s.analysis_id == analysis_id, s.model == model)).mappings()
    return {row["subgroup"]: dict(row) for row in rows}


def _read_studies(connection: sa.Connection, run_id: int, review_id: int, plan: dict, model: str,
                  inputs) -> list[tuple[str | None, StudyRow]]:
    """(subgroup, row) per study of the analysis, by label (RevMan's default order): the studies the
    run pooled and the included studies without usable data (listed as not estimable, as RevMan does)."""
    r, s = schema.StudyResult, schema.Study
    weight_column = r.weight_random if model == "random" else r.weight_fixed
    results = connection.execute(
        sa.select(r.study_id, r.comparison, s.label, r.estimable, r.estimate, r.ci_low, r.ci_high, r.te, r.se,
                  weight_column.label("weight"))
        .join(s, s.id == r.study_id).where(r.run_id == run_id, r.analysis_id == plan["id"])).mappings().all()
    data = {}
    for i in (i for i, a in enumerate(inputs["analysis_id"].tolist()) if int(a) == plan["id"]):
        data[int(inputs["study_id"][i]), inputs["comparison"][i] or ""] = {
            "subgroup": inputs["subgroup"][i],
            **{name: _whole(inputs[name][i]) for name in ("e_events", "e_total", "c_events", "c_total")},
        }
    rows = []
    for result in results:
        arms = data.get((result["study_id"], result["comparison"]), {})
        estimable = bool(result["estimable"]) and result["estimate"] is not None
        rows.append((_subgroup_name(plan, arms.get("subgroup")), StudyRow(
            label=study_label(result["label"], result["comparison"]), estimable=estimable,
            **({key: result[key] for key in ("estimate", "ci_low", "ci_high", "te", "se", "weight")}
               if estimable else {}),
            **{key: arms.get(key) for key in ("e_events", "e_total", "c_events", "c_total")},
        )))
    pooled_ids = {result["study_id"] for result in results}
    without_data = connection.execute(sa.text(
        "SELECT s.study_id, s.label, sa.value FROM study_current AS s"
        " LEFT JOIN study_attribute AS sa ON sa.study_id = s.study_id AND sa.name = :subgroup"
        " WHERE s.review_id = :review AND s.status = 'included' AND s.parent_study_id IS NULL"),
        {"subgroup": plan["subgroup"], "review": review_id}).all()
    for study_id, label, value in without_data:
        if study_id not in pooled_ids:
            rows.append((_subgroup_name(plan, value), StudyRow(label=label, estimable=False)))
    return sorted(rows, key=lambda row: row[1].label)


def study_label(label: str, comparison: str | None) -> str:
    """A study's row label: its own, with the comparison of a multi-arm study ("Smith 2020 (10 mg vs placebo)")."""
    return f"{label} ({comparison})" if comparison else label


def _subgroup_name(plan: dict, value: str | None) -> str | None:
    """The subgroup a study falls in (as pool.py names it), or None in an analysis without subgroups."""
    if not plan["subgroup"]:
        return None
    return value or NOT_ASSIGNED


def _whole(value) -> int | None:
    return None if value is None or value != value else int(value)


def _summary(pooled: dict | None, rows: tuple[StudyRow, ...]) -> Summary:
    """A Summary from a pooled_result / subgroup_result row or a calculator summary (the same keys; None:
    nothing pooled) and its studies."""
    pooled = pooled or {}

    def total(key):
        values = [getattr(row, key) for row in rows if getattr(row, key) is not None]
        return sum(values) if values else None

    return Summary(
        k=pooled.get("k") or 0, estimate=pooled.get("estimate"), ci_low=pooled.get("ci_low"),
        ci_high=pooled.get("ci_high"), z=pooled.get("statistic"), p=pooled.get("p"), q=pooled.get("q"),
        q_df=pooled.get("q_df"), q_p=pooled.get("q_p"), i2=pooled.get("i2"), tau2=pooled.get("tau2"),
        weight=sum(row.weight or 0.0 for row in rows),
        e_events=total("e_events"), e_total=total("e_total"), c_events=total("c_events"), c_total=total("c_total"),
    )


def _favours(direction: str | None) -> tuple[str, str]:
    """(left, right) labels under the axis. Left of the line of no effect the experimental arm has
    less of the outcome: that favours it unless more of the outcome is better (a response rate).
    The store holds no review-level names for the arms, so the labels are RevMan's defaults."""
    experimental, control = "Favours experimental", "Favours control"
    if direction == "higher_is_better":
        return control, experimental
    return experimental, control


def forest_figure(engine: sa.Engine, review: str | None, analysis: str):
    """The forest plot of one analysis of a review (the only review when none is named)."""
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        data = read(connection, review_id, analysis)
    return draw(data)


def from_calculator(result: dict, arms: dict[str, list[float]] | None = None, groups: list[str] | None = None,
                    subgroup_variable: str | None = None, title: str | None = None) -> ForestData:
    """What the forest plot needs from the `meta` calculator's result (evidence.core.study_table.meta),
    so a table pooled without a store is drawn as `evidence plot forest` draws a stored analysis.

    arms: any of the studies' e_events, e_total, c_events, c_total, in input order (NaN: not given);
    groups: each study's subgroup cell ('' : not assigned) when the result was split by `subgroup_variable`.
    Studies stay in input order; subgroups are in name order, the studies without one last (as `read`).
    """
    arms = arms or {}
    rows = []
    for i, study in enumerate(result["studies"]):
        estimable = bool(study["estimable"]) and study["estimate"] is not None
        rows.append(StudyRow(
            label=study["study"], estimable=estimable,
            **({key: study[key] for key in ("estimate", "ci_low", "ci_high", "te", "se", "weight")} if estimable else {}),
            **{name: _whole(arms[name][i]) if name in arms else None
               for name in ("e_events", "e_total", "c_events", "c_total")}))

    difference = None
    if groups is not None and result.get("subgroups") is not None:
        names = [group or NOT_ASSIGNED for group in groups]
        blocks = []
        for subtotal in sorted(result["subgroups"], key=lambda group: (group["name"] == NOT_ASSIGNED, group["name"])):
            members = tuple(row for row, name in zip(rows, names) if name == subtotal["name"])
            blocks.append(Block(subtotal["name"], members, _summary(subtotal, members)))
        test = result.get("subgroup_test") or {}
        if test.get("q") is not None and test.get("df"):
            difference = SubgroupDifference(test["q"], test["df"], test["p"])
    else:
        blocks = [Block(None, tuple(rows), None)]
    left, right = _favours(None)
    peto = result["method"] == "PETO"  # the calculator pools Peto odds ratios as measure OR, method PETO
    return ForestData(
        review=None, analysis=None, title=title or "Meta-analysis", run_id=None,
        measure="PETO" if peto else result["measure"], method=result["method"], model=result["model"],
        level=result["level"], log_scale=result["scale"] == "log",
        counts=all(name in arms for name in ("e_events", "e_total", "c_events", "c_total")),
        subgroup_variable=subgroup_variable if groups is not None else None, blocks=tuple(blocks),
        total=_summary(result, tuple(rows)), subgroup_difference=difference, favours_left=left, favours_right=right,
    )


# ---------------------------------------------------------------- text as RevMan prints it

def format_p(p: float) -> str:
    """RevMan 5's P: two decimals, one significant digit below 0.01, floors at 0.0001 and 0.00001."""
    if p < 0.00001:
        return "P < 0.00001"
    if p < 0.0001:
        return "P < 0.0001"
    if p < 0.001:
        return f"P = {p:.4f}"
    if p < 0.01:
        return f"P = {p:.3f}"
    return f"P = {p:.2f}"


def format_effect(estimate: float | None, low: float | None, high: float | None) -> str:
    if estimate is None:
        return NOT_ESTIMABLE
    return f"{estimate:.2f} [{low:.2f}, {high:.2f}]"


def format_weight(weight: float | None) -> str:
    return "" if weight is None else f"{weight:.1f}%"


def heterogeneity_text(summary: Summary, model: str) -> str:
    if summary.k < 2 or summary.q is None:
        return f"Heterogeneity: {NOT_APPLICABLE}"
    tau2 = f"Tau² = {summary.tau2:.2f}; " if model == "random" else ""  # RevMan shows Tau² under random effects only
    return (f"Heterogeneity: {tau2}Chi² = {summary.q:.2f}, df = {summary.q_df} ({format_p(summary.q_p)});"
            f" I² = {summary.i2:.0f}%")


def overall_effect_text(summary: Summary) -> str:
    if summary.z is None or summary.p is None:
        return f"Test for overall effect: {NOT_APPLICABLE}"
    return f"Test for overall effect: Z = {abs(summary.z):.2f} ({format_p(summary.p)})"


def subgroup_difference_text(test: SubgroupDifference) -> str:
    return (f"Test for subgroup differences: Chi² = {test.q:.2f}, df = {test.df} ({format_p(test.p)}),"
            f" I² = {test.i2:.1f}%")


def model_header(data: ForestData) -> str:
    """"M-H, Random, 95% CI" as in RevMan's column header."""
    return f"{METHOD_NAMES.get(data.method, data.method)}, {data.model.capitalize()}, {data.level * 100:g}% CI"


# ---------------------------------------------------------------- drawing

ROW = 0.19  # inches per text row
GAP = 0.16  # inches between columns
FONT_SIZE = 8
SQUARE_AT_100 = 0.9 * ROW * 72  # side (points) of the square of a study with all the weight
SMALLEST_SQUARE = 2.5
SQUARE_COLOURS = {True: "#1f4e9c", False: "#2e7d32"}  # blue for counts, green for estimates (as RevMan)
LOG_SCALES = ((0.5, 0.7, 1, 1.5, 2), (0.2, 0.5, 1, 2, 5), (0.1, 0.2, 0.5, 1, 2, 5, 10),
              (0.05, 0.2, 1, 5, 20), (0.01, 0.1, 1, 10, 100), (0.001, 0.1, 1, 10, 1000))


@dataclass
class _Line:
    """One text row of the plot: a label, cells by column key, and what the plot column shows."""

    label: str = ""
    cells: dict[str, str] = field(default_factory=dict)
    bold: bool = False
    mark: tuple | None = None  # ("square", estimate, low, high, weight) or ("diamond", estimate, low, high)


@dataclass
class _Column:
    key: str
    header: str
    group: str = ""  # the heading above (Experimental, Control, the measure); spans columns sharing it
    width: float = 0.0
    right: float = 0.0  # x of the right edge, inches


def _columns(data: ForestData) -> list[_Column]:
    name = MEASURE_NAMES.get(data.measure, data.measure)
    if data.counts:
        columns = [_Column("e_events", "Events", "Experimental"), _Column("e_total", "Total", "Experimental"),
                   _Column("c_events", "Events", "Control"), _Column("c_total", "Total", "Control")]
    else:
        columns = [_Column("te", f"log[{name}]" if data.log_scale else name), _Column("se", "SE")]
        if any(s.e_total is not None for s in data.studies):
            columns += [_Column("e_total", "Total", "Experimental"), _Column("c_total", "Total", "Control")]
    return columns + [_Column("weight", "Weight"), _Column("effect", model_header(data), name)]


def _study_line(data: ForestData, study: StudyRow) -> _Line:
    cells = {key: _number(getattr(study, key)) for key in ("e_events", "e_total", "c_events", "c_total")}
    if study.estimable:
        cells.update(weight=format_weight(study.weight),
                     effect=format_effect(study.estimate, study.ci_low, study.ci_high))
        if not data.counts:
            cells.update(te=f"{study.te:.4f}", se=f"{study.se:.4f}")
        mark = ("square", study.estimate, study.ci_low, study.ci_high, study.weight or 0.0)
    else:
        cells.update(effect=NOT_ESTIMABLE)
        mark = None
    return _Line(study.label, cells, mark=mark)


def _summary_lines(data: ForestData, label: str, summary: Summary) -> tuple[list[_Line], list[_Line]]:
    """(rows beside the plot, rows of test text) of a subtotal or the total."""
    cells = {"e_total": _number(summary.e_total), "c_total": _number(summary.c_total),
             "weight": format_weight(summary.weight if summary.k else None),
             "effect": format_effect(summary.estimate, summary.ci_low, summary.ci_high)}
    mark = None if summary.estimate is None else ("diamond", summary.estimate, summary.ci_low, summary.ci_high)
    rows = [_Line(f"{label} ({data.level * 100:g}% CI)", cells, bold=True, mark=mark)]
    if data.counts:
        events = {"e_events": _number(summary.e_events), "c_events": _number(summary.c_events)}
        rows.append(_Line("Total events", events))
    tests = [_Line(heterogeneity_text(summary, data.model)), _Line(overall_effect_text(summary))]
    return rows, tests


def _lines(data: ForestData) -> tuple[list[_Line], list[_Line]]:
    """(body rows, which the plot column runs beside; tail rows, beside the axis and its labels)."""
    body: list[_Line] = []
    for block in data.blocks:
        if block.name is not None:
            body.append(_Line(block.name, bold=True))
        body += [_study_line(data, study) for study in block.studies]
        if block.subtotal is not None:
            rows, tests = _summary_lines(data, "Subtotal", block.subtotal)
            body += rows + tests
        if block.name is not None:
            body.append(_Line())
    tail: list[_Line] = []
    if data.total is not None:
        rows, tests = _summary_lines(data, "Total", data.total)
        body += rows
        tail += tests
    if data.subgroup_difference is not None:
        tail.append(_Line(subgroup_difference_text(data.subgroup_difference)))
    while body and body[-1] == _Line():
        body.pop()
    return body, tail


def _number(value) -> str:
    return "" if value is None else str(value)


def _text_width(text: str, bold: bool = False) -> float:
    """Width in inches of TEXT in the house font (from the glyphs, no renderer needed)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=render.STYLE["font.family"], size=FONT_SIZE, weight="bold" if bold else "normal")
    width, _, _ = text_to_path.get_text_width_height_descent(text, prop, ismath=False)
    return width / 72


def _axis_scale(data: ForestData, marks: list[tuple]) -> tuple[float, float, list[float]]:
    """(low, high, ticks): RevMan-like symmetric limits, the narrowest that hold every CI
    (the widest when none does: whiskers beyond it end in arrows)."""
    limits = [value for mark in marks for value in mark[1:4] if value is not None and math.isfinite(value)]
    if data.log_scale:
        limits = [value for value in limits if value > 0]
        for ticks in LOG_SCALES:
            if all(ticks[0] <= value <= ticks[-1] for value in limits):
                return ticks[0], ticks[-1], list(ticks)
        ticks = LOG_SCALES[-1]
        return ticks[0], ticks[-1], list(ticks)
    reach = max((abs(value) for value in limits), default=0.0) or 1.0
    exponent = math.floor(math.log10(reach))
    bound = next(step * 10 ** exponent for step in (1, 2, 5, 10) if step * 10 ** exponent >= reach)
    return -bound, bound, [-bound, -bound / 2, 0, bound / 2, bound]


def _tick_text(value: float) -> str:
    return f"{value:g}"


def draw(data: ForestData):
    """The forest plot as a matplotlib Figure (no I/O)."""
    from matplotlib.patches import Polygon

    body, tail = _lines(data)
    columns = _columns(data)

    # Column widths from their widest text; the test lines run under the data columns, so those
    # columns together are at least as wide as the longest test line.
    study_width = max([_text_width("Study or Subgroup", True)]
                      + [_text_width(line.label, line.bold) for line in body if line.cells or line.mark])
    for column in columns:
        texts = [_text_width(line.cells.get(column.key, ""), line.bold) for line in body]
        column.width = max([_text_width(column.header, True)] + texts)
    for group in dict.fromkeys(c.group for c in columns if c.group):
        members = [c for c in columns if c.group == group]
        spanned = sum(c.width for c in members) + GAP * (len(members) - 1)
        members[-1].width += max(0.0, _text_width(group, True) - spanned)
    data_width = study_width + sum(GAP + c.width for c in columns)
    notes_width = max([_text_width(line.label) for line in body + tail if not line.cells and not line.mark] + [0.0])
    study_width += max(0.0, notes_width - data_width)
    x = study_width
    for column in columns:
        x += GAP + column.width
        column.right = x
    plot_left = x + 1.5 * GAP
    plot_width = max(2.6, 2 * max(_text_width(data.favours_left), _text_width(data.favours_right)) + 0.3)
    width = max(plot_left + plot_width + 0.25, _text_width(data.title, True))

    # Rows from the top: title, two header rows, the body beside the plot, then the tail
    # (test lines) beside the axis, its tick labels and the Favours labels.
    title_rows, header_rows = (2 if data.subgroup_variable else 1), 2
    body_top = (title_rows + 0.5 + header_rows) * ROW
    body_bottom = body_top + len(body) * ROW + 0.3 * ROW
    height = body_bottom + max(len(tail), 2.5) * ROW + 0.1

    fig = render.figure(width, height)
    canvas = fig.add_axes((0, 0, 1, 1))
    canvas.set_axis_off()
    canvas.set_xlim(0, width)
    canvas.set_ylim(height, 0)  # inches, from the top

    def text(x, y, s, ha="left", bold=False):
        canvas.text(x, y, s, ha=ha, va="center", fontsize=FONT_SIZE, fontweight="bold" if bold else "normal",
                    parse_math=False)

    text(0, 0.5 * ROW, data.title, bold=True)
    if data.subgroup_variable:
        text(0, 1.5 * ROW, f"Subgroups by {data.subgroup_variable}")
    header_y = [body_top - 1.5 * ROW, body_top - 0.5 * ROW]
    text(0, header_y[1], "Study or Subgroup", bold=True)
    for column in columns:
        text(column.right, header_y[1], column.header, ha="right", bold=True)
    for group in dict.fromkeys(c.group for c in columns if c.group):
        members = [c for c in columns if c.group == group]
        left = members[0].right - members[0].width
        text((left + members[-1].right) / 2, header_y[0], group, ha="center", bold=True)
    measure_name = MEASURE_NAMES.get(data.measure, data.measure)
    text(plot_left + plot_width / 2, header_y[0], measure_name, ha="center", bold=True)
    text(plot_left + plot_width / 2, header_y[1], model_header(data), ha="center", bold=True)

    row_y = [body_top + (i + 0.5) * ROW for i in range(len(body))]
    for y, line in zip(row_y, body):
        text(0, y, line.label, bold=line.bold)
        for column in columns:
            if line.cells.get(column.key):
                text(column.right, y, line.cells[column.key], ha="right", bold=line.bold)
    for i, line in enumerate(tail):
        text(0, body_bottom + (i + 0.5) * ROW, line.label)

    # The plot column shares the canvas's vertical inches, so squares sit on their text rows.
    plot = fig.add_axes((plot_left / width, (height - body_bottom) / height,
                         plot_width / width, (body_bottom - body_top) / height))
    low, high, ticks = _axis_scale(data, [line.mark for line in body if line.mark])
    if data.log_scale:
        plot.set_xscale("log")
    plot.set_xlim(low, high)
    plot.set_ylim(body_bottom, body_top)
    plot.set_xticks(ticks, [_tick_text(t) for t in ticks])
    plot.minorticks_off()
    plot.set_yticks([])
    plot.tick_params(axis="x", labelsize=FONT_SIZE, length=3, width=0.8)
    for side in ("top", "left", "right"):
        plot.spines[side].set_visible(False)
    plot.patch.set_visible(False)
    no_effect = 1.0 if data.log_scale else 0.0
    plot.axvline(no_effect, color="black", linewidth=0.6, zorder=1)

    colour = SQUARE_COLOURS[data.counts]
    for y, line in zip(row_y, body):
        if line.mark is None:
            continue
        kind, estimate, ci_low, ci_high = line.mark[:4]
        if kind == "diamond":
            half = 0.35 * ROW
            plot.add_patch(Polygon([(ci_low, y), (estimate, y - half), (ci_high, y), (estimate, y + half)],
                                   closed=True, facecolor="black", edgecolor="black", linewidth=0.6, zorder=3))
            continue
        plot.plot([max(ci_low, low), min(ci_high, high)], [y, y], color="black", linewidth=0.8, zorder=2)
        for beyond, edge, arrow in ((ci_low < low, low, "<"), (ci_high > high, high, ">")):
            if beyond:  # the interval runs off the axis: an arrowhead at its edge
                plot.plot([edge], [y], marker=arrow, markersize=4, color="black", clip_on=False, zorder=2)
        if low <= estimate <= high:
            side = max(SMALLEST_SQUARE, SQUARE_AT_100 * math.sqrt(max(line.mark[4], 0.0) / 100))
            plot.plot([estimate], [y], marker="s", markersize=side, color=colour, markeredgewidth=0, zorder=3)

    # The Favours labels sit under the tick labels, either side of the line of no effect.
    null_x = plot_left + plot_width * _axis_fraction(no_effect, low, high, data.log_scale)
    favours_y = body_bottom + 1.9 * ROW
    text(null_x - 0.08, favours_y, data.favours_left, ha="right")
    text(null_x + 0.08, favours_y, data.favours_right, ha="left")
    return fig


def _axis_fraction(value: float, low: float, high: float, log_scale: bool) -> float:
    if log_scale:
        return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
    return (value - low) / (high - low)
