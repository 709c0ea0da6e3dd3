"""`evidence dedup`: find a review's duplicate records and link them, never delete them.

The matching is evidence.core.matching (pure). Sure groups become `link` rows in
the append-only duplicate_link story (each duplicate points at the record kept);
pairs the rules are unsure of become open `duplicate_candidate` rows for a
person (`resolve_candidate`); any link can be undone (`unlink`), which is a new
row too. Records already decided (linked, unlinked or marked distinct) are
never re-decided by the machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from evidence.core.matching import find_duplicates
from evidence.errors import InputError, NotFoundError
from evidence.store import schema
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review

FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid")
MACHINE = "evidence dedup"

# Records of one review (parameter :review) with the search they came from.
REVIEW_RECORDS = (
    "SELECT rec.id, rec.source_key, se.database, " + ", ".join(f"rec.{f}" for f in FIELDS)
    + " FROM record rec JOIN search se ON se.id = rec.search_id JOIN review_update u ON u.id = se.review_update_id"
    " WHERE u.review_id = :review"
)


@dataclass
class DedupResult:
    review: str
    records: int
    linked: int  # new duplicate links written by this run
    queued: int  # new pairs waiting for a person
    groups: list[list[str]]  # current duplicate groups, as source keys, the record kept first


def _method(a: dict, b: dict) -> str:
    if a["doi"] and b["doi"] and a["doi"].strip().lower() == b["doi"].strip().lower():
        return "doi"
    if a["pmid"] and b["pmid"] and a["pmid"].strip() == b["pmid"].strip():
        return "pmid"
    return "rules"


def deduplicate(engine: sa.Engine, review: str | None, decided_by: str = MACHINE) -> DedupResult:
    """Link the sure duplicates of a review's records and queue the unsure pairs, in one transaction."""
    with friendly_errors(), engine.begin() as connection:
        review_id, slug = resolve_review(connection, review)
        records = {row["id"]: dict(row) for row in connection.execute(sa.text(REVIEW_RECORDS), {"review": review_id}).mappings()}
        decided = set(connection.execute(sa.text(
            "SELECT l.record_id FROM duplicate_link l WHERE l.record_id IN (SELECT id FROM (" + REVIEW_RECORDS + ") r)"
            " UNION SELECT l.other_record_id FROM duplicate_link l WHERE l.action = 'distinct'"
            " AND l.other_record_id IN (SELECT id FROM (" + REVIEW_RECORDS + ") r)"
        ), {"review": review_id}).scalars())
        queued_before = {tuple(sorted(pair)) for pair in connection.execute(sa.text(
            "SELECT record_id, other_record_id FROM duplicate_candidate"
            " WHERE record_id IN (SELECT id FROM (" + REVIEW_RECORDS + ") r)"), {"review": review_id}).all()}
        found = find_duplicates([{"key": record_id, **{f: r[f] for f in FIELDS}} for record_id, r in records.items()])
        links = []
        for group in found.groups:
            kept, *duplicates = group
            for duplicate in duplicates:
                if duplicate not in decided:
                    links.append({"record_id": duplicate, "other_record_id": kept, "action": "link",
                                  "method": _method(records[duplicate], records[kept]), "score": None,
                                  "reason": "sure match", "decided_by": decided_by})
        candidates = [
            {"record_id": min(pair.key_a, pair.key_b), "other_record_id": max(pair.key_a, pair.key_b),
             "score": pair.score, "reason": pair.reason}
            for pair in found.uncertain
            if tuple(sorted((pair.key_a, pair.key_b))) not in queued_before
            and not ({pair.key_a, pair.key_b} & decided)
        ]
        if links:
            connection.execute(sa.insert(schema.DuplicateLink), links)
        if candidates:
            connection.execute(sa.insert(schema.DuplicateCandidate), candidates)
        groups = _groups(connection, review_id)
    return DedupResult(slug, len(records), len(links), len(candidates), groups)


