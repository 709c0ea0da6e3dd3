"""Screening under the review's protocol: append-only decisions, single or dual screening, conflicts,
agreement and spreadsheet sheets.

Every decision is a new row with who made it and when; a changed mind is a newer row. The final decision
of a record at a stage (view `screening_status`) follows the review's mode for that stage: under single
screening one screener's decision decides; under dual screening two screeners who agree do, else a
resolver; until then the record is awaiting. Recording one decision is its own short transaction, so many
reviewers can screen at once.

The rules hold for every way of deciding (the keyboard loop, `screen decide`, sheets), and live here only
(`_apply_rules`, and `stranded_full_text` for what a write would leave behind):
- no decision on a record linked as a duplicate;
- a full-text decision only on a record let through (finally included or maybe) at title/abstract, and no
  title/abstract decision that would take that back from a record with full-text decisions;
- a full-text exclusion names one of the review's declared exclusion reasons;
- one person either screens or resolves a record at a stage, never both; a resolver settles what
  screeners decided, so a record no screener has decided has nothing to resolve;
- a decision that changes the same reviewer's latest one says so (`Recorded.earlier`); one that repeats
  it is not recorded again.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlalchemy as sa

from evidence.core.agreement import cohen_kappa
from evidence.core.vocabulary import DECISIONS, SCREENING_ROLES, SCREENING_STAGES
from evidence.errors import InputError, NotFoundError
from evidence.formats.fields import Row, integer, one_of, read_rows, required, text
from evidence.store import schema
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review

SHEET_COLUMNS = ("record_id", "database", "source_key", "title", "authors", "year", "journal", "abstract",
                 "decision", "reason")
# The title/abstract decisions that send a record on to full text.
LET_THROUGH = ("include", "maybe")


def _check(stage: str, decision: str, reviewer: str, role: str) -> None:
    if stage not in SCREENING_STAGES:
        raise InputError(f"stage {stage!r} is not one of {', '.join(SCREENING_STAGES)}")
    if decision not in DECISIONS:
        raise InputError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if role not in SCREENING_ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(SCREENING_ROLES)}")
    if not reviewer or not reviewer.strip():
        raise InputError("a decision needs the reviewer who made it")


class Refused(InputError):
    """A decision a rule of the protocol refuses; `field` names the sheet column at fault, `record_id` the record
    where the rule is checked after a write of many."""

    def __init__(self, field: str, message: str, record_id: int | None = None):
        super().__init__(message)
        self.field, self.record_id = field, record_id


@dataclass(frozen=True)
class Decision:
    record_id: int
    stage: str
    reviewer: str
    decision: str
    reason: str | None = None
    role: str = "screener"


@dataclass
class Recorded:
    """A decision the rules let through: `earlier` is the same reviewer's latest decision at the stage (None:
    the first); `recorded` is False when it repeated that one exactly and nothing was written. After
    `record_decision`, the record's final decision at the stage, whether it still awaits one, and whether its
    screeners disagree (then it awaits a resolver)."""

    decision: Decision
    earlier: str | None
    recorded: bool
    final_decision: str | None = None
    awaiting: bool = False
    conflict: bool = False

    @property
    def changed(self) -> bool:
        """Whether it replaces an earlier, different decision of the same reviewer."""
        return self.recorded and self.earlier is not None


@dataclass
class _Record:
    """What the rules need to know of one record, for one reviewer at one stage."""

    review_id: int
    review: str
    duplicate_of: int | None
    title_abstract: str | None  # the final decision at title/abstract
    screened_title_abstract: bool  # whether anyone decided it there
    own: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # role -> this reviewer's latest
    screeners: set[str] = field(default_factory=set)  # who screened it at the stage


_RECORDS = (
    "SELECT rec.id, u.review_id, r.slug, dup.duplicate_of, ta.final_decision, ta.record_id IS NOT NULL"
    " FROM record rec JOIN search se ON se.id = rec.search_id JOIN review_update u ON u.id = se.review_update_id"
    " JOIN review r ON r.id = u.review_id LEFT JOIN record_duplicate dup ON dup.record_id = rec.id"
    " LEFT JOIN screening_status ta ON ta.record_id = rec.id AND ta.stage = 'title_abstract' WHERE {where}"
)
_DECISIONS = (
    "SELECT d.record_id, d.reviewer, d.role, d.decision, d.reason FROM screening_decision d"
    " JOIN record rec ON rec.id = d.record_id JOIN search se ON se.id = rec.search_id"
    " JOIN review_update u ON u.id = se.review_update_id WHERE d.stage = :stage AND {where} ORDER BY d.id"
)
_ONE_RECORD, _ONE_REVIEW = "rec.id = :record", "u.review_id = :review"


def _records(connection: sa.Connection, stage: str, reviewer: str, where: str, params: dict) -> dict[int, _Record]:
    """The rules' view of the records `where` selects (one record, or every record of a review)."""
    records = {row[0]: _Record(*row[1:]) for row in connection.execute(sa.text(_RECORDS.format(where=where)), params)}
    for record_id, who, role, decision, reason in connection.execute(
            sa.text(_DECISIONS.format(where=where)), {**params, "stage": stage}):
        if role == "screener":
            records[record_id].screeners.add(who)
        if who == reviewer:
            records[record_id].own[role] = (decision, reason)  # ordered by id: the latest wins
    return records


