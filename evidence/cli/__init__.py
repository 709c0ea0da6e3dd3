"""The `evidence` command: a thin Typer app.

Each command parses its options, calls one library function and formats the
result. Only Typer is imported at module level so that `evidence --help`
answers at once; everything heavy is imported inside the commands. Errors are
turned into one line and an exit code in one place: `main`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    help="A database-backed store for living systematic reviews.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


from evidence.cli.analysis import analysis_app  # noqa: E402  (Typer only)
from evidence.cli.bench import bench_app  # noqa: E402  (Typer only)
from evidence.cli.common import State, echo_json, open_store  # noqa: E402  (Typer only)
from evidence.cli.plot import plot_app  # noqa: E402  (Typer only)
from evidence.cli.records import dedup_app, import_app  # noqa: E402  (Typer only)
from evidence.cli.review import review_app  # noqa: E402  (Typer only)
from evidence.cli.rm5 import rm5_app  # noqa: E402  (Typer only)
from evidence.cli.rob import rob_app  # noqa: E402  (Typer only)
from evidence.cli.screen import screen_app  # noqa: E402  (Typer only)
from evidence.cli.tsa import tsa_app  # noqa: E402  (Typer only)

app.add_typer(bench_app, name="bench")
app.add_typer(import_app, name="import")
app.add_typer(dedup_app, name="dedup")
app.add_typer(screen_app, name="screen")
app.add_typer(tsa_app, name="tsa")
app.add_typer(rm5_app, name="rm5")
app.add_typer(plot_app, name="plot")
app.add_typer(rob_app, name="rob")
app.add_typer(review_app, name="review")
app.add_typer(analysis_app, name="analysis")


@app.callback()
def _global(
    db: Optional[str] = typer.Option(
        None, "--db", envvar="EVIDENCE_DB", help="SQLAlchemy URL of the store [default: duckdb:///evidence.duckdb]"
    ),
) -> None:
    State.url = db


@app.command()
def init() -> None:
    """Create the store (or upgrade it) to the latest schema."""
    from evidence.store.database import init as init_store, resolve_url

    revision = init_store(State.url)
    typer.echo(f"{resolve_url(State.url)}: schema at revision {revision}")


@app.command()
def load(path: Path = typer.Argument(..., help="a seed folder (review.yaml and CSV files) or an update folder (update.yaml)")) -> None:
    """Load a review folder, or an update of a loaded review, in one transaction.

    An update is pooled in the same transaction (a new analysis run; earlier runs
    stay). Loading the same content again changes nothing.
    """
    from evidence.workflows.load import load_seed

    result = load_seed(open_store(), path)
    what = f"review {result.slug!r}" if not result.update else f"update {result.update} of review {result.slug!r}"
    if result.loaded:
        rows = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in result.counts.items())
        typer.echo(f"loaded {what} from {path}: {rows}")
        if result.run_id is not None:
            typer.echo(f"pooled the updated review: analysis run {result.run_id} (`evidence diff` shows what changed)")
    else:
        typer.echo(f"{what} was already loaded from this content: nothing changed")


@app.command()
def report(
    out: Path = typer.Option(..., "--out", help="the HTML file to write"),
    review: Optional[str] = typer.Option(None, "--review", help="review slug (needed when the store holds several)"),
) -> None:
    """Write one self-contained HTML report of the review's latest run: question, PRISMA, risk of bias,
    every analysis with its forest plot, the summary of findings and the audit findings."""
    from evidence.outputs.report import write_report

    result = write_report(open_store(read_only=True), review, out)
    typer.echo(f"wrote {out}: report of {result.slug!r} from analysis run {result.run_id}")
    for missing in result.missing:
        typer.echo(f"  not drawn: {missing}")


@app.command()
def sof(
    review: Optional[str] = typer.Option(None, "--review", help="review slug (needed when the store holds several)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object with a row per outcome"),
) -> None:
    """The summary of findings of the latest run: per outcome k, participants, relative effect, risks per 1,000
    and the GRADE certainty with its reasons."""
    from evidence.workflows.sof import sof_table

    table = sof_table(open_store(read_only=True), review)
    if as_json:
        echo_json(table.as_json())
    else:
        typer.echo(table.to_text())


@app.command()
def prisma(
    review: Optional[str] = typer.Option(None, "--review", help="review slug (needed when the store holds several)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object with the PRISMA2020 field names"),
    as_csv: Optional[Path] = typer.Option(None, "--csv", help="also write the PRISMA2020 package's CSV layout to this file"),
    update: Optional[int] = typer.Option(None, "--update", help="the flow of this update (0: the original review) [default: the latest]"),
) -> None:
    """Print the PRISMA 2020 flow with its arithmetic checked (an update's flow counts previous, new and dropped studies)."""
    from evidence.outputs.text import format_flow
    from evidence.workflows.prisma import prisma_flow

    flow = prisma_flow(open_store(read_only=True), review, update)
    if as_csv:
        as_csv.write_text(flow.as_prisma2020_csv(), encoding="utf-8")
    if as_json:
        echo_json(flow.as_json())
    else:
        typer.echo(format_flow(flow))
    if not flow.consistent:
        raise typer.Exit(1)


@app.command()
def pool(
    review: Optional[str] = typer.Option(None, "--review", help="review slug (needed when the store holds several)"),
    as_json: bool = typer.Option(False, "--json", help="print a JSON list, one object per analysis and model"),
) -> None:
    """Pool every planned analysis, store the run, and print it beside the published results."""
    from evidence.outputs.text import format_pool
    from evidence.workflows.pool import pool_review

    run = pool_review(open_store(), review)
    if as_json:
        echo_json(run.as_json())
    else:
        typer.echo(format_pool(run))


@app.command()
def diff(
    review: Optional[str] = typer.Option(None, "--review", help="review slug (needed when the store holds several)"),
    from_run: Optional[int] = typer.Option(None, "--from", help="the earlier run [default: the one before --to]"),
    to_run: Optional[int] = typer.Option(None, "--to", help="the later run [default: the latest]"),
    as_json: bool = typer.Option(False, "--json", help="print one object per analysis with before, after, changes"),
) -> None:
    """What changed between two analysis runs, analysis by analysis, and which studies caused it."""
    from evidence.outputs.text import format_diff
    from evidence.workflows.diff import diff_runs

    first, last, diffs = diff_runs(open_store(read_only=True), review, from_run, to_run)
    if as_json:
        echo_json([d.as_json() for d in diffs])
        return
    typer.echo(format_diff(first, last, diffs))


@app.command()
def audit(
    review: Optional[str] = typer.Option(None, "--review", help="review slug (needed when the store holds several)"),
    as_json: bool = typer.Option(False, "--json", help='print {"findings": [{severity, rule, where, message}, ...]}'),
) -> None:
    """Run the audit rules over the review: findings with severity, rule, place and a sentence (exit 1 if any error)."""
    from evidence.outputs.text import format_findings
    from evidence.workflows.audit import audit as run_audit

    _, findings = run_audit(open_store(read_only=True), review)
    if as_json:
        echo_json({"findings": [f.as_json() for f in findings]})
    else:
        typer.echo(format_findings(findings))
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


@app.command()
def history(
    review: Optional[str] = typer.Option(None, "--review", help="review slug (needed when the store holds several)"),
    study: Optional[str] = typer.Option(None, "--study", help="the study whose value to follow (with --field)"),
    field: Optional[str] = typer.Option(None, "--field", help="the field, e.g. randomised_n, events, estimate, status"),
    arm: Optional[str] = typer.Option(None, "--arm", help="experimental or control (arm values, events and totals)"),
    outcome: Optional[str] = typer.Option(None, "--outcome", help="the outcome (outcome data)"),
    variant: str = typer.Option("primary", "--variant", help="the outcome data's variant"),
    record: Optional[int] = typer.Option(None, "--record", help="or a record: its decisions, duplicate links, retrievals"),
    as_json: bool = typer.Option(False, "--json", help="print a JSON list of events"),
) -> None:
    """The story of a value (as loaded, then every correction), of a record, or with --review alone of the
    review's protocol (every edit); nothing is ever deleted."""
    from evidence.errors import InputError
    from evidence.outputs.text import format_events
    from evidence.workflows.history import protocol_history, record_history, value_history

    engine = open_store(read_only=True)
    if record is not None:
        events = record_history(engine, record, review)
    elif study and field:
        events = value_history(engine, field, study, review=review, arm=arm, outcome=outcome, variant=variant)
    elif review is not None and not (study or field or arm or outcome):
        events = protocol_history(engine, review)
    else:
        raise InputError("name a value (--study and --field, with --arm/--outcome where they apply), a --record,"
                         " or a --review alone for the edits of its protocol")
    if as_json:
        echo_json([e.as_json() for e in events])
        return
    typer.echo(format_events(events))


@app.command()
def sql(
    query: str = typer.Argument(..., help="one read-only statement, e.g. \"SELECT * FROM outcome_overview\""),
    fmt: str = typer.Option("table", "--format", help="table, csv or json"),
) -> None:
    """Run a read-only SQL query against the store (tables and views)."""
    from evidence.errors import InputError
    from evidence.outputs.text import format_rows
    from evidence.store.sql import run_query

    if fmt not in ("table", "csv", "json"):
        raise InputError(f"--format {fmt!r} is not one of table, csv, json")
    result = run_query(open_store(read_only=True), query)
    typer.echo(format_rows(result.columns, result.rows, fmt))


@app.command()
def export(
    out: Path = typer.Option(..., "--out", help="folder to write into (created if missing)"),
    fmt: str = typer.Option("csv", "--format", help="csv, parquet, xlsx, or r (one CSV per analysis for R's meta and metafor)"),
    review: Optional[str] = typer.Option(None, "--review", help="review slug (needed when the store holds several)"),
) -> None:
    """Write every table and view of a review: one file per table (csv, parquet) or one workbook (xlsx)."""
    from evidence.outputs.export import export_review

    result = export_review(open_store(read_only=True), review, fmt, out)
    typer.echo(f"exported review {result.review!r}: {len(result.files)} file(s), {sum(result.rows.values())} rows, in {out}")


@app.command()
def meta(
    csv_path: Path = typer.Argument(..., metavar="FILE.csv", help="one study per row; the header decides the input kind"),
    measure: Optional[str] = typer.Option(None, "--measure", help="RR, OR, RD, PETO, MD, SMD, HR or GENERIC"),
    method: Optional[str] = typer.Option(None, "--method", help="fixed-effect method for dichotomous data: MH, IV or PETO"),
    model: str = typer.Option("random", "--model", help="fixed, random, or fixed_if_homogeneous (the review rule)"),
    tau2: Optional[str] = typer.Option(None, "--tau2", help="tau² estimator: DL, REML, PM, ML, SJ, HE, EB or HS (default: the preset's)"),
    hk: Optional[bool] = typer.Option(None, "--hk/--no-hk", help="Hartung-Knapp-Sidik-Jonkman interval (default: the preset's)"),
    level: float = typer.Option(0.95, "--level", help="confidence level"),
    subgroup: Optional[str] = typer.Option(None, "--subgroup", metavar="COLUMN", help="pool each subgroup of this column and test their differences"),
    preset: str = typer.Option("revman5", "--preset", help="conventions: revman5 (RevMan 5) or modern (REML, HKSJ, prediction and Q-profile intervals)"),
    egger: bool = typer.Option(False, "--egger", help="add Egger's regression test"),
    trimfill: bool = typer.Option(False, "--trimfill", help="add trim-and-fill"),
    leave_one_out: bool = typer.Option(False, "--leave-one-out", help="add a leave-one-out analysis"),
    cumulative: bool = typer.Option(False, "--cumulative", help="add a cumulative meta-analysis (by the year column, then file order)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Pool one CSV without a database."""
    from evidence.formats.meta_csv import meta_csv
    from evidence.outputs.text import format_meta

    result = meta_csv(csv_path, measure=measure, method=method, model=model, tau2=tau2, hk=hk, level=level,
                      preset=preset, subgroup=subgroup, egger=egger, trimfill=trimfill, leave_one_out=leave_one_out,
                      cumulative=cumulative)
    if as_json:
        echo_json(result)
    else:
        typer.echo(format_meta(result))


@app.command()
def demo(
    seed: Path = typer.Option(None, "--seed", help="seed folder [default: the isatuximab review shipped in seeds/]"),
    report: Path = typer.Option(Path("evidence-report.html"), "--report", help="where to write the HTML report"),
) -> None:
    """Set up the store, load the isatuximab review, print PRISMA and pool every outcome, then apply its
    first update (a new trial and corrections), print what changed and write the HTML report."""
    from evidence.jobs.demo import run_demo
    from evidence.outputs.text import format_diff, format_flow, format_pool

    result = run_demo(State.url, seed, report)
    typer.echo(result.load_message)
    typer.echo("")
    typer.echo(format_flow(result.flow))
    typer.echo("")
    typer.echo(format_pool(result.run))
    for update in result.updates:
        typer.echo("")
        typer.echo(f"update {update.update}: " + ("loaded" if update.loaded else "already loaded: nothing changed"))
    if result.updated_flow is not None:
        typer.echo("")
        typer.echo(format_flow(result.updated_flow))
    if result.diff is not None:
        typer.echo("")
        typer.echo("what the update changed (evidence diff):")
        typer.echo(format_diff(*result.diff))
    if result.report is not None:
        typer.echo("")
        typer.echo(f"wrote {result.report}: the report of the latest run (PRISMA, risk of bias, forest plots,"
                   " summary of findings, audit), one HTML file")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: every known error becomes one line and its exit code.

    argv: the arguments (default: the process's own); tests pass them to run the command in-process.
    """
    from evidence.errors import EvidenceError

    try:
        app(args=argv, prog_name="evidence")
    except EvidenceError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing was committed by the unfinished command", err=True)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the last guard: a user never sees a traceback
        if os.environ.get("EVIDENCE_DEBUG"):
            raise
        typer.echo(f"internal error: {type(error).__name__}: {error} (set EVIDENCE_DEBUG=1 for details)", err=True)
        sys.exit(70)