def _groups(connection: sa.Connection, review_id: int) -> list[list[str]]:
    rows = connection.execute(sa.text(
        "SELECT d.duplicate_of, kept.source_key, d.record_id, dup.source_key FROM record_duplicate d"
        " JOIN record kept ON kept.id = d.duplicate_of JOIN record dup ON dup.id = d.record_id"
        " WHERE d.record_id IN (SELECT id FROM (" + REVIEW_RECORDS + ") r) ORDER BY d.duplicate_of, d.record_id"
    ), {"review": review_id}).all()
    groups: dict[int, list[str]] = {}
    for kept_id, kept_key, _, duplicate_key in rows:
        groups.setdefault(kept_id, [kept_key]).append(duplicate_key)
    return list(groups.values())


def duplicate_groups(engine: sa.Engine, review: str | None) -> list[list[str]]:
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        return _groups(connection, review_id)


def open_candidates(engine: sa.Engine, review: str | None) -> list[dict]:
    """Queued pairs nobody has decided yet."""
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        return [dict(row) for row in connection.execute(sa.text(
            "SELECT c.id, c.record_id, a.source_key AS key_a, a.title AS title_a, c.other_record_id,"
            " b.source_key AS key_b, b.title AS title_b, c.score, c.reason FROM duplicate_candidate c"
            " JOIN record a ON a.id = c.record_id JOIN record b ON b.id = c.other_record_id"
            " WHERE c.record_id IN (SELECT id FROM (" + REVIEW_RECORDS + ") r)"
            " AND NOT EXISTS (SELECT 1 FROM duplicate_link l WHERE (l.record_id = c.record_id AND l.other_record_id = c.other_record_id)"
            " OR (l.record_id = c.other_record_id AND l.other_record_id = c.record_id))"
            " ORDER BY c.id"
        ), {"review": review_id}).mappings()]


def resolve_candidate(engine: sa.Engine, candidate_id: int, duplicate: bool, decided_by: str,
                      reason: str | None = None) -> None:
    """A person's verdict on a queued pair: the second record duplicates the first, or they are distinct."""
    if not decided_by:
        raise InputError("a resolution needs the reviewer who made it (--by)")
    with friendly_errors(), engine.begin() as connection:
        pair = connection.execute(sa.select(schema.DuplicateCandidate.record_id, schema.DuplicateCandidate.other_record_id)
                                  .where(schema.DuplicateCandidate.id == candidate_id)).first()
        if pair is None:
            raise NotFoundError(f"no duplicate candidate {candidate_id}: `evidence dedup queue` lists them")
        kept, other = pair
        connection.execute(sa.insert(schema.DuplicateLink).values(
            record_id=other, other_record_id=kept, action="link" if duplicate else "distinct", method="manual",
            reason=reason, decided_by=decided_by))


def mark_duplicate(engine: sa.Engine, record_id: int, duplicate_of: int, decided_by: str, reason: str | None = None,
                   method: str = "screening") -> None:
    """Link a record found to be a duplicate later (during screening, say)."""
    _link(engine, record_id, duplicate_of, "link", method, decided_by, reason)


def unlink(engine: sa.Engine, record_id: int, decided_by: str, reason: str | None = None) -> None:
    """Undo a record's current duplicate link (a new row: the story keeps both)."""
    with friendly_errors(), engine.connect() as connection:
        current = connection.execute(sa.text("SELECT duplicate_of FROM record_duplicate WHERE record_id = :r"),
                                     {"r": record_id}).scalar()
    if current is None:
        raise NotFoundError(f"record {record_id} is not linked as a duplicate")
    _link(engine, record_id, current, "unlink", "manual", decided_by, reason)


def _link(engine, record_id, other, action, method, decided_by, reason) -> None:
    if not decided_by:
        raise InputError("a duplicate decision needs the reviewer who made it (--by)")
    if record_id == other:
        raise InputError("a record cannot duplicate itself")
    with friendly_errors(), engine.begin() as connection:
        found = set(connection.execute(sa.select(schema.Record.id).where(schema.Record.id.in_([record_id, other]))).scalars())
        missing = {record_id, other} - found
        if missing:
            raise NotFoundError(f"no record with id {min(missing)}")
        connection.execute(sa.insert(schema.DuplicateLink).values(
            record_id=record_id, other_record_id=other, action=action, method=method, reason=reason,
            decided_by=decided_by))
