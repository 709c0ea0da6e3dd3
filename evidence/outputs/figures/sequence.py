"""Cumulative meta-analysis and leave-one-out plots: one row per step or per omitted study.

    read_cumulative(connection, review_id, analysis, *, model=None) -> CumulativeData
    read_leave_one_out(connection, review_id, analysis, *, model=None) -> LeaveOneOutData
    draw_cumulative(data) / draw_leave_one_out(data) -> Figure
    cumulative_figure(engine, review, analysis, ...) / leave_one_out_figure(engine, review, analysis, ...)

The cumulative rows are the stored ones (view latest_cumulative: the latest run that stored
them, studies in publication order). Leave-one-out is not stored: evidence.workflows.sensitivity
pools it from the analysis_input rows with every convention of `evidence pool`.
model=None shows the model the review's rule picks for each row (as `evidence pool` would
store for that set of studies); "fixed" or "random" shows that model on every row.

The small helpers at the top (axis and number formatting) are shared with funnel.py and tsa.py.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from evidence.errors import InputError, NotFoundError
from evidence.workflows.runs import find_analysis, latest_run
from evidence.workflows.sensitivity import StepResult, leave_one_out, optional_number

RATIO_MEASURES = ("RR", "OR", "HR", "PETO")
MEASURE_NAMES = {
    "RR": "Risk ratio", "OR": "Odds ratio", "PETO": "Peto odds ratio", "HR": "Hazard ratio",
    "RD": "Risk difference", "MD": "Mean difference", "SMD": "Std. mean difference",
}
MODEL_CHOICES = (None, "fixed", "random")


# ---------------------------------------------------------------- shared helpers

def check_model(model: str | None) -> None:
    if model not in MODEL_CHOICES:
        raise InputError(f"model {model!r} is not one of: the review's rule (None), 'fixed', 'random'")


def is_ratio(measure: str) -> bool:
    return measure in RATIO_MEASURES


def null_value(measure: str) -> float:
    return 1.0 if is_ratio(measure) else 0.0


def fmt(value: float | None) -> str:
    """Two decimals, as RevMan prints effects; a dash for a missing value."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.2f}"


def fmt_ci(estimate, low, high) -> str:
    return f"{fmt(estimate)} [{fmt(low)}, {fmt(high)}]"


def effect_axis(ax, measure: str, values, *, axis: str = "x") -> None:
    """A log axis with round ticks for ratio measures (the null, 1, always in view); linear otherwise."""
    import matplotlib.ticker as ticker

    finite = np.asarray([v for v in values if v is not None and np.isfinite(v) and (v > 0 or not is_ratio(measure))])
    null = null_value(measure)
    set_scale, set_lim, get_axis = ((ax.set_xscale, ax.set_xlim, ax.xaxis) if axis == "x"
                                    else (ax.set_yscale, ax.set_ylim, ax.yaxis))
    if is_ratio(measure):
        logs = np.log10(np.append(finite, null))
        low, high = logs.min(), logs.max()
        pad = max(0.08 * (high - low), 0.05)
        set_scale("log")
        set_lim(10 ** (low - pad), 10 ** (high + pad))
        # The coarsest set of round ticks that gives at least four in view; a narrow range gets linear ones.
        lo, hi = 10 ** (low - pad), 10 ** (high + pad)
        for mantissas in ((1,), (1, 2, 5), (1, 2, 3, 5, 7)):
            candidates = sorted({round(c * 10.0 ** e, 6) for e in range(-4, 4) for c in mantissas})
            ticks = [t for t in candidates if lo <= t <= hi]
            if len(ticks) >= 4:
                break
        else:
            ticks = [round(t, 6) for t in ticker.MaxNLocator(6).tick_values(lo, hi) if lo <= t <= hi and t > 0]
        get_axis.set_major_locator(ticker.FixedLocator(ticks))
        get_axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        get_axis.set_minor_locator(ticker.NullLocator())
    else:
        values = np.append(finite, null)
        low, high = values.min(), values.max()
        pad = max(0.08 * (high - low), 0.05)
        set_lim(low - pad, high + pad)


def favours_below(ax, labels: tuple[str, str]) -> None:
    """The two 'Favours ...' labels under the tick labels of the x axis."""
    for x, text, align in ((0.0, labels[0], "left"), (1.0, labels[1], "right")):
        ax.annotate(text, xy=(x, 0), xycoords="axes fraction", xytext=(0, -20), textcoords="offset points",
                    ha=align, va="top", fontsize=7)


def favours(measure: str, direction: str | None) -> tuple[str, str] | None:
    """(left label, right label) under an effect axis, from the outcome's direction."""
    if direction not in ("higher_is_better", "lower_is_better"):
        return None
    # A ratio or difference above the null means more of the outcome with the intervention.
    if direction == "lower_is_better":
        return "Favours intervention", "Favours control"
    return "Favours control", "Favours intervention"


