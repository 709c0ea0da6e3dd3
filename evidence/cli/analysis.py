"""`evidence analysis …`: the analysis plan, made without a seed file (add one analysis, list them)."""

from __future__ import annotations

from typing import Optional

import typer

from evidence.cli.common import echo_json, open_store

analysis_app = typer.Typer(help="The analysis plan: add analyses, list them.", no_args_is_help=True)
REVIEW = typer.Option(None, "--review", help="the review's slug [default: the only review]")


@analysis_app.command("add")
def analysis_add(
    name: str = typer.Argument(..., help="the analysis's name, e.g. 'pain-md'"),
    outcome: str = typer.Option(..., "--outcome", help="the outcome it pools (declared with `evidence form outcome`)"),
    measure: str = typer.Option(..., "--measure", help="RR, OR, RD or PETO (dichotomous), HR (time to event), MD or SMD (continuous)"),
    method: Optional[str] = typer.Option(None, "--method", help="MH, IV or PETO [default: MH for RR/OR/RD, else IV]"),
    model: str = typer.Option("rule", "--model", help="fixed, random, or rule (the review's model rule)"),
    level: float = typer.Option(0.95, "--level", help="the confidence level"),
    timepoint: Optional[str] = typer.Option(None, "--timepoint", help="the time point whose data it pools"),
    subgroup: Optional[str] = typer.Option(None, "--subgroup", help="a study attribute to split by"),
    label: Optional[str] = typer.Option(None, "--label", help="a longer title for figures and the report"),
    by: str = typer.Option(..., "--by", help="who adds it (kept in the protocol's history)"),
    why: Optional[str] = typer.Option(None, "--why", help="why (kept in the history)"),
    review: Optional[str] = REVIEW,
) -> None:
    """Add an analysis to the review's plan; `evidence pool` then pools it."""
    from evidence.workflows.plan import AnalysisSpec, add_analysis

    row = add_analysis(open_store(), review, AnalysisSpec(
        name=name, outcome=outcome, measure=measure, method=method, model=model, level=level,
        timepoint=timepoint, subgroup=subgroup, label=label), by=by, why=why)
    typer.echo(f"analysis {row['name']!r}: {outcome} {row['measure']} by {row['method']}, model {row['model']}"
               + (f", at {row['timepoint']}" if row["timepoint"] else ""))


@analysis_app.command("list")
def analysis_list(review: Optional[str] = REVIEW,
                  as_json: bool = typer.Option(False, "--json", help="print a JSON list")) -> None:
    """The review's analyses: outcome, measure, method, model, time point, subgroup."""
    from evidence.workflows.plan import list_analyses

    rows = list_analyses(open_store(read_only=True), review)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['name']}: {row['outcome']} {row['measure']} ({row['method']}, {row['model']})"
                   + (f" at {row['timepoint']}" if row["timepoint"] else "")
                   + (f" by {row['subgroup']}" if row["subgroup"] else ""))
