"""Screening: append-only decisions, dual screening, conflicts, agreement and spreadsheet sheets.

Every decision is a new row with who made it and when; a changed mind is a
newer row. The final decision of a record at a stage (view `screening_status`)
is the screeners' common decision, or a resolver's where they disagree.
Recording one decision is its own short transaction, so many reviewers can
screen at once.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from evidence.core.agreement import cohen_kappa
from evidence.core.vocabulary import DECISIONS, SCREENING_ROLES, SCREENING_STAGES
from evidence.errors import InputError, NotFoundError
from evidence.formats.fields import integer, one_of, read_rows, required, text
from evidence.store import schema
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review

SHEET_COLUMNS = ("record_id", "database", "source_key", "title", "authors", "year", "journal", "abstract",
                 "decision", "reason")


def _check(stage: str, decision: str, reviewer: str, role: str) -> None:
    if stage not in SCREENING_STAGES:
        raise InputError(f"stage {stage!r} is not one of {', '.join(SCREENING_STAGES)}")
    if decision not in DECISIONS:
        raise InputError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if role not in SCREENING_ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(SCREENING_ROLES)}")
    if not reviewer or not reviewer.strip():
        raise InputError("a decision needs the reviewer who made it")


def exclusion_reasons(connection: sa.Connection, review_id: int) -> list[str]:
    """The review's declared full-text exclusion reasons, in the order they were declared."""
    return list(connection.execute(sa.select(schema.ExclusionReason.reason).where(
        schema.ExclusionReason.review_id == review_id).order_by(schema.ExclusionReason.position)).scalars())


def reason_key(reason: str) -> str:
    """What makes two spellings of an exclusion reason the same reason: case and spacing aside."""
    return " ".join(reason.split()).casefold()


_STRANDED = (
    "SELECT DISTINCT d.record_id FROM screening_decision d JOIN record rec ON rec.id = d.record_id"
    " JOIN search se ON se.id = rec.search_id JOIN review_update u ON u.id = se.review_update_id"
    " LEFT JOIN screening_status ta ON ta.record_id = d.record_id AND ta.stage = 'title_abstract'"
    " WHERE d.stage = 'full_text' AND {where}"
    " AND (ta.final_decision IS NULL OR ta.final_decision NOT IN ('include', 'maybe')) ORDER BY d.record_id"
)
_ONE_RECORD, _ONE_REVIEW = "rec.id = :record", "u.review_id = :review"


def stranded_full_text(connection: sa.Connection, *, review_id: int | None = None,
                       record_id: int | None = None) -> list[int]:
    """Records (of a review, or the one record) with full-text decisions that title/abstract no longer lets
    through: what a write must never leave behind (checked after it, inside its transaction)."""
    where, params = (_ONE_RECORD, {"record": record_id}) if record_id is not None else (_ONE_REVIEW, {"review": review_id})
    return list(connection.execute(sa.text(_STRANDED.format(where=where)), params).scalars())


def record_decision(
    engine: sa.Engine, record_id: int, stage: str, reviewer: str, decision: str, reason: str | None = None,
    role: str = "screener",
) -> int:
    """Append one reviewer's decision on one record at one stage; return its id."""
    _check(stage, decision, reviewer, role)
    with friendly_errors(), engine.begin() as connection:
        if connection.execute(sa.select(schema.Record.id).where(schema.Record.id == record_id)).first() is None:
            raise NotFoundError(f"no record with id {record_id}")
        return connection.execute(
            sa.insert(schema.ScreeningDecision)
            .values(record_id=record_id, stage=stage, reviewer=reviewer.strip(), decision=decision, reason=reason,
                    role=role)
            .returning(schema.ScreeningDecision.id)
        ).scalar_one()


# Records of one review that are not currently duplicates (parameter :review).
REVIEW_RECORDS = (
    "SELECT rec.id, se.database, rec.source_key, rec.title, rec.authors, rec.year, rec.journal, rec.abstract"
    " FROM record rec JOIN search se ON se.id = rec.search_id JOIN review_update u ON u.id = se.review_update_id"
    " LEFT JOIN record_duplicate dup ON dup.record_id = rec.id"
    " WHERE u.review_id = :review AND dup.record_id IS NULL"
)
NOT_YET_SCREENED = (" AND NOT EXISTS (SELECT 1 FROM screening_decision d WHERE d.record_id = rec.id"
                    " AND d.stage = :stage AND d.reviewer = :reviewer)")


def _eligible_for(stage: str) -> str:
    """Full text is screened only for records the title/abstract stage let through."""
    if stage == "title_abstract":
        return ""
    return (" AND EXISTS (SELECT 1 FROM screening_status st WHERE st.record_id = rec.id"
            " AND st.stage = 'title_abstract' AND st.final_decision IN ('include', 'maybe'))")


def next_record(
    engine: sa.Engine, review: str | None, stage: str, reviewer: str, skip: set[int] = frozenset()
) -> dict | None:
    """The next record this reviewer has not screened at this stage (lowest id first, passing over
    `skip`), with how many remain; None when done."""
    _check(stage, "include", reviewer, "screener")
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        todo = REVIEW_RECORDS + _eligible_for(stage) + NOT_YET_SCREENED
        params = {"review": review_id, "stage": stage, "reviewer": reviewer}
        candidates = connection.execute(sa.text(todo + " ORDER BY rec.id LIMIT :limit"),
                                        {**params, "limit": len(skip) + 1}).mappings().all()
        row = next((r for r in candidates if r["id"] not in skip), None)
        remaining = connection.execute(sa.text(f"SELECT COUNT(*) FROM ({todo}) AS todo"), params).scalar_one()
    return None if row is None else {**dict(row), "remaining": remaining}