def exclusion_reasons(connection: sa.Connection, review_id: int) -> list[str]:
    """The review's declared full-text exclusion reasons, in the order they were declared."""
    return list(connection.execute(sa.select(schema.ExclusionReason.reason).where(
        schema.ExclusionReason.review_id == review_id).order_by(schema.ExclusionReason.position)).scalars())


def reason_key(reason: str) -> str:
    """What makes two spellings of an exclusion reason the same reason: case and spacing aside."""
    return " ".join(reason.split()).casefold()


def declared_reason(reason: str | None, reasons: list[str], review: str) -> str:
    """`reason` as the review declared it (case and spacing aside), or Refused."""
    if not reasons:
        raise Refused("reason", f"review {review!r} declares no full-text exclusion reasons: add them with"
                                f" `evidence review edit {review} --exclusion-reason TEXT --by NAME`")
    listed = ", ".join(repr(r) for r in reasons)
    if reason is None:
        raise Refused("reason", f"a full-text exclusion needs one of the review's reasons: {listed}")
    for known in reasons:
        if reason_key(known) == reason_key(reason):
            return known
    raise Refused("reason", f"{reason!r} is not one of the review's full-text exclusion reasons ({listed});"
                            f" `evidence review edit {review} --exclusion-reason TEXT --by NAME` adds one")


def _apply_rules(decision: Decision, record: _Record, reasons: list[str]) -> Recorded:
    """Every rule of the protocol for one decision on one record: Refused (naming the field at fault), or the
    decision as it is to be recorded (a full-text exclusion's reason spelt as the review declared it)."""
    number, stage, who = decision.record_id, decision.stage, decision.reviewer
    if record.duplicate_of is not None:
        raise Refused("record_id", f"record {number} is linked as a duplicate of record {record.duplicate_of}:"
                                   f" screen that one (or `evidence dedup unlink {number} --by NAME` first)")
    if stage == "full_text" and record.title_abstract not in LET_THROUGH:
        where = ("it was excluded there" if record.title_abstract == "exclude" else
                 "it awaits a decision there" if record.screened_title_abstract else "nobody has screened it there")
        raise Refused("record_id", f"record {number} was not let through at title/abstract ({where}):"
                                   " a full-text decision needs a final include or maybe there")
    other = "resolver" if decision.role == "screener" else "screener"
    if other in record.own:
        raise Refused("record_id", f"{who} is a {other} of record {number} at {stage}:"
                                   " one person cannot both screen and resolve a record")
    if decision.role == "resolver" and not record.screeners:
        raise Refused("record_id", f"no screener has decided record {number} at {stage}:"
                                   " a resolver settles what screeners decided")
    if stage == "full_text" and decision.decision == "exclude":
        decision = replace(decision, reason=declared_reason(decision.reason, reasons, record.review))
    earlier = record.own.get(decision.role)
    repeated = earlier == (decision.decision, decision.reason)
    return Recorded(decision, None if earlier is None else earlier[0], not repeated)


_STRANDED = (
    "SELECT DISTINCT d.record_id FROM screening_decision d JOIN record rec ON rec.id = d.record_id"
    " JOIN search se ON se.id = rec.search_id JOIN review_update u ON u.id = se.review_update_id"
    " LEFT JOIN screening_status ta ON ta.record_id = d.record_id AND ta.stage = 'title_abstract'"
    " WHERE d.stage = 'full_text' AND {where}"
    " AND (ta.final_decision IS NULL OR ta.final_decision NOT IN ('include', 'maybe')) ORDER BY d.record_id"
)


def stranded_full_text(connection: sa.Connection, *, review_id: int | None = None,
                       record_id: int | None = None) -> list[int]:
    """Records (of a review, or the one record) with full-text decisions that title/abstract no longer lets
    through: what a write must never leave behind (checked after it, inside its transaction)."""
    where, params = (_ONE_RECORD, {"record": record_id}) if record_id is not None else (_ONE_REVIEW, {"review": review_id})
    return list(connection.execute(sa.text(_STRANDED.format(where=where)), params).scalars())


def _insert_unstranded(connection: sa.Connection, decisions: list[Decision], **where: int) -> None:
    """Insert the decisions; Refused (the transaction then rolls back) if a title/abstract decision among them
    took the let-through back from a record that has full-text decisions."""
    if not decisions:
        return
    title_abstract = decisions[0].stage == "title_abstract"
    before = set(stranded_full_text(connection, **where)) if title_abstract else set()
    connection.execute(sa.insert(schema.ScreeningDecision), [
        {"record_id": d.record_id, "stage": d.stage, "reviewer": d.reviewer, "decision": d.decision,
         "reason": d.reason, "role": d.role} for d in decisions])
    if title_abstract:
        for record_id in stranded_full_text(connection, **where):
            if record_id not in before:
                raise Refused("decision", f"record {record_id} already has full-text decisions, and this would take"
                                          " back its let-through at title/abstract: exclude it at full text (with a"
                                          " reason) instead", record_id)


