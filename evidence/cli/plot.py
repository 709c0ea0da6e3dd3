"""`evidence plot`: one figure of a review, written as .svg or .png."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

plot_app = typer.Typer(help="Draw a figure of a review from the store: forest, funnel, cumulative, leave-one-out, tsa,"
                            " prisma, rob. Written as SVG or PNG by the --out suffix.")

REVIEW = typer.Option(None, "--review", help="review slug (needed when the store holds several)")
OUT = typer.Option(..., "--out", help="the file to write: .svg or .png")
ANALYSIS = typer.Option(..., "--analysis", help="the analysis name (see `evidence pool`), e.g. orr")
MODEL = typer.Option(None, "--model", help="fixed or random [default: the model the analysis chose]")


def _plot(figure: str, out: Path, review: Optional[str], /, **options) -> None:
    from evidence.cli.common import open_store
    from evidence.outputs.figures.plot import plot

    written = plot(open_store(read_only=True), figure, out, review, **options)
    typer.echo(f"wrote {written}")


@plot_app.command()
def forest(analysis: str = ANALYSIS, out: Path = OUT, review: Optional[str] = REVIEW) -> None:
    """The forest plot of one analysis, laid out as RevMan draws it."""
    _plot("forest", out, review, analysis=analysis)


@plot_app.command()
def funnel(analysis: str = ANALYSIS, out: Path = OUT, review: Optional[str] = REVIEW,
           model: Optional[str] = MODEL,
           egger: bool = typer.Option(False, "--egger", help="draw Egger's regression line and print its test")) -> None:
    """The funnel plot of one analysis, with pseudo 95% confidence limits."""
    _plot("funnel", out, review, analysis=analysis, model=model, egger=egger)


@plot_app.command()
def cumulative(analysis: str = ANALYSIS, out: Path = OUT, review: Optional[str] = REVIEW,
               model: Optional[str] = MODEL) -> None:
    """The cumulative meta-analysis of one analysis, studies added in publication order."""
    _plot("cumulative", out, review, analysis=analysis, model=model)


@plot_app.command("leave-one-out")
def leave_one_out(analysis: str = ANALYSIS, out: Path = OUT, review: Optional[str] = REVIEW,
                  model: Optional[str] = MODEL) -> None:
    """The pooled result of one analysis with each study left out in turn."""
    _plot("leave-one-out", out, review, analysis=analysis, model=model)


@plot_app.command()
def tsa(analysis: str = ANALYSIS, out: Path = OUT, review: Optional[str] = REVIEW,
        beta: float = typer.Option(0.2, "--beta", help="type II error (power 1 - beta)"),
        futility: str = typer.Option("none", "--futility", help="none, binding or nonbinding")) -> None:
    """The trial sequential analysis chart of one analysis: z-curve, boundaries, required information size."""
    _plot("tsa", out, review, analysis=analysis, beta=beta, futility=futility)


@plot_app.command()
def prisma(out: Path = OUT, review: Optional[str] = REVIEW,
           update: Optional[int] = typer.Option(None, "--update", help="the update's number [default: the latest]")) -> None:
    """The PRISMA 2020 flow diagram (the updated-review form after the first update)."""
    _plot("prisma", out, review, update=update)


@plot_app.command()
def rob(out: Path = OUT, review: Optional[str] = REVIEW,
        kind: str = typer.Option("traffic", "--kind", help="traffic (study x domain) or summary (bar chart)"),
        analysis: Optional[str] = typer.Option(None, "--analysis", help="summary: weight studies as in this analysis"),
        outcome: Optional[str] = typer.Option(None, "--outcome", help="judgements made for this outcome")) -> None:
    """The risk-of-bias traffic-light plot or the summary bar chart, in the style of robvis."""
    _plot("rob", out, review, kind=kind, analysis=analysis, outcome=outcome)