def export_sheet(engine: sa.Engine, review: str | None, stage: str, path: str | Path) -> int:
    """A CSV sheet of the records to screen at a stage, with empty decision and reason columns."""
    _check(stage, "include", "sheet", "screener")
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        rows = connection.execute(sa.text(REVIEW_RECORDS + _eligible_for(stage) + " ORDER BY rec.id"),
                                  {"review": review_id}).all()
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SHEET_COLUMNS)
        writer.writerows([*row, "", ""] for row in rows)
    return len(rows)


def import_sheet(engine: sa.Engine, review: str | None, stage: str, reviewer: str, path: str | Path,
                 role: str = "screener") -> int:
    """Record every filled-in decision of a sheet, in one transaction; a bad row imports nothing."""
    _check(stage, "include", reviewer, role)
    path = Path(path)
    columns = {name: text for name in SHEET_COLUMNS}
    columns.update(record_id=required(integer), decision=one_of(*DECISIONS), year=text)
    rows = [row for row in read_rows(path, columns) if row["decision"]]
    with friendly_errors(), engine.begin() as connection:
        review_id, _ = resolve_review(connection, review)
        known = {row[0] for row in connection.execute(sa.text(REVIEW_RECORDS), {"review": review_id})}
        for row in rows:
            if row["record_id"] not in known:
                raise row.error("record_id", f"{row['record_id']} is not a record of this review (or is a duplicate)")
            if stage == "full_text" and row["decision"] == "exclude" and not row["reason"]:
                raise row.error("reason", "a full-text exclusion needs its reason (one primary reason, for PRISMA)")
        if rows:
            connection.execute(sa.insert(schema.ScreeningDecision), [
                {"record_id": row["record_id"], "stage": stage, "reviewer": reviewer, "decision": row["decision"],
                 "reason": row["reason"], "role": role} for row in rows
            ])
    return len(rows)


def conflicts(engine: sa.Engine, review: str | None, stage: str) -> list[dict]:
    """Records whose screeners disagree at a stage and that no resolver has settled yet."""
    _check(stage, "include", "any", "screener")
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        statement = sa.text(
            "SELECT rec.id AS record_id, rec.source_key, rec.title, d.reviewer, d.decision, d.reason"
            " FROM screening_status st JOIN record rec ON rec.id = st.record_id"
            " JOIN search se ON se.id = rec.search_id JOIN review_update u ON u.id = se.review_update_id"
            " JOIN screening_decision d ON d.record_id = rec.id AND d.stage = st.stage AND d.role = 'screener'"
            " WHERE u.review_id = :review AND st.stage = :stage AND st.conflict AND NOT st.resolved"
            " AND d.id = (SELECT MAX(id) FROM screening_decision x WHERE x.record_id = d.record_id"
            "             AND x.stage = d.stage AND x.reviewer = d.reviewer AND x.role = 'screener')"
            " ORDER BY rec.id, d.reviewer"
        )
        rows = connection.execute(statement, {"review": review_id, "stage": stage}).mappings().all()
    grouped: dict[int, dict] = {}
    for row in rows:
        entry = grouped.setdefault(row["record_id"], {"record_id": row["record_id"], "source_key": row["source_key"],
                                                      "title": row["title"], "decisions": {}})
        entry["decisions"][row["reviewer"]] = row["decision"]
    return list(grouped.values())


@dataclass
class Agreement:
    stage: str
    reviewer_a: str
    reviewer_b: str
    records: int
    percent_agreement: float | None
    kappa: float | None


def agreement(engine: sa.Engine, review: str | None) -> list[Agreement]:
    """Per stage and pair of screeners: records both screened, percent agreement and Cohen's kappa."""
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        rows = connection.execute(sa.text(
            "SELECT d.stage, d.record_id, d.reviewer, d.decision FROM screening_decision d"
            " JOIN record rec ON rec.id = d.record_id JOIN search se ON se.id = rec.search_id"
            " JOIN review_update u ON u.id = se.review_update_id"
            " WHERE u.review_id = :review AND d.role = 'screener'"
            " AND d.id = (SELECT MAX(id) FROM screening_decision x WHERE x.record_id = d.record_id"
            "             AND x.stage = d.stage AND x.reviewer = d.reviewer AND x.role = 'screener')"
        ), {"review": review_id}).all()
    decisions: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
    for stage, record_id, reviewer, decision in rows:
        decisions[stage, record_id][reviewer] = decision
    by_pair: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for (stage, _), made in decisions.items():
        reviewers = sorted(made)
        for i, a in enumerate(reviewers):
            for b in reviewers[i + 1:]:
                by_pair[stage, a, b].append((made[a], made[b]))
    out = []
    for (stage, a, b), pairs in sorted(by_pair.items()):
        percent, kappa = cohen_kappa(pairs)
        out.append(Agreement(stage, a, b, len(pairs), percent, kappa))
    return out


def record_retrieval(engine: sa.Engine, record_id: int, retrieved: bool, recorded_by: str, note: str | None = None) -> None:
    """Whether the full text of a record sought for retrieval was obtained (append-only; the latest counts)."""
    if not recorded_by or not recorded_by.strip():
        raise InputError("a retrieval note needs who recorded it")
    with friendly_errors(), engine.begin() as connection:
        if connection.execute(sa.select(schema.Record.id).where(schema.Record.id == record_id)).first() is None:
            raise NotFoundError(f"no record with id {record_id}")
        connection.execute(sa.insert(schema.FullTextRetrieval).values(
            record_id=record_id, retrieved=retrieved, note=note, recorded_by=recorded_by.strip()))
