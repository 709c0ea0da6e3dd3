"""Funnel plot of one analysis: each study's effect against its standard error.

    read(connection, review_id, analysis, *, model=None, egger=False) -> FunnelData
    draw(data) -> Figure
    funnel_figure(engine, review, analysis, *, model=None, egger=False) -> Figure

Study effects and the pooled estimate are those of the review's latest analysis run
(study_result, pooled_result). The x axis is the effect (log scale for RR, OR and HR), the y
axis the standard error, inverted with 0 at the top; the pseudo 95% confidence limits are the
pooled estimate +- z_0.975 SE (dashed). Egger's regression line, when asked, is the classic
test of evidence.core.pooling.bias.egger_test drawn on these axes. With fewer than 10 studies the
figure says that the Cochrane Handbook advises against interpreting it.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from evidence.errors import NotFoundError
from evidence.outputs.figures.sequence import (
    MEASURE_NAMES,
    check_model,
    effect_axis,
    fmt,
    is_ratio,
)
from evidence.workflows.runs import find_analysis, latest_run

MIN_STUDIES = 10  # Cochrane Handbook 13.3.5.4: too few studies to tell chance from real asymmetry
Z_95 = 1.959963984540054  # exact normal quantile for the pseudo 95% limits (POOLING.md: never 1.96)


@dataclass
class EggerFit:
    """Egger's test: intercept (the asymmetry), its SE and two-sided P (t, df = k - 2), and the
    slope (the small-study-free effect on the analysis scale), so the line te = slope + intercept * se."""

    intercept: float
    se: float
    df: float
    p: float
    slope: float


@dataclass
class FunnelData:
    review: str
    analysis: str
    label: str | None
    outcome: str
    measure: str
    run_id: int
    model: str  # the pooled model drawn (the chosen one unless asked)
    studies: list[str]  # estimable studies, in study order
    te: list[float]  # effects on the analysis scale (log for ratios)
    se: list[float]
    pooled_te: float
    not_estimable: list[str]
    egger: EggerFit | None = None  # None when not asked
    egger_reason: str | None = None  # why no Egger line, when asked but not computable


def read(connection: sa.Connection, review_id: int, analysis: str, *, model: str | None = None,
         egger: bool = False) -> FunnelData:
    """The studies and pooled estimate of one analysis from the review's latest run."""
    check_model(model)
    found = find_analysis(connection, review_id, analysis)
    run = latest_run(connection, review_id)
    rows = connection.execute(sa.text(
        "SELECT s.label || CASE WHEN sr.comparison <> '' THEN ' (' || sr.comparison || ')' ELSE '' END,"
        " sr.te, sr.se, sr.estimable FROM study_result sr JOIN study s ON s.id = sr.study_id"
        " WHERE sr.run_id = :run AND sr.analysis_id = :a ORDER BY s.label"),
        {"run": run, "a": found["id"]}).all()
    pooled = connection.execute(sa.text(
        "SELECT model, te FROM pooled_result WHERE run_id = :run AND analysis_id = :a"
        " AND (CASE WHEN CAST(:m AS TEXT) IS NULL THEN chosen ELSE model = :m END)"),
        {"run": run, "a": found["id"], "m": model}).first()
    usable = [r for r in rows if r[3] and r[1] is not None and r[2] is not None and r[2] > 0]
    if not usable or pooled is None or pooled[1] is None:
        raise NotFoundError(f"analysis {analysis!r} has no estimable study in run {run}: nothing to plot"
                            " (add data, then run `evidence pool`)")
    data = FunnelData(found["review"], found["name"], found["label"], found["outcome"], found["measure"], run,
                      pooled[0], [r[0] for r in usable], [float(r[1]) for r in usable],
                      [float(r[2]) for r in usable], float(pooled[1]), [r[0] for r in rows if r not in usable])
    if egger:
        data.egger, data.egger_reason = _egger(np.array(data.te), np.array(data.se))
    return data


def _egger(te: np.ndarray, se: np.ndarray) -> tuple[EggerFit | None, str | None]:
    from evidence.core.pooling import egger_test, generic_effects

    test = egger_test(generic_effects(te, se=se))
    if not np.isfinite(test.intercept[0]):
        return None, f"Egger's test needs at least 3 studies ({len(te)} here)"
    # egger_test reports the intercept; OLS passes through the means, which gives the slope.
    precision = 1 / se
    slope = (np.mean(te * precision) - test.intercept[0]) / np.mean(precision)
    return EggerFit(float(test.intercept[0]), float(test.se[0]), float(test.df[0]), float(test.p[0]),
                    float(slope)), None


def _p_text(p: float) -> str:
    return "P < 0.001" if p < 0.001 else f"P = {p:.3f}"


