"""`evidence import records` and `evidence dedup …`: search exports in, duplicates linked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from evidence.cli.common import echo_json, open_store

import_app = typer.Typer(help="Import search results, or a RevMan 5 review.", no_args_is_help=True)
dedup_app = typer.Typer(help="Link duplicate records (never delete them); resolve the pairs it is unsure of.",
                        invoke_without_command=True)

REVIEW = typer.Option(None, "--review", help="review slug (needed when the store holds several)")
BY = typer.Option(..., "--by", help="who decides")


@import_app.command("rm5")
def import_rm5_command(
    path: Path = typer.Argument(..., help="a RevMan 5 file (.rm5)"),
    review: Optional[str] = typer.Option(None, "--review", help="slug for the new review [default: from the file name]"),
) -> None:
    """Import a RevMan 5 review in one transaction: studies, references, outcomes, data, RoB, RevMan's results."""
    from evidence.workflows.revman import import_rm5

    result = import_rm5(open_store(), path, review)
    if result.loaded:
        typer.echo(f"imported review {result.slug!r} from {path}: "
                   + ", ".join(f"{n} {name}" for name, n in result.counts.items()))
    else:
        typer.echo(f"review {result.slug!r} was already imported from this file: nothing changed")


@import_app.command("records")
def import_records(
    path: Path = typer.Argument(..., metavar="FILE", help="a RIS, PubMed MEDLINE (.nbib) or CSV export"),
    database: str = typer.Option(..., "--database", help="the database it was exported from, e.g. PubMed"),
    searched: str = typer.Option(..., "--searched", help="the date the search ran, e.g. 2025-04-10"),
    review: Optional[str] = REVIEW,
    query: Optional[str] = typer.Option(None, "--query", help="the search string"),
    fmt: Optional[str] = typer.Option(None, "--format", help="ris, medline or csv [default: guessed from the content]"),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="import the good records; keep the bad ones with their reasons"),
) -> None:
    """Import a search export into the review's search of that database (one transaction)."""
    from evidence.errors import InputError
    from evidence.workflows.records import import_records as run

    try:
        date = dt.date.fromisoformat(searched)
    except ValueError:
        raise InputError(f"--searched {searched!r} is not a date like 2025-04-10") from None
    result = run(open_store(), path, review=review, database=database, searched=date, query=query, format=fmt,
                 skip_invalid=skip_invalid)
    rejected = f", {result.rejected} rejected (see rejected_record)" if result.rejected else ""
    typer.echo(f"imported {result.imported} {result.format.upper()} records ({result.encoding}) into the"
               f" {result.database} search of {result.review!r}{rejected}")


@dedup_app.callback()
def dedup(
    ctx: typer.Context,
    review: Optional[str] = REVIEW,
    as_json: bool = typer.Option(False, "--json", help='print {"groups": [[source_key, ...], ...]}'),
) -> None:
    """Find duplicates: link the sure ones, queue the unsure pairs for a person."""
    if ctx.invoked_subcommand is not None:
        return
    from evidence.workflows.dedup import deduplicate

    result = deduplicate(open_store(), review)
    if as_json:
        echo_json({"groups": result.groups})
        return
    typer.echo(f"{result.records} records: {result.linked} new duplicate links, {result.queued} pairs queued for a person;"
               f" {len(result.groups)} duplicate groups in all (`evidence dedup queue` lists the open pairs)")


@dedup_app.command("queue")
def dedup_queue(review: Optional[str] = REVIEW,
                as_json: bool = typer.Option(False, "--json", help="print a JSON list")) -> None:
    """The pairs waiting for a person's verdict."""
    from evidence.workflows.dedup import open_candidates

    pairs = open_candidates(open_store(read_only=True), review)
    if as_json:
        echo_json(pairs)
        return
    for p in pairs:
        typer.echo(f"pair {p['id']} (score {p['score']:.2f}; {p['reason']})\n  {p['key_a']}: {p['title_a']}\n  {p['key_b']}: {p['title_b']}")
    typer.echo(f"{len(pairs)} open pair(s): `evidence dedup resolve PAIR --duplicate|--distinct --by NAME`")


@dedup_app.command("resolve")
def dedup_resolve(
    pair: int = typer.Argument(..., help="the pair's id from `evidence dedup queue`"),
    duplicate: bool = typer.Option(..., "--duplicate/--distinct", help="the verdict"),
    by: str = BY,
    reason: Optional[str] = typer.Option(None, "--reason"),
) -> None:
    """Decide a queued pair."""
    from evidence.workflows.dedup import resolve_candidate

    resolve_candidate(open_store(), pair, duplicate, by, reason)
    typer.echo(f"pair {pair}: {'duplicates' if duplicate else 'distinct records'} ({by})")


@dedup_app.command("mark")
def dedup_mark(
    record: int = typer.Argument(..., help="the duplicate record's id"),
    of: int = typer.Option(..., "--of", help="the id of the record it duplicates (the one kept)"),
    by: str = BY,
    reason: Optional[str] = typer.Option(None, "--reason"),
) -> None:
    """Link a record found to be a duplicate later, e.g. during screening."""
    from evidence.workflows.dedup import mark_duplicate

    mark_duplicate(open_store(), record, of, by, reason)
    typer.echo(f"record {record} linked as a duplicate of {of}")


@dedup_app.command("unlink")
def dedup_unlink(
    record: int = typer.Argument(..., help="the record whose duplicate link is undone"),
    by: str = BY,
    reason: Optional[str] = typer.Option(None, "--reason"),
) -> None:
    """Undo a duplicate link (the link and its undoing both stay in the history)."""
    from evidence.workflows.dedup import unlink

    unlink(open_store(), record, by, reason)
    typer.echo(f"record {record} is no longer linked as a duplicate")
