"""`evidence import records`: a search export into a review's search, in one transaction.

Parsing is evidence.formats.citations (pure); this module decides what is kept
and writes it through the engine's bulk path. A file with bad records imports
nothing unless `skip_invalid`, which imports the good ones and keeps the bad
ones, with their reasons, in `rejected_record`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from evidence.errors import AlreadyLoadedError, InputError
from evidence.formats.citations import read_records
from evidence.store import schema
from evidence.store.bulk import allocate_ids, insert_columns
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review

RECORD_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "abstract")
SHOWN_PROBLEMS = 5


@dataclass
class ImportResult:
    review: str
    database: str
    search_id: int
    batch_id: int
    format: str
    encoding: str
    imported: int
    rejected: int


def _problems(path: Path, rejected: list[dict]) -> str:
    """One line naming every bad record's line, with the reasons of the first few."""
    lines = ", ".join(str(r["line"]) for r in rejected)
    reasons = "; ".join(f"line {r['line']}: {r['reason']}" for r in rejected[:SHOWN_PROBLEMS])
    return (f"{path}: {len(rejected)} invalid record(s) at line(s) {lines}, nothing imported ({reasons}"
            f"{'; ...' if len(rejected) > SHOWN_PROBLEMS else ''}); --skip-invalid imports the others")


def import_records(
    engine: sa.Engine, path: str | Path, *, review: str | None, database: str, searched: dt.date,
    query: str | None = None, format: str | None = None, skip_invalid: bool = False, imported_by: str | None = None,
) -> ImportResult:
    """Import one export file as (part of) the search of `database` in the review's latest search round."""
    path = Path(path)
    if not database or not database.strip():
        raise InputError("--database names the database the file was exported from")
    parsed = read_records(path, format)
    # The parser already rejects records without a title or identifier, bad years and repeated keys.
    kept, rejected = list(parsed.records), list(parsed.rejected)
    if rejected and not skip_invalid:
        raise InputError(_problems(path, sorted(rejected, key=lambda r: r["line"] or 0)))
    content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    with friendly_errors(), engine.begin() as connection:
        review_id, slug = resolve_review(connection, review)
        update_id = connection.execute(
            sa.select(sa.func.max(schema.ReviewUpdate.id)).where(schema.ReviewUpdate.review_id == review_id)
        ).scalar_one()
        search = connection.execute(
            sa.select(schema.Search.id).where(schema.Search.review_update_id == update_id,
                                              schema.Search.database == database.strip())
        ).scalar_one_or_none()
        if search is None:
            search = connection.execute(
                sa.insert(schema.Search).values(review_update_id=update_id, database=database.strip(), query=query,
                                                date_run=searched).returning(schema.Search.id)
            ).scalar_one()
        elif connection.execute(sa.select(schema.ImportBatch.id).where(
                schema.ImportBatch.search_id == search, schema.ImportBatch.content_hash == content_hash)).first():
            raise AlreadyLoadedError(f"{path} was already imported into the {database} search of {slug!r}; nothing was changed")
        existing = set(connection.execute(
            sa.select(schema.Record.source_key).where(schema.Record.search_id == search)).scalars())
        clashes = [r for r in kept if r["source_key"] in existing]
        if clashes and not skip_invalid:
            raise InputError(f"{path}: line {clashes[0]['line']}: source key {clashes[0]['source_key']!r} is already"
                             f" in the {database} search ({len(clashes)} such record(s)); nothing was imported")
        rejected += [{"line": r["line"], "source_key": r["source_key"], "raw": r.get("raw"),
                      "reason": "already imported in this search"} for r in clashes]
        kept = [r for r in kept if r["source_key"] not in existing]
        [batch] = allocate_ids(connection, "import_batch", 1)
        insert_columns(connection, schema.ImportBatch.__table__, {
            "id": [batch], "search_id": [search], "file_name": [path.name], "format": [parsed.format],
            "encoding": [parsed.encoding], "content_hash": [content_hash], "records": [len(kept)],
            "rejected": [len(rejected)], "imported_by": [imported_by],
        })
        if kept:
            insert_columns(connection, schema.Record.__table__, {
                "id": allocate_ids(connection, "record", len(kept)),
                "search_id": [search] * len(kept), "import_batch_id": [batch] * len(kept),
                "source_key": [r["source_key"] for r in kept], "line": [r["line"] for r in kept],
                "raw": [json.dumps(r.get("raw"), ensure_ascii=False, default=str) for r in kept],
                **{name: [_cell(r.get(name)) for r in kept] for name in RECORD_FIELDS},
            })
        if rejected:
            insert_columns(connection, schema.RejectedRecord.__table__, {
                "id": allocate_ids(connection, "rejected_record", len(rejected)),
                "import_batch_id": [batch] * len(rejected), "line": [r.get("line") for r in rejected],
                "source_key": [r.get("source_key") for r in rejected], "reason": [r["reason"] for r in rejected],
                "raw": [json.dumps(r.get("raw"), ensure_ascii=False, default=str) for r in rejected],
            })
        connection.execute(
            sa.update(schema.Search).where(schema.Search.id == search)
            .values(records_found=sa.select(sa.func.count()).where(schema.Record.search_id == search).scalar_subquery())
        )
    return ImportResult(slug, database.strip(), search, batch, parsed.format, parsed.encoding, len(kept), len(rejected))


def _cell(value):
    """Text fields as text (an export's volume may be "7" or "Suppl 2"); year stays a number."""
    if value is None or isinstance(value, int):
        return value
    return str(value)