# ---------------------------------------------------------------- data

@dataclass
class CumulativeData:
    review: str
    analysis: str
    label: str | None
    outcome: str
    measure: str
    level: float
    direction: str | None
    run_id: int
    model: str | None  # None: the rule's choice per step
    rows: list[StepResult]  # one per step, in the stored (publication) order


@dataclass
class LeaveOneOutData:
    review: str
    analysis: str
    label: str | None
    outcome: str
    measure: str
    level: float
    direction: str | None
    model: str | None
    rows: list[StepResult]  # one per omitted study (`study` is the one left out), in publication order
    overall: StepResult  # all studies


def read_cumulative(connection: sa.Connection, review_id: int, analysis: str, *,
                    model: str | None = None) -> CumulativeData:
    """The stored cumulative meta-analysis of one analysis (latest run that stored one)."""
    check_model(model)
    found = find_analysis(connection, review_id, analysis)
    run = latest_run(connection, review_id, with_cumulative=True)
    rows = connection.execute(sa.text(
        "SELECT step, study, year, model, k, participants, estimate, ci_low, ci_high, i2 FROM latest_cumulative"
        " WHERE review_id = :r AND analysis = :a AND (CASE WHEN CAST(:m AS TEXT) IS NULL THEN chosen"
        " ELSE model = :m END) ORDER BY step"), {"r": review_id, "a": analysis, "m": model}).mappings().all()
    if not rows:
        raise NotFoundError(f"analysis {analysis!r} has no cumulative results in run {run}:"
                            " no trial has usable data, or the run was made without them (run `evidence pool`)")
    steps = [StepResult(r["study"], None if r["year"] is None else int(r["year"]), int(r["k"]),
                        optional_number(r["participants"]), r["model"], *map(optional_number, (
                            r["estimate"], r["ci_low"], r["ci_high"], r["i2"])))
             for r in rows]
    return CumulativeData(found["review"], found["name"], found["label"], found["outcome"], found["measure"],
                          float(found["level"]), found["direction"], run, model, steps)


def read_leave_one_out(connection: sa.Connection, review_id: int, analysis: str, *,
                       model: str | None = None) -> LeaveOneOutData:
    """Leave-one-out of one analysis (evidence.workflows.sensitivity: pooled now, nothing is stored)."""
    check_model(model)
    found = find_analysis(connection, review_id, analysis)
    result = leave_one_out(connection, review_id, analysis, model=model)
    return LeaveOneOutData(found["review"], found["name"], found["label"], found["outcome"], found["measure"],
                           float(found["level"]), found["direction"], model, result.rows, result.overall)


# ---------------------------------------------------------------- drawing

ROW_HEIGHT = 0.26  # inches per row
PLOT_LEFT, PLOT_RIGHT = 0.42, 0.74  # the effect axis, in figure fractions; text columns around it


def _title(data) -> str:
    return f"{data.label or data.analysis}"


def _rows_figure(title: str, columns: list[tuple[str, float, str]], cells: list[list[str]], rows: list[StepResult],
                 measure: str, level: float, direction: str | None, note: str,
                 summary: StepResult | None = None, summary_cells: list[str] | None = None):
    """A forest-like figure: text columns (header, x in figure fraction, alignment) around one effect axis."""
    from matplotlib import transforms

    from evidence.outputs.figures import render

    n = len(rows) + (2 if summary is not None else 0)
    height = 1.95 + ROW_HEIGHT * (n + 1)
    fig = render.figure(8.5, height)
    bottom = 0.9 / height
    top = 1 - 0.85 / height
    ax = fig.add_axes((PLOT_LEFT, bottom, PLOT_RIGHT - PLOT_LEFT, top - bottom))
    ax.set_ylim(-0.7 - (2 if summary is not None else 0), len(rows) - 0.4)  # headers sit above the axes
    text_at = transforms.blended_transform_factory(fig.transFigure, ax.transData)
    header_y = len(rows) - 0.15
    for header, x, align in columns:
        ax.text(x, header_y, header, transform=text_at, ha=align, va="bottom", fontweight="bold", clip_on=False)
    scale = " (log scale)" if is_ratio(measure) else ""
    ax.text(0.5, header_y, f"{MEASURE_NAMES.get(measure, measure)}{scale}", transform=ax.get_yaxis_transform(),
            ha="center", va="bottom", fontweight="bold", clip_on=False)
    # Row i from the top; y counts down so the first step is the top row.
    for i, (row, texts) in enumerate(zip(rows, cells)):
        y = len(rows) - 1 - i
        for (_, x, align), value in zip(columns, texts):
            ax.text(x, y, value, transform=text_at, ha=align, va="center", clip_on=False)
        if row.estimate is not None and row.ci_low is not None:
            ax.plot([row.ci_low, row.ci_high], [y, y], color="black", lw=1.0, solid_capstyle="butt")
            ax.plot([row.estimate], [y], marker="s", color="black", markersize=4.5, linestyle="none")
    values = [v for r in rows + ([summary] if summary else []) for v in (r.estimate, r.ci_low, r.ci_high)]
    if summary is not None and summary.estimate is not None:
        y = -2
        ax.axhline(-1, color="0.6", lw=0.6)
        for (_, x, align), value in zip(columns, summary_cells):
            ax.text(x, y, value, transform=text_at, ha=align, va="center", fontweight="bold", clip_on=False)
        ax.fill([summary.ci_low, summary.estimate, summary.ci_high, summary.estimate],
                [y, y + 0.32, y, y - 0.32], color="black")
        ax.axvline(summary.estimate, color="0.35", lw=0.8, linestyle=(0, (4, 3)), zorder=0)
    effect_axis(ax, measure, values)
    ax.axvline(null_value(measure), color="black", lw=0.8, zorder=0)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    labels = favours(measure, direction)
    if labels:
        favours_below(ax, labels)
    fig.text(0.01, 1 - 0.18 / height, textwrap.fill(title, 95), ha="left", va="top", fontsize=10, fontweight="bold")
    fig.text(0.01, 0.1 / height, textwrap.fill(note, 160), ha="left", va="bottom", fontsize=7, color="0.25")
    return fig