def _label_points(ax, names, xs, ys) -> None:
    """Study names beside their points, pushed up (with a leader line) where they would overlap."""
    points = ax.transData.transform(np.column_stack([xs, ys]))
    to_points = 72 / ax.figure.dpi
    placed: list[tuple[float, float, float]] = []  # label left, right, bottom in display pixels
    for i in sorted(range(len(names)), key=lambda i: (points[i][1], points[i][0])):  # bottom first: room above
        x, y = points[i][0] + 5 / to_points, points[i][1] + 2 / to_points
        width = 4.3 * len(names[i]) / to_points  # about 4.3 pt per character at 7 pt
        while any(abs(y - py) < 10 / to_points and x < right and left < x + width for left, right, py in placed):
            y += 10 / to_points
        placed.append((x, x + width, y))
        shifted = abs(y - points[i][1] - 2 / to_points) > 1e-9
        ax.annotate(names[i], (xs[i], ys[i]), xytext=((x - points[i][0]) * to_points, (y - points[i][1]) * to_points),
                    textcoords="offset points", fontsize=7, va="bottom",
                    arrowprops=dict(arrowstyle="-", lw=0.4, color="0.5", shrinkA=0, shrinkB=3) if shifted else None)


def draw(data: FunnelData):
    """The funnel: studies, pooled line, pseudo 95% limits, Egger's line when present, caption."""
    from evidence.outputs.figures import render

    to_natural = np.exp if is_ratio(data.measure) else (lambda x: np.asarray(x, dtype=float))
    te, se = np.array(data.te), np.array(data.se)
    top = float(se.max()) * 1.1
    depth = np.linspace(0.0, top, 50)
    fig = render.figure(6.5, 5.2)
    ax = fig.add_axes((0.12, 0.25, 0.83, 0.63))
    left, right = to_natural(data.pooled_te - Z_95 * depth), to_natural(data.pooled_te + Z_95 * depth)
    ax.plot(left, depth, color="0.35", lw=0.9, linestyle=(0, (5, 3)), label="Pseudo 95% confidence limits")
    ax.plot(right, depth, color="0.35", lw=0.9, linestyle=(0, (5, 3)))
    ax.plot([to_natural(data.pooled_te)] * 2, [0, top], color="black", lw=1.0,
            label=f"Pooled estimate ({data.model} effects): {fmt(float(to_natural(data.pooled_te)))}")
    values = list(to_natural(te)) + [left[-1], right[-1]]
    if data.egger is not None:
        line = to_natural(data.egger.slope + data.egger.intercept * depth)
        ax.plot(line, depth, color="tab:red", lw=1.0, linestyle=(0, (1, 1.5)),
                label=f"Egger's regression: intercept {data.egger.intercept:.2f}, {_p_text(data.egger.p)}")
    ax.plot(to_natural(te), se, marker="o", markersize=5, markerfacecolor="white", markeredgecolor="black",
            linestyle="none", label="Study", zorder=3)
    # The axis spans the studies and the funnel; Egger's line may leave it (it is clipped).
    effect_axis(ax, data.measure, values)
    ax.set_ylim(top, 0)  # precise studies at the top
    if len(te) <= 20:  # beyond that the labels only overlap
        _label_points(ax, data.studies, to_natural(te), se)
    scale = " (log scale)" if is_ratio(data.measure) else ""
    ax.set_xlabel(f"{MEASURE_NAMES.get(data.measure, data.measure)}{scale}")
    ax.set_ylabel(f"Standard error of {'log ' if is_ratio(data.measure) else ''}"
                  f"{'OR' if data.measure == 'PETO' else data.measure}")
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.1), frameon=False, fontsize=7, ncol=2)
    fig.text(0.02, 0.98, textwrap.fill(f"Funnel plot: {data.label or data.analysis}", 80), ha="left", va="top",
             fontsize=10, fontweight="bold")
    notes = [f"{len(te)} studies; review {data.review}, run {data.run_id}."]
    if len(te) < MIN_STUDIES:
        notes.append(f"Fewer than {MIN_STUDIES} studies: the Cochrane Handbook advises against interpreting funnel"
                     " plots and tests for funnel plot asymmetry with so few studies.")
    if data.not_estimable:
        notes.append(f"Not estimable, not shown: {', '.join(data.not_estimable)}.")
    if data.egger_reason:
        notes.append(data.egger_reason + ".")
    fig.text(0.02, 0.01, textwrap.fill(" ".join(notes), 120), ha="left", va="bottom", fontsize=7, color="0.25")
    return fig


def funnel_figure(engine: sa.Engine, review: str | None, analysis: str, *, model: str | None = None,
                  egger: bool = False):
    """The funnel plot of one analysis of the review (the only one when None)."""
    from evidence.store.database import friendly_errors
    from evidence.workflows.reviews import resolve_review

    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        data = read(connection, review_id, analysis, model=model, egger=egger)
    return draw(data)

