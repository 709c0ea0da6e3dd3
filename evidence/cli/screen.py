"""`evidence screen …`: screening from the terminal or from spreadsheet sheets."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from evidence.cli.common import echo_json, open_store

screen_app = typer.Typer(help="Screen records: one reviewer at the keyboard, sheets, conflicts, agreement.",
                         no_args_is_help=True)

REVIEW = typer.Option(None, "--review", help="review slug (needed when the store holds several)")
STAGE = typer.Option("title_abstract", "--stage", help="title_abstract or full_text")
KEYS = {"i": "include", "e": "exclude", "m": "maybe"}


def _said(recorded) -> str:
    """What a recorded decision did: whether it changed the reviewer's earlier one, and where the record stands."""
    d = recorded.decision
    if not recorded.recorded:
        return f"unchanged: record {d.record_id} already has {d.reviewer}'s decision {d.decision} at {d.stage}"
    said = f"recorded: record {d.record_id}, {d.stage}, {d.decision} by {d.reviewer}"
    if recorded.changed:
        said += f" (changes your earlier decision {recorded.earlier})"
    if recorded.awaiting:
        return said + ("; the screeners disagree: the record awaits a resolver" if recorded.conflict
                       else "; the record awaits a second screener (dual screening)")
    return said + f"; its decision at {d.stage}: {recorded.final_decision}"


@screen_app.command("next")
def screen_next(
    reviewer: str = typer.Option(..., "--reviewer", help="who is screening"),
    stage: str = STAGE,
    review: Optional[str] = REVIEW,
) -> None:
    """Show the next record you have not screened, take i(nclude) / e(xclude) / m(aybe), and go on.

    s skips a record for now, q quits. Every answer is saved at once. A full-text exclusion takes one of the
    review's exclusion reasons (its number or its text); a decision the protocol refuses is said on one line
    and the record is offered again.
    """
    from evidence.errors import EvidenceError
    from evidence.workflows.screening import next_record, record_decision

    engine = open_store()
    skipped: set[int] = set()
    while True:
        record = next_record(engine, review, stage, reviewer, skip=skipped)
        if record is None:
            later = f"; {len(skipped)} skipped for later" if skipped else ""
            typer.echo(f"nothing left to screen at this stage{later}")
            return
        typer.echo("")
        typer.echo(f"[{record['remaining']} to go] record {record['id']} ({record['database']} {record['source_key']})")
        typer.echo(f"  {record['title'] or '(no title)'}")
        typer.echo(f"  {record['authors'] or ''} {record['year'] or ''} {record['journal'] or ''}".rstrip())
        if record["abstract"]:
            typer.echo(f"  {record['abstract']}")
        answer = typer.prompt("i include / e exclude / m maybe / s skip / q quit", default="s").strip().lower()[:1]
        if answer == "q":
            return
        if answer not in KEYS:
            skipped.add(record["id"])
            continue
        reason = None
        if answer == "e":
            reasons = record["reasons"]
            for number, text in enumerate(reasons, 1):
                typer.echo(f"  {number} {text}")
            reason = typer.prompt("reason (its number)" if reasons else "reason", default="").strip() or None
            if reason and reason.isdigit() and 1 <= int(reason) <= len(reasons):
                reason = reasons[int(reason) - 1]
        try:
            recorded = record_decision(engine, record["id"], stage, reviewer, KEYS[answer], reason)
        except EvidenceError as refused:  # one line; the record comes round again
            typer.echo(f"error: {refused}", err=True)
            continue
        typer.echo(_said(recorded))


@screen_app.command("decide")
def screen_decide(
    record_id: int = typer.Argument(..., help="the record's id"),
    decision: str = typer.Option(..., "--decision", help="include, exclude or maybe"),
    reviewer: str = typer.Option(..., "--reviewer", help="who decides"),
    stage: str = STAGE,
    reason: Optional[str] = typer.Option(None, "--reason", help="why (a full-text exclusion: one of the review's reasons)"),
    resolver: bool = typer.Option(False, "--resolver", help="a third reviewer settling the screeners' decisions"),
) -> None:
    """Record one decision (a resolver's settles a conflict), under the review's protocol."""
    from evidence.workflows.screening import record_decision

    recorded = record_decision(open_store(), record_id, stage, reviewer, decision, reason,
                               role="resolver" if resolver else "screener")
    typer.echo(_said(recorded))