def _ci_header(data) -> str:
    return f"{'OR' if data.measure == 'PETO' else data.measure} [{data.level:.0%} CI]"


def _model_label(model: str | None) -> str:
    return "the model the review's rule picks at each row" if model is None else f"{model}-effect model"


def draw_cumulative(data: CumulativeData):
    """One row per step: the study it adds, year, trials, participants, model, estimate and CI."""
    columns = [("Study added", 0.01, "left"), ("Year", 0.205, "right"), ("k", 0.245, "right"),
               ("Participants", 0.36, "right"), ("Model", 0.765, "left"), (_ci_header(data), 0.99, "right")]
    cells = [[f"+ {r.study}", "" if r.year is None else str(r.year), str(r.k),
              "" if r.participants is None else f"{r.participants:,}", r.model, fmt_ci(r.estimate, r.ci_low, r.ci_high)]
             for r in data.rows]
    note = (f"Cumulative meta-analysis: step j pools the first j studies in publication order; "
            f"{_model_label(data.model)}. Run {data.run_id}, review {data.review}.")
    return _rows_figure(f"Cumulative meta-analysis: {_title(data)}", columns, cells, data.rows, data.measure,
                        data.level, data.direction, note)


def draw_leave_one_out(data: LeaveOneOutData):
    """One row per omitted study (the pooled estimate without it) and the all-studies diamond and line."""
    columns = [("Omitted study", 0.01, "left"), ("Year", 0.205, "right"), ("k", 0.245, "right"),
               ("I²", 0.32, "right"), ("Model", 0.765, "left"), (_ci_header(data), 0.99, "right")]

    def cells(r: StepResult, name: str) -> list[str]:
        return [name, "" if r.year is None else str(r.year), str(r.k),
                "" if r.i2 is None else f"{r.i2:.0f}%", r.model, fmt_ci(r.estimate, r.ci_low, r.ci_high)]

    note = (f"Leave-one-out: each row pools every study but the one named; the dashed line is the estimate "
            f"from all studies; {_model_label(data.model)}. Review {data.review}, pooled from the current inputs.")
    return _rows_figure(f"Leave-one-out: {_title(data)}", columns, [cells(r, f"− {r.study}") for r in data.rows],
                        data.rows, data.measure, data.level, data.direction, note,
                        summary=data.overall, summary_cells=cells(data.overall, "All studies"))


# ---------------------------------------------------------------- convenience

def cumulative_figure(engine: sa.Engine, review: str | None, analysis: str, *, model: str | None = None):
    """The cumulative meta-analysis plot of one analysis of the review (the only one when None)."""
    from evidence.store.database import friendly_errors
    from evidence.workflows.reviews import resolve_review

    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        data = read_cumulative(connection, review_id, analysis, model=model)
    return draw_cumulative(data)


def leave_one_out_figure(engine: sa.Engine, review: str | None, analysis: str, *, model: str | None = None):
    """The leave-one-out plot of one analysis of the review (the only one when None)."""
    from evidence.store.database import friendly_errors
    from evidence.workflows.reviews import resolve_review

    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        data = read_leave_one_out(connection, review_id, analysis, model=model)
    return draw_leave_one_out(data)
