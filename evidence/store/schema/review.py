"""A review, its rounds of searching (updates), its protocol, and what loaded it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evidence.core.vocabulary import ELIGIBILITY_KINDS, EXTRACTION_MODES, SCREENING_MODES
from evidence.store.schema.base import Base, Double, Text, created_at_column, fk, id_column, one_of


class Review(Base):
    __tablename__ = "review"
    id: Mapped[int] = id_column("review")
    slug: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    question: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[str | None] = mapped_column(Text)
    corresponding_author: Mapped[str | None] = mapped_column(Text)
    affiliation: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(sa.Integer)
    language: Mapped[str | None] = mapped_column(Text)
    software: Mapped[str | None] = mapped_column(Text)
    alpha: Mapped[float] = mapped_column(Double, server_default=sa.text("0.05"))
    model_rule: Mapped[str] = mapped_column(Text, server_default=sa.text("'fixed_if_homogeneous'"))
    model_rule_text: Mapped[str | None] = mapped_column(Text)
    bias_tool: Mapped[str | None] = mapped_column(Text)
    # Totals the publication printed; checked against the sum of arms, never used as data.
    reported_participants: Mapped[int | None] = mapped_column(sa.Integer)
    reported_participants_experimental: Mapped[int | None] = mapped_column(sa.Integer)
    reported_participants_control: Mapped[int | None] = mapped_column(sa.Integer)
    reported_participants_source: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at_column()
    # Screening per stage: single or dual; NULL (reviews made before 0008) means single.
    screening_title_abstract: Mapped[str | None] = mapped_column(Text)
    screening_full_text: Mapped[str | None] = mapped_column(Text)
    # Extraction (and risk-of-bias assessment): single or dual; NULL (reviews made before 0010) means single.
    extraction: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        sa.CheckConstraint("alpha > 0 AND alpha < 1", name="alpha_range"),
        sa.CheckConstraint(
            "reported_participants IS NULL OR reported_participants >= 0", name="reported_participants_nonneg"
        ),
        # On PostgreSQL only: DuckDB cannot add a column with a CHECK (migration 0008); the workflows check it.
        one_of("screening_title_abstract", SCREENING_MODES),
        one_of("screening_full_text", SCREENING_MODES),
        one_of("extraction", EXTRACTION_MODES),
    )


class ReviewUpdate(Base):
    """One round of searching: number 0 is the original review, 1.. its updates."""

    __tablename__ = "review_update"
    id: Mapped[int] = id_column("review_update")
    review_id: Mapped[int] = fk("review.id")
    number: Mapped[int] = mapped_column(sa.Integer)
    label: Mapped[str | None] = mapped_column(Text)
    searched_to: Mapped[dt.date | None] = mapped_column(sa.Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at_column()
    __table_args__ = (
        sa.UniqueConstraint("review_id", "number"),
        sa.CheckConstraint("number >= 0", name="number_nonneg"),
    )


class EligibilityCriterion(Base):
    __tablename__ = "eligibility_criterion"
    id: Mapped[int] = id_column("eligibility_criterion")
    review_id: Mapped[int] = fk("review.id")
    kind: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(sa.Integer)
    __table_args__ = (
        sa.UniqueConstraint("review_id", "position"),
        one_of("kind", ELIGIBILITY_KINDS),
    )


class ExclusionReason(Base):
    """One of the review's declared reasons for excluding a full text; a full-text exclusion names one."""

    __tablename__ = "exclusion_reason"
    id: Mapped[int] = id_column("exclusion_reason")
    review_id: Mapped[int] = fk("review.id")
    reason: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(sa.Integer)
    __table_args__ = (
        sa.UniqueConstraint("review_id", "reason"),
        sa.UniqueConstraint("review_id", "position"),
    )


class ProtocolEdit(Base):
    """Append-only history of a review's protocol: which field changed from what to what, who, when and why.

    A list (eligibility criteria, exclusion reasons) changes one item at a time: an added item has
    no old value, a removed one no new value.
    """

    __tablename__ = "protocol_edit"
    id: Mapped[int] = id_column("protocol_edit")
    review_id: Mapped[int] = fk("review.id")
    field: Mapped[str] = mapped_column(Text)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    edited_by: Mapped[str] = mapped_column(Text)
    why: Mapped[str | None] = mapped_column(Text)
    edited_at: Mapped[dt.datetime] = created_at_column()
    __table_args__ = (sa.CheckConstraint("old_value IS NOT NULL OR new_value IS NOT NULL", name="changes_something"),)


class SeedLoad(Base):
    """Which folder loaded which review update, and the hash of its content (to make reloads no-ops)."""

    __tablename__ = "seed_load"
    id: Mapped[int] = id_column("seed_load")
    review_update_id: Mapped[int] = fk("review_update.id")
    path: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)
    software_version: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[dt.datetime] = created_at_column()