def _reason(reason: str | None) -> str | None:
    return (reason or "").strip() or None


def record_decision(
    engine: sa.Engine, record_id: int, stage: str, reviewer: str, decision: str, reason: str | None = None,
    role: str = "screener",
) -> Recorded:
    """Append one reviewer's decision on one record at one stage, if the protocol's rules allow it (else
    Refused, and nothing is written); say what it changed and where the record stands after it."""
    _check(stage, decision, reviewer, role)
    wanted = Decision(record_id, stage, reviewer.strip(), decision, _reason(reason), role)
    with friendly_errors(), engine.begin() as connection:
        record = _records(connection, stage, wanted.reviewer, _ONE_RECORD, {"record": record_id}).get(record_id)
        if record is None:
            raise NotFoundError(f"no record with id {record_id}")
        result = _apply_rules(wanted, record, exclusion_reasons(connection, record.review_id))
        if result.recorded:
            _insert_unstranded(connection, [result.decision], record_id=record_id)
        status = connection.execute(sa.text(
            "SELECT final_decision, awaiting, conflict FROM screening_status WHERE record_id = :record AND stage = :stage"),
            {"record": record_id, "stage": stage}).first()
    if status is not None:
        result.final_decision, result.awaiting, result.conflict = status[0], bool(status[1]), bool(status[2])
    return result


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
    `skip`), with how many remain and, at full text, the review's exclusion reasons; None when done."""
    _check(stage, "include", reviewer, "screener")
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        todo = REVIEW_RECORDS + _eligible_for(stage) + NOT_YET_SCREENED
        params = {"review": review_id, "stage": stage, "reviewer": reviewer.strip()}
        candidates = connection.execute(sa.text(todo + " ORDER BY rec.id LIMIT :limit"),
                                        {**params, "limit": len(skip) + 1}).mappings().all()
        row = next((r for r in candidates if r["id"] not in skip), None)
        remaining = connection.execute(sa.text(f"SELECT COUNT(*) FROM ({todo}) AS todo"), params).scalar_one()
        reasons = exclusion_reasons(connection, review_id) if stage == "full_text" else []
    return None if row is None else {**dict(row), "remaining": remaining, "reasons": reasons}


def export_sheet(engine: sa.Engine, review: str | None, stage: str, path: str | Path,
                 reviewer: str | None = None) -> int:
    """A CSV sheet of the records to screen at a stage, with empty decision and reason columns; for one
    `reviewer`, without the records that reviewer has decided at the stage."""
    _check(stage, "include", reviewer or "sheet", "screener")
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        todo = REVIEW_RECORDS + _eligible_for(stage) + (NOT_YET_SCREENED if reviewer else "")
        rows = connection.execute(sa.text(todo + " ORDER BY rec.id"),
                                  {"review": review_id, "stage": stage, "reviewer": (reviewer or "").strip()}).all()
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SHEET_COLUMNS)
        writer.writerows([*row, "", ""] for row in rows)
    return len(rows)


@dataclass
class SheetImport:
    """What a sheet did: decisions recorded, those among them that changed the reviewer's earlier ones,
    and rows that repeated an earlier decision exactly (not recorded again)."""

    recorded: int
    changed: list[Recorded]
    unchanged: int


def import_sheet(engine: sa.Engine, review: str | None, stage: str, reviewer: str, path: str | Path,
                 role: str = "screener") -> SheetImport:
    """Record every filled-in decision of a sheet, in one transaction, under the same rules as one decision;
    a row a rule refuses refuses the whole sheet, naming its row and field."""
    _check(stage, "include", reviewer, role)
    reviewer = reviewer.strip()
    path = Path(path)
    columns = {name: text for name in SHEET_COLUMNS}
    columns.update(record_id=required(integer), decision=one_of(*DECISIONS), year=text)
    rows = [row for row in read_rows(path, columns) if row["decision"]]
    with friendly_errors(), engine.begin() as connection:
        review_id, slug = resolve_review(connection, review)
        records = _records(connection, stage, reviewer, _ONE_REVIEW, {"review": review_id})
        reasons = exclusion_reasons(connection, review_id)
        lines: dict[int, Row] = {}
        results = []
        for row in rows:
            number = row["record_id"]
            if number not in records:
                raise row.error("record_id", f"{number} is not a record of review {slug!r}")
            if number in lines:
                raise row.error("record_id", f"record {number} is also on row {lines[number].line}:"
                                             " a sheet holds one decision per record")
            lines[number] = row
            try:
                results.append(_apply_rules(Decision(number, stage, reviewer, row["decision"], row["reason"], role),
                                            records[number], reasons))
            except Refused as refusal:
                raise row.error(refusal.field, str(refusal)) from None
        try:
            _insert_unstranded(connection, [r.decision for r in results if r.recorded], review_id=review_id)
        except Refused as refusal:
            raise lines[refusal.record_id].error(refusal.field, str(refusal)) from None
    return SheetImport(sum(r.recorded for r in results), [r for r in results if r.changed],
                       sum(not r.recorded for r in results))


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