@screen_app.command("sheet")
def screen_sheet(
    out: Path = typer.Option(..., "--out", help="CSV file to write"),
    stage: str = STAGE,
    review: Optional[str] = REVIEW,
    reviewer: Optional[str] = typer.Option(None, "--reviewer", help="leave out what this reviewer has decided"),
) -> None:
    """Write a sheet of the records to screen, for reviewers who work in a spreadsheet."""
    from evidence.workflows.screening import export_sheet

    count = export_sheet(open_store(read_only=True), review, stage, out, reviewer)
    typer.echo(f"wrote {count} records to {out}: fill in decision (include/exclude/maybe) and reason")


@screen_app.command("import")
def screen_import(
    sheet: Path = typer.Argument(..., help="a filled-in sheet"),
    reviewer: str = typer.Option(..., "--reviewer", help="whose decisions these are"),
    stage: str = STAGE,
    review: Optional[str] = REVIEW,
    resolver: bool = typer.Option(False, "--resolver", help="the decisions of a third reviewer"),
) -> None:
    """Record every filled-in decision of a sheet (one transaction; a row the protocol refuses imports nothing)."""
    from evidence.workflows.screening import import_sheet

    done = import_sheet(open_store(), review, stage, reviewer, sheet, role="resolver" if resolver else "screener")
    typer.echo(f"recorded {done.recorded} decisions by {reviewer}"
               + (f"; {done.unchanged} already recorded as they are" if done.unchanged else ""))
    if done.changed:
        typer.echo(f"{len(done.changed)} of them change {reviewer}'s earlier decisions: " + ", ".join(
            f"record {r.decision.record_id} {r.earlier} -> {r.decision.decision}" for r in done.changed))


@screen_app.command("conflicts")
def screen_conflicts(stage: str = STAGE, review: Optional[str] = REVIEW,
                     as_json: bool = typer.Option(False, "--json", help="print a JSON list")) -> None:
    """Records the screeners disagree on that no resolver has settled."""
    from evidence.workflows.screening import conflicts

    found = conflicts(open_store(read_only=True), review, stage)
    if as_json:
        echo_json(found)
        return
    for entry in found:
        decided = ", ".join(f"{who}: {what}" for who, what in entry["decisions"].items())
        typer.echo(f"record {entry['record_id']} ({entry['source_key']}): {decided} — {entry['title'] or ''}")
    typer.echo(f"{len(found)} unresolved conflict(s) at {stage}")


@screen_app.command("agreement")
def screen_agreement(review: Optional[str] = REVIEW,
                     as_json: bool = typer.Option(False, "--json", help="print a JSON list")) -> None:
    """Cohen's kappa and percent agreement per stage and pair of screeners."""
    from dataclasses import asdict

    from evidence.outputs.text import format_rows
    from evidence.workflows.screening import agreement

    found = agreement(open_store(read_only=True), review)
    if as_json:
        echo_json([asdict(a) for a in found])
        return
    rows = [(a.stage, a.reviewer_a, a.reviewer_b, a.records,
             None if a.percent_agreement is None else round(a.percent_agreement, 1),
             None if a.kappa is None else round(a.kappa, 3)) for a in found]
    typer.echo(format_rows(["stage", "reviewer_a", "reviewer_b", "records", "agreement_%", "kappa"], rows, "table"))


@screen_app.command("report")
def screen_report(
    record_id: int = typer.Argument(..., help="a record included at full text"),
    study: str = typer.Option(..., "--study", help="the study it reports (created if new), e.g. IKEMA"),
    label: Optional[str] = typer.Option(None, "--label", help="the report's label [default: its source key]"),
    review: Optional[str] = REVIEW,
) -> None:
    """Make an included full text a report of a study (a study may have many reports)."""
    from evidence.workflows.studies import include_report

    report_id, created = include_report(open_store(), review, record_id, study, label)
    typer.echo(f"record {record_id} is report {report_id} of {'new ' if created else ''}study {study!r}")


@screen_app.command("retrieval")
def screen_retrieval(
    record_id: int = typer.Argument(..., help="a record sought for full-text retrieval"),
    retrieved: bool = typer.Option(..., "--retrieved/--not-retrieved", help="whether the full text was obtained"),
    by: str = typer.Option(..., "--by", help="who recorded it"),
    note: Optional[str] = typer.Option(None, "--note", help="e.g. the library request that failed"),
) -> None:
    """Record whether a report was retrieved (PRISMA's reports not retrieved)."""
    from evidence.workflows.screening import record_retrieval

    record_retrieval(open_store(), record_id, retrieved, by, note)
    typer.echo(f"record {record_id}: full text {'retrieved' if retrieved else 'not retrieved'}")
