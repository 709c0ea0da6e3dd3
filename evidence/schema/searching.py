"""Searches, the records they returned, screening decisions, and counts a review only reported."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Text, created_at_column, fk, id_column, one_of

SCREENING_STAGES = ("title_abstract", "full_text")
DECISIONS = ("include", "exclude", "maybe")

# PRISMA 2020 boxes, by the field names of the PRISMA2020 R package.
FLOW_STAGES = (
    "database_results",
    "register_results",
    "other_results",
    "duplicates",
    "excluded_automatic",
    "excluded_other",
    "records_screened",
    "records_excluded",
    "dbr_sought_reports",
    "dbr_notretrieved_reports",
    "dbr_assessed",
    "dbr_excluded",
    "new_studies",
    "new_reports",
    "previous_studies",
    "previous_reports",
)


class Search(Base):
    __tablename__ = "search"
    id: Mapped[int] = id_column("search")
    review_update_id: Mapped[int] = fk("review_update.id")
    database: Mapped[str] = mapped_column(Text)
    query: Mapped[str | None] = mapped_column(Text)
    date_run: Mapped[dt.date | None] = mapped_column(sa.Date)
    records_found: Mapped[int | None] = mapped_column(sa.Integer)
    source: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        sa.UniqueConstraint("review_update_id", "database"),
        sa.CheckConstraint("records_found IS NULL OR records_found >= 0", name="records_found_nonneg"),
    )


class Record(Base):
    """One citation a search returned. Duplicates are linked, never deleted."""

    __tablename__ = "record"
    id: Mapped[int] = id_column("record")
    search_id: Mapped[int] = fk("search.id")
    source_key: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(sa.Integer)
    journal: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(Text)
    pmid: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = fk("record.id", nullable=True)
    __table_args__ = (sa.UniqueConstraint("search_id", "source_key"),)


class ScreeningDecision(Base):
    """Append-only: a changed mind is a new row; the final decision is derived."""

    __tablename__ = "screening_decision"
    id: Mapped[int] = id_column("screening_decision")
    record_id: Mapped[int] = fk("record.id")
    stage: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = created_at_column()
    __table_args__ = (
        one_of("stage", SCREENING_STAGES),
        one_of("decision", DECISIONS),
    )


class ReportedFlowCount(Base):
    """A PRISMA count a published review printed where no record-level data exist."""

    __tablename__ = "reported_flow_count"
    id: Mapped[int] = id_column("reported_flow_count")
    review_update_id: Mapped[int] = fk("review_update.id")
    stage: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(sa.Integer)
    source: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        sa.UniqueConstraint("review_update_id", "stage"),
        sa.CheckConstraint("count >= 0", name="count_nonneg"),
        one_of("stage", FLOW_STAGES),
    )
