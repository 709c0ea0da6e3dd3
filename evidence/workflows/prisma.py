"""The PRISMA 2020 flow of a review, with its arithmetic checked.

Counts come from the `prisma_flow` view (record-level counts where records
exist, else what the review reported). The identities between boxes are
checked here, not hidden: a flow that does not add up is reported. From
records, a box counts only decided records (screening_status follows the
review's single or dual screening); the rest are awaiting (`records_awaiting`,
`reports_awaiting`: not PRISMA boxes, and not in the PRISMA2020 CSV), and the
identities subtract them, so a screening under way adds up and says what waits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from evidence.errors import NotFoundError
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review

FIELDS = (
    "database_results", "register_results", "other_results", "duplicates", "excluded_automatic",
    "excluded_other", "records_awaiting", "records_screened", "records_excluded", "dbr_sought_reports",
    "dbr_notretrieved_reports", "reports_awaiting", "dbr_assessed", "dbr_excluded", "new_studies", "new_reports",
    "previous_studies", "previous_reports", "dropped_studies", "dropped_reports", "total_studies", "total_reports",
)

# The boxes of the PRISMA2020 package's CSV: field name, node, box, and what the box counts.
PRISMA2020_BOXES = (
    ("previous_studies", "node5", "box1", "Studies included in previous version of review"),
    ("previous_reports", "NA", "box1", "Reports of studies included in previous version of review"),
    ("database_results", "node7", "box2", "Records identified from databases"),
    ("register_results", "NA", "box2", "Records identified from registers"),
    ("duplicates", "node8", "box3", "Duplicate records removed"),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons"),
    ("records_screened", "node9", "box4", "Records screened"),
    ("records_excluded", "node10", "box5", "Records excluded"),
    ("dbr_sought_reports", "node11", "box6", "Reports sought for retrieval"),
    ("dbr_notretrieved_reports", "node12", "box7", "Reports not retrieved"),
    ("dbr_assessed", "node13", "box8", "Reports assessed for eligibility"),
    ("dbr_excluded", "node14", "box9", "Reports excluded, with reasons"),
    ("new_studies", "node15", "box10", "New studies included in review"),
    ("new_reports", "NA", "box10", "Reports of new included studies"),
    ("total_studies", "node22", "box16", "Total studies included in review"),
    ("total_reports", "NA", "box16", "Reports of total included studies"),
)

# Each box of the databases-and-registers column is the one before it less the
# records removed between them (PRISMA 2020, figure 1), and less those still awaiting a decision.
CHAIN = (
    ("records_screened", ("duplicates", "excluded_automatic", "excluded_other", "records_awaiting")),
    ("dbr_sought_reports", ("records_excluded",)),
    ("dbr_assessed", ("dbr_notretrieved_reports", "reports_awaiting")),
    ("new_reports", ("dbr_excluded",)),
)


@dataclass
class Check:
    identity: str
    holds: bool
    expected: int
    found: int


@dataclass
class Flow:
    review: str
    update_number: int
    from_records: bool
    counts: dict[str, int | None]
    checks: list[Check] = field(default_factory=list)
    # (database, records) per search, and (reason, reports) per full-text exclusion reason.
    database_specific_results: list[tuple[str, int]] = field(default_factory=list)
    dbr_excluded_reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return all(check.holds for check in self.checks)

    @property
    def awaiting(self) -> str:
        """What still awaits a decision, e.g. "3 records at title/abstract, 1 report at full text"; "" if nothing."""
        where = (("records_awaiting", "record", "title/abstract"), ("reports_awaiting", "report", "full text"))
        return ", ".join(f"{self.counts[name]} {what}{'s' if self.counts[name] != 1 else ''} at {stage}"
                         for name, what, stage in where if self.counts.get(name))

    def as_json(self) -> dict:
        return {
            **self.counts,
            "review": self.review,
            "update": self.update_number,
            "source": "records" if self.from_records else "reported counts",
            "database_specific_results": [{"database": d, "n": n} for d, n in self.database_specific_results],
            "dbr_excluded_reasons": [{"reason": r, "n": n} for r, n in self.dbr_excluded_reasons],
            "checks": [vars(check) for check in self.checks],
        }

    def as_prisma2020_csv(self) -> str:
        """The PRISMA2020 R package's CSV layout (data, node, box, description, boxtext, tooltips, url, n):
        one row per box, read by PRISMA2020::PRISMA_data(); unknown counts are left empty."""
        import csv
        import io

        def joined(pairs):
            return "; ".join(f"{name}, {n}" for name, n in pairs)

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"])
        for name, node, box, description in PRISMA2020_BOXES:
            value = self.counts.get(name)
            if name == "database_results" and self.database_specific_results:
                value = joined(self.database_specific_results)
            elif name == "dbr_excluded" and self.dbr_excluded_reasons:
                value = joined(self.dbr_excluded_reasons)
            writer.writerow([name, node, box, description, description, description, f"{name}.html",
                             "" if value is None else value])
        return buffer.getvalue()


def check_flow(counts: dict[str, int | None]) -> list[Check]:
    """Walk the chain of boxes; wherever a box is known, compare it with what the boxes before it imply.

    A removal box nobody reported counts as 0 (it is left out of the identity
    text), so "796 - 771 - 21 = 4" is checked for a review that printed only those.
    """
    checks: list[Check] = []
    identified = [counts[k] for k in ("database_results", "register_results") if counts[k] is not None]
    if not identified:
        return checks
    value = sum(identified)
    terms = [f"{k} {counts[k]}" for k in ("database_results", "register_results") if counts[k] is not None]
    for box, removed in CHAIN:
        for name in removed:
            if counts[name] is not None:
                value -= counts[name]
                terms.append(f"- {name} {counts[name]}")
        if counts[box] is not None:
            checks.append(Check(f"{' '.join(terms)} = {box} {counts[box]}", value == counts[box], value, counts[box]))
            value = counts[box]
            terms = [f"{box} {counts[box]}"]
    if counts["new_studies"] is not None and counts["new_reports"] is not None:
        ok = counts["new_studies"] <= counts["new_reports"]
        checks.append(Check(
            f"new_studies {counts['new_studies']} <= new_reports {counts['new_reports']}",
            ok, counts["new_reports"], counts["new_studies"],
        ))
    return checks


def prisma_flow(engine: sa.Engine, review: str | None = None, update: int | None = None) -> Flow:
    """The flow of one update of the review (default: the latest), with its identities checked.

    For an update after the first, previous_studies/previous_reports are the
    previous version's totals, and total_studies = previous + new - dropped is
    checked against the studies the store holds as included at that update.
    """
    with friendly_errors(), engine.connect() as connection:
        review_id, slug = resolve_review(connection, review)
        return flow_on(connection, review_id, slug, update)


def flow_on(connection: sa.Connection, review_id: int, slug: str, update: int | None = None) -> Flow:
    """prisma_flow on an open connection (the audit reads every update's flow in one)."""
    rows = connection.execute(
        sa.text("SELECT * FROM prisma_flow WHERE review_id = :id ORDER BY update_number"), {"id": review_id},
    ).mappings().all()
    numbers = [r["update_number"] for r in rows]
    if update is not None and update not in numbers:
        raise NotFoundError(f"review {slug!r} has no update {update} (updates: {', '.join(map(str, numbers))})")
    row = rows[-1] if update is None else rows[numbers.index(update)]
    included = connection.execute(sa.text(
        "SELECT COUNT(*) FROM study_inclusion WHERE review_update_id = :update AND status = 'included'"
    ), {"update": row["review_update_id"]}).scalar_one()
    per_database = connection.execute(sa.text(
        "SELECT se.database, COALESCE(NULLIF(COUNT(rec.id), 0), MAX(se.records_found)) AS n FROM search se"
        " LEFT JOIN record rec ON rec.search_id = se.id WHERE se.review_update_id = :update"
        " GROUP BY se.database HAVING COALESCE(NULLIF(COUNT(rec.id), 0), MAX(se.records_found)) IS NOT NULL"
        " ORDER BY se.database"), {"update": row["review_update_id"]}).all()
    reasons = connection.execute(sa.text(
        "SELECT COALESCE(st.final_reason, '(no reason given)') AS reason, COUNT(*) AS n FROM screening_status st"
        " JOIN record rec ON rec.id = st.record_id JOIN search se ON se.id = rec.search_id"
        " LEFT JOIN record_duplicate dup ON dup.record_id = rec.id"
        " WHERE se.review_update_id = :update AND st.stage = 'full_text' AND st.final_decision = 'exclude'"
        " AND dup.record_id IS NULL GROUP BY COALESCE(st.final_reason, '(no reason given)') ORDER BY n DESC, reason"
    ), {"update": row["review_update_id"]}).all()
    counts = {name: (int(row[name]) if row[name] is not None else None) for name in FIELDS}
    flow = Flow(slug, row["update_number"], bool(row["from_records"]), counts, check_flow(counts),
                [(d, int(n)) for d, n in per_database], [(r, int(n)) for r, n in reasons])
    if counts["total_studies"] is not None and (row["update_number"] > 0 or counts["previous_studies"] is None):
        flow.checks.append(Check(
            f"total_studies {counts['total_studies']} = studies the store holds as included at update {row['update_number']} ({included})",
            counts["total_studies"] == included, included, counts["total_studies"]))
    if flow.dbr_excluded_reasons and counts["dbr_excluded"] is not None:
        total = sum(n for _, n in flow.dbr_excluded_reasons)
        flow.checks.append(Check(f"sum of exclusion reasons {total} = dbr_excluded {counts['dbr_excluded']}",
                                 total == counts["dbr_excluded"], counts["dbr_excluded"], total))
    return flow
