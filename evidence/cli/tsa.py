"""`evidence tsa`: trial sequential analysis of a review's outcomes, and two calculators (no database needed)."""

from __future__ import annotations

from typing import Optional

import typer

from evidence.cli.common import echo_json

tsa_app = typer.Typer(help="Trial sequential analysis: a review's outcomes (no subcommand), or the calculators.")


@tsa_app.callback(invoke_without_command=True)
def tsa_review(
    ctx: typer.Context,
    review: Optional[str] = typer.Option(None, "--review", help="review slug (needed when the store holds several)"),
    outcome: Optional[str] = typer.Option(None, "--outcome", help="one outcome by name (e.g. PFS) [default: all]"),
    beta: float = typer.Option(0.2, "--beta", help="type II error (power 1 - beta)"),
    futility: str = typer.Option("none", "--futility", help="none, binding or nonbinding"),
    as_json: bool = typer.Option(False, "--json", help="print one object per analysis"),
) -> None:
    """TSA of the review's dichotomous and time-to-event analyses from its latest run: RIS, boundaries,
    the cumulative z-curve and the verdict."""
    if ctx.invoked_subcommand is not None:
        return
    from evidence.cli.common import open_store
    from evidence.workflows.tsa import review_tsa

    slug, run, results = review_tsa(open_store(read_only=True), review, outcome, beta=beta, futility=futility)
    if as_json:
        echo_json({"review": slug, "run": run, "analyses": [r.as_json() for r in results]})
        return
    typer.echo(f"trial sequential analysis of {slug!r}, run {run}")
    for r in results:
        typer.echo(f"{r.analysis} ({r.outcome}, {r.measure}, k={r.k}): {r.verdict}" + (f" - {r.reason}" if r.reason else ""))
        if r.curve is None:
            continue
        effect = r.settings["effect"]
        typer.echo(f"  anticipated {r.measure} {effect['ratio']:.3g} ({effect['source']}); D2 {r.settings['d2']:.2f};"
                   f" RIS {r.ris['ris']:.6g} {r.ris['unit']}")
        for label, info, t, z, upper in zip(r.curve["studies"], r.curve["information"], r.curve["timing"],
                                           r.curve["z"], r.curve["upper"]):
            bound = "-" if upper is None else f"{upper:.3f}"
            typer.echo(f"  + {label:<12} information {info:10.4g} ({t:6.1%} of RIS)  z {z:7.3f}  boundary {bound}")


def _fractions(text: Optional[str]) -> list[float] | None:
    from evidence.errors import InputError

    if not text:
        return None
    try:
        return [float(x) for x in text.split(",")]
    except ValueError:
        raise InputError(f"--timing {text!r} is not a comma-separated list of fractions like 0.25,0.5,1") from None


def _print(result: dict) -> None:
    for key, value in result.items():
        if isinstance(value, list):
            value = ", ".join("-" if v is None else f"{v:.4g}" for v in value)
        typer.echo(f"{key:>16}: {'-' if value is None else value}")


@tsa_app.command("design")
def tsa_design(
    measure: str = typer.Option(..., "--measure", help="RR, OR or MD"),
    control_risk: Optional[float] = typer.Option(None, "--control-risk", help="control event proportion (RR, OR)"),
    rr: Optional[float] = typer.Option(None, "--rr", help="anticipated relative risk, e.g. 0.8 for a 20% reduction"),
    rrr: Optional[float] = typer.Option(None, "--rrr", help="or the relative risk reduction, e.g. 0.2"),
    mean_difference: Optional[float] = typer.Option(None, "--mean-difference", help="anticipated difference (MD)"),
    sd: Optional[float] = typer.Option(None, "--sd", help="standard deviation (MD)"),
    alpha: float = typer.Option(0.05, "--alpha"),
    beta: float = typer.Option(0.2, "--beta"),
    sides: int = typer.Option(2, "--sides", help="1 or 2"),
    d2: Optional[float] = typer.Option(None, "--d2", help="diversity D² (0 to <1)"),
    i2: Optional[float] = typer.Option(None, "--i2", help="I² in place of D² (a smaller adjustment)"),
    timing: Optional[str] = typer.Option(None, "--timing", help="looks as fractions of the RIS: t1,t2,..."),
    futility: str = typer.Option("none", "--futility", help="none, binding or nonbinding"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Required information size, heterogeneity-adjusted and sequential, with the monitoring boundaries."""
    from evidence.core.tsa import design

    if i2 is not None:
        typer.echo("note: I² used in place of D² (D² >= I², so this adjustment is the smaller one)", err=True)
    result = design(measure, control_risk, rr, rrr, mean_difference, sd, alpha, beta, sides, d2, i2,
                    _fractions(timing), futility)
    echo_json(result) if as_json else _print(result)


@tsa_app.command("boundaries")
def tsa_boundaries(
    timing: str = typer.Option(..., "--timing", help="looks as fractions of the information: t1,t2,..."),
    alpha: float = typer.Option(0.05, "--alpha"),
    sides: int = typer.Option(2, "--sides", help="1 or 2"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Lan-DeMets O'Brien-Fleming boundaries and the cumulative alpha spent at each look."""
    from evidence.core.tsa import boundaries_json

    result = boundaries_json(_fractions(timing), alpha, sides)
    echo_json(result) if as_json else _print(result)
