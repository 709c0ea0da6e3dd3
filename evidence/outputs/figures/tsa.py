"""Trial sequential analysis chart of one analysis: the cumulative z-curve against its boundaries.

    read(connection, review_id, analysis, *, beta=0.2, sides=2, futility="none") -> TSAData
    draw(data) -> Figure
    tsa_figure(engine, review, analysis, *, beta=0.2, sides=2, futility="none") -> Figure

Everything comes from evidence.workflows.tsa.review_tsa (the review's alpha, the anticipated
effect and control risk, D², RIS, z-curve, verdict). review_tsa takes an engine, so `read`
calls it on `connection.engine`: it opens its own connection and sees committed data only.
The x axis is the accrued information: participants (RR, OR) or statistical information
1/SE² of the log HR (HR). monitor reports the O'Brien-Fleming-type boundaries at the
observed looks only; the chart also draws the design's final look at the RIS, from the same
evidence.core.tsa call monitor makes, so the boundary runs up to the RIS line.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from evidence.errors import NotFoundError
from evidence.workflows.runs import find_analysis


@dataclass
class TSAData:
    review: str
    analysis: str
    label: str | None
    outcome: str
    measure: str
    run_id: int
    unit: str  # "participants" or "statistical information"
    studies: list[str]  # one per look, in publication order
    information: list[float]  # accrued at each look
    z: list[float]  # cumulative z (positive favours the intervention)
    ris: float  # required information size (participants, or information for HR)
    ris_events: int | None  # HR: the RIS as events (4 x information)
    alpha: float
    beta: float
    sides: int
    d2: float
    effect: dict  # {"ratio", "source"}: the anticipated effect
    control_risk: dict | None  # {"value", "source"} (RR, OR)
    verdict: str
    conventional: float  # z_{1 - alpha/sides}: the naive significance line
    # The monitoring boundary: the design's looks (observed ones before the RIS, then the RIS), and
    # any look past the RIS, which keeps the final boundary; futility (inner wedge) NaN where none.
    boundary_information: list[float] = field(default_factory=list)
    boundary_upper: list[float] = field(default_factory=list)
    boundary_futility: list[float] | None = None
    futility: str = "none"


def read(connection: sa.Connection, review_id: int, analysis: str, *, beta: float = 0.2, sides: int = 2,
         futility: str = "none") -> TSAData:
    """The TSA of one analysis from the review's latest run with cumulative results (review_tsa's)."""
    from scipy.special import ndtri

    from evidence.core import tsa as sequential
    from evidence.workflows.tsa import TSA_MEASURES, review_tsa

    found = find_analysis(connection, review_id, analysis)
    if found["subgroup"] is not None or found["measure"] not in TSA_MEASURES:
        raise NotFoundError(f"analysis {analysis!r} has no trial sequential analysis: TSA covers analyses"
                            f" without subgroups with an {', '.join(TSA_MEASURES)} measure")
    _, run, results = review_tsa(connection.engine, found["review"], found["outcome"], beta=beta, sides=sides,
                                 futility=futility)
    result = next((r for r in results if r.analysis == analysis), None)
    if result is None:
        raise NotFoundError(f"analysis {analysis!r} is not in the latest run: run `evidence pool` first")
    if result.curve is None:
        raise NotFoundError(f"no TSA chart for analysis {analysis!r}: {result.reason or result.verdict}")
    curve, settings = result.curve, result.settings
    information = np.asarray(curve["information"], dtype=float)
    ris = float(result.ris["ris"])
    alpha = float(settings["alpha"])
    # The design monitor builds: the observed looks before the RIS and a final look at it.
    fraction = information / ris
    looks = np.append(fraction[fraction < 1], 1.0)
    if futility == "none" or len(looks) < 2:
        upper, stops = sequential.boundaries(looks, alpha, sides).upper, None
    else:
        design = sequential.futility_boundaries(looks, alpha, beta, futility == "binding", sides)
        upper, stops = design.upper, design.futility
    past = information[fraction >= 1]  # looks past the RIS keep the final boundary
    return TSAData(
        review=found["review"], analysis=analysis, label=found["label"], outcome=found["outcome"],
        measure=found["measure"], run_id=run,
        unit="statistical information" if found["measure"] == "HR" else "participants",
        studies=list(curve["studies"]), information=information.tolist(), z=list(curve["z"]), ris=ris,
        ris_events=result.ris.get("events"), alpha=alpha, beta=beta, sides=sides, d2=float(settings["d2"]),
        effect=dict(settings["effect"]), control_risk=settings.get("control_risk"), verdict=result.verdict,
        conventional=float(ndtri(1 - alpha / sides)),
        boundary_information=(looks * ris).tolist() + past[past > ris].tolist(),
        boundary_upper=upper.tolist() + [float(upper[-1])] * int(np.sum(past > ris)),
        boundary_futility=None if stops is None else stops.tolist() + [float(stops[-1])] * int(np.sum(past > ris)),
        futility=futility,
    )


def _ris_text(data: TSAData) -> str:
    if data.unit == "participants":
        return f"RIS = {math.ceil(data.ris):,} participants"
    events = f" (≈ {data.ris_events:,} events)" if data.ris_events is not None else ""
    return f"RIS = {data.ris:.1f}{events}"


def draw(data: TSAData):
    """The z-curve, conventional lines, monitoring (and futility) boundaries and the RIS, labelled."""
    from evidence.outputs.figures import render

    fig = render.figure(7.5, 5.0)
    ax = fig.add_axes((0.1, 0.27, 0.86, 0.62))
    info, z = np.array(data.information), np.array(data.z)
    x_max = max(data.ris, info.max()) * 1.1
    bx, bu = np.array(data.boundary_information), np.array(data.boundary_upper)
    finite = np.isfinite(bu)
    top = max(5.0, float(np.abs(z).max()) * 1.2, min(float(bu[finite].max()) if finite.any() else 0.0, 8.0))
    ax.axhline(0, color="0.6", lw=0.6)
    for sign in (1, -1) if data.sides == 2 else (1,):
        ax.axhline(sign * data.conventional, color="tab:green", lw=1.0, linestyle=(0, (5, 3)),
                   label=f"Conventional boundary (Z = ±{data.conventional:.2f})" if sign == 1 else None)
        ax.plot(bx[finite], sign * bu[finite], color="tab:red", lw=1.4, marker="o", markersize=2.5,
                label=f"Monitoring boundary (O'Brien-Fleming α spending, α = {data.alpha:g})" if sign == 1 else None)
    if data.boundary_futility is not None:
        bf = np.array(data.boundary_futility, dtype=float)
        shown = np.isfinite(bf)
        for sign in (1, -1) if data.sides == 2 else (1,):
            ax.plot(bx[shown], sign * bf[shown], color="tab:orange", lw=1.2, linestyle=(0, (3, 1.5)), marker="o",
                    markersize=2.5,
                    label=f"Futility boundary ({data.futility}, β = {data.beta:g})" if sign == 1 else None)
    ax.axvline(data.ris, color="0.2", lw=1.0, linestyle=(0, (1, 1.5)))
    right_of_line = data.ris < 0.6 * x_max  # the label goes where there is room
    ax.annotate(_ris_text(data), (data.ris, top), xytext=(4 if right_of_line else -4, -4), textcoords="offset points",
                ha="left" if right_of_line else "right", va="top", fontsize=7.5, fontweight="bold")
    # The z-curve starts at no information, z = 0, as TSA software draws it.
    ax.plot(np.append(0, info), np.append(0, z), color="tab:blue", lw=1.8, marker="s", markersize=4,
            label="Cumulative Z-curve", zorder=4)
    for name, x, y in zip(data.studies, info, z):
        ax.annotate(name, (x, y), xytext=(4, 5 if y >= 0 else -5), textcoords="offset points", fontsize=7,
                    ha="left", va="bottom" if y >= 0 else "top", color="tab:blue", zorder=5,
                    bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.8))
    ax.set_xlim(0, x_max)
    ax.set_ylim(-top if data.sides == 2 else min(-2.0, float(z.min()) * 1.2), top)
    unit = "Participants" if data.unit == "participants" else "Statistical information (1/SE² of log HR)"
    ax.set_xlabel(f"{unit} accrued")
    # The direction labels go left of the axis label, out of the way of the curves and the RIS label.
    ax.set_ylabel("Cumulative Z-score")
    ax.yaxis.set_label_coords(-0.055, 0.5)
    ax.text(-0.095, 1.0, "Favours intervention →", transform=ax.transAxes, rotation=90, ha="center", va="top",
            fontsize=7, color="0.3")
    if data.sides == 2:
        ax.text(-0.095, 0.0, "← Favours control", transform=ax.transAxes, rotation=90, ha="center", va="bottom",
                fontsize=7, color="0.3")
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), frameon=False, fontsize=7, ncol=2)
    fig.text(0.02, 0.98, textwrap.fill(f"Trial sequential analysis: {data.label or data.analysis}", 90), ha="left",
             va="top", fontsize=10, fontweight="bold")
    effect = data.effect
    ratio = "HR" if data.measure == "HR" else "RR" if data.measure == "RR" else "OR"
    parts = [f"Anticipated effect: {ratio} {effect['ratio']:.2f} ({effect['source']})."]
    if data.control_risk:
        parts.append(f"Control event proportion {data.control_risk['value']:.1%} ({data.control_risk['source']}).")
    parts.append(f"α = {data.alpha:g} ({'two' if data.sides == 2 else 'one'}-sided), β = {data.beta:g}"
                 f" (power {1 - data.beta:.0%}), diversity D² = {data.d2:.0%}. Verdict: {data.verdict}."
                 f" Review {data.review}, run {data.run_id}.")
    fig.text(0.02, 0.01, textwrap.fill(" ".join(parts), 140), ha="left", va="bottom", fontsize=7, color="0.25")
    return fig


def tsa_figure(engine: sa.Engine, review: str | None, analysis: str, *, beta: float = 0.2, sides: int = 2,
               futility: str = "none"):
    """The TSA chart of one analysis of the review (the only one when None)."""
    from evidence.store.database import friendly_errors
    from evidence.workflows.reviews import resolve_review

    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        data = read(connection, review_id, analysis, beta=beta, sides=sides, futility=futility)
    return draw(data)
