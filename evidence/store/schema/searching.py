"""Searches, the records they returned, screening decisions, and counts a review only reported."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evidence.core.vocabulary import (
    DECISIONS,
    DUPLICATE_ACTIONS,
    DUPLICATE_METHODS,
    FLOW_STAGES,
    RECORD_FORMATS,
    SCREENING_ROLES,
    SCREENING_STAGES,
)
from evidence.store.schema.base import Base, Double, Text, created_at_column, fk, id_column, one_of


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


class ImportBatch(Base):
    """One file of search results imported into a search: what it was and what came of it."""

    __tablename__ = "import_batch"
    id: Mapped[int] = id_column("import_batch")
    search_id: Mapped[int] = fk("search.id")
    file_name: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)
    records: Mapped[int] = mapped_column(sa.Integer)
    rejected: Mapped[int] = mapped_column(sa.Integer)
    imported_by: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = created_at_column()
    __table_args__ = (
        one_of("format", RECORD_FORMATS),
        sa.CheckConstraint("records >= 0 AND rejected >= 0", name="counts_nonneg"),
    )


class Record(Base):
    """One citation a search returned, with the identifier and raw fields it had in its file.

    Duplicates are linked in `duplicate_link`, never deleted.
    """

    __tablename__ = "record"
    id: Mapped[int] = id_column("record")
    search_id: Mapped[int] = fk("search.id")
    import_batch_id: Mapped[int | None] = fk("import_batch.id", nullable=True)
    source_key: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(sa.Integer)
    journal: Mapped[str | None] = mapped_column(Text)
    volume: Mapped[str | None] = mapped_column(Text)
    issue: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(Text)
    pmid: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    # The fields exactly as the file gave them (JSON), and the line the record started on.
    raw: Mapped[str | None] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(sa.Integer)
    __table_args__ = (sa.UniqueConstraint("search_id", "source_key"),)


class RejectedRecord(Base):
    """A record an import refused (kept with --skip-invalid), with the reason and where it was."""

    __tablename__ = "rejected_record"
    id: Mapped[int] = id_column("rejected_record")
    import_batch_id: Mapped[int] = fk("import_batch.id")
    line: Mapped[int | None] = mapped_column(sa.Integer)
    source_key: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str | None] = mapped_column(Text)


class DuplicateLink(Base):
    """Append-only story of duplicate decisions: link, unlink (undo), or distinct (not duplicates).

    A record's current status is its latest row (view `record_duplicate`).
    """

    __tablename__ = "duplicate_link"
    id: Mapped[int] = id_column("duplicate_link")
    record_id: Mapped[int] = fk("record.id")
    # The record kept (link), or the other record of the pair (distinct, unlink).
    other_record_id: Mapped[int] = fk("record.id")
    action: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Double)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = created_at_column()
    __table_args__ = (
        one_of("action", DUPLICATE_ACTIONS),
        one_of("method", DUPLICATE_METHODS),
        sa.CheckConstraint("record_id <> other_record_id", name="not_self"),
    )


class DuplicateCandidate(Base):
    """A pair the deduplication was unsure of: open until a duplicate_link row decides it."""

    __tablename__ = "duplicate_candidate"
    id: Mapped[int] = id_column("duplicate_candidate")
    record_id: Mapped[int] = fk("record.id")
    other_record_id: Mapped[int] = fk("record.id")
    score: Mapped[float | None] = mapped_column(Double)
    reason: Mapped[str | None] = mapped_column(Text)
    found_at: Mapped[dt.datetime] = created_at_column()
    __table_args__ = (sa.UniqueConstraint("record_id", "other_record_id"),)


class ScreeningDecision(Base):
    """Append-only: a changed mind is a new row; the final decision is derived."""

    __tablename__ = "screening_decision"
    id: Mapped[int] = id_column("screening_decision")
    record_id: Mapped[int] = fk("record.id")
    stage: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    # A resolver's decision settles a conflict between screeners.
    role: Mapped[str] = mapped_column(Text, server_default=sa.text("'screener'"))
    decided_at: Mapped[dt.datetime] = created_at_column()
    __table_args__ = (
        one_of("stage", SCREENING_STAGES),
        one_of("decision", DECISIONS),
        one_of("role", SCREENING_ROLES),
    )


class FullTextRetrieval(Base):
    """Whether the report behind a record was retrieved for full-text screening (append-only)."""

    __tablename__ = "full_text_retrieval"
    id: Mapped[int] = id_column("full_text_retrieval")
    record_id: Mapped[int] = fk("record.id")
    retrieved: Mapped[bool] = mapped_column(sa.Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = created_at_column()


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
