"""The PRISMA 2020 flow of a review, with its arithmetic checked.

Counts come from the `prisma_flow` view (record-level counts where records
exist, else what the review reported). The identities between boxes are
checked here, not hidden: a flow that does not add up is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from .db import friendly_errors
from .reviews import resolve_review

FIELDS = (
    "database_results", "register_results", "other_results", "duplicates", "excluded_automatic",
    "excluded_other", "records_screened", "records_excluded", "dbr_sought_reports",
    "dbr_notretrieved_reports", "dbr_assessed", "dbr_excluded", "new_studies", "new_reports",
    "previous_studies", "previous_reports", "total_studies", "total_reports",
)

# Each box of the databases-and-registers column is the one before it less the
# records removed between them (PRISMA 2020, figure 1).
CHAIN = (
    ("records_screened", ("duplicates", "excluded_automatic", "excluded_other")),
    ("dbr_sought_reports", ("records_excluded",)),
    ("dbr_assessed", ("dbr_notretrieved_reports",)),
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

    @property
    def consistent(self) -> bool:
        return all(check.holds for check in self.checks)

    def as_json(self) -> dict:
        return {
            **self.counts,
            "review": self.review,
            "update": self.update_number,
            "source": "records" if self.from_records else "reported counts",
            "checks": [vars(check) for check in self.checks],
        }


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


def prisma_flow(engine: sa.Engine, review: str | None = None) -> Flow:
    """The flow of the review's latest update, with its identities checked."""
    with friendly_errors(), engine.connect() as connection:
        review_id, slug = resolve_review(connection, review)
        row = connection.execute(
            sa.text("SELECT * FROM prisma_flow WHERE review_id = :id ORDER BY update_number DESC LIMIT 1"),
            {"id": review_id},
        ).mappings().one()
    counts = {name: (int(row[name]) if row[name] is not None else None) for name in FIELDS}
    return Flow(slug, row["update_number"], bool(row["from_records"]), counts, check_flow(counts))
