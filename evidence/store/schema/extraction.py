"""Data extraction in duplicate: the review's extraction form, every extractor's values, and the resolutions.

An extracted value is keyed by its sheet (vocabulary.EXTRACTION_SHEETS), study, arm label ('' for a
study-level value), outcome and time point ('' where none) and field, and belongs to one extractor.
Rows are only added: a re-import by the same extractor adds a newer row (the latest counts), so the
history of every value and every disagreement stays. What two extractors agree on, a resolver decides
(extraction_resolution), or a single extractor gives where the review extracts singly, is written to
the review's data tables, which feed the analysis views.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evidence.core.vocabulary import EXTRACTION_SHEETS
from evidence.store.schema.base import Base, Text, added_in, created_at_column, fk, id_column, one_of


class ExtractionFormOutcome(Base):
    """An outcome (at a time point) the review's extraction form asks for. The study and arm attributes
    it asks for are the review's declared attributes (attribute_definition)."""

    __tablename__ = "extraction_form_outcome"
    id: Mapped[int] = id_column("extraction_form_outcome")
    review_id: Mapped[int] = fk("review.id")
    outcome_id: Mapped[int] = fk("outcome.id", index=False)
    timepoint: Mapped[str] = mapped_column(Text, server_default=sa.text("''"))
    position: Mapped[int] = mapped_column(sa.Integer)
    review_update_id: Mapped[int | None] = added_in()
    __table_args__ = (sa.UniqueConstraint("review_id", "outcome_id", "timepoint"),)


class _ValueKey:
    """Which value: sheet, study, arm label, outcome, time point and field."""

    review_id: Mapped[int] = fk("review.id")
    study_id: Mapped[int] = fk("study.id", index=False)
    sheet: Mapped[str] = mapped_column(Text)
    arm: Mapped[str] = mapped_column(Text, server_default=sa.text("''"))
    outcome_id: Mapped[int | None] = fk("outcome.id", nullable=True, index=False)
    timepoint: Mapped[str] = mapped_column(Text, server_default=sa.text("''"))
    field: Mapped[str] = mapped_column(Text)
    # NULL: looked for and not found (the cell was left empty or said MISSING).
    value: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = created_at_column()
    # The update in which the study was found: extraction belongs to it, it makes no update of its own.
    review_update_id: Mapped[int | None] = added_in()


class ExtractedValue(_ValueKey, Base):
    """One extractor's value of one field, where it was read, and which file brought it."""

    __tablename__ = "extracted_value"
    id: Mapped[int] = id_column("extracted_value")
    extractor: Mapped[str] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(Text)
    source_quote: Mapped[str | None] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (one_of("sheet", EXTRACTION_SHEETS),)


class ExtractionResolution(_ValueKey, Base):
    """The agreed value of a field the extractors disagreed on (or only one gave), who decided and why."""

    __tablename__ = "extraction_resolution"
    id: Mapped[int] = id_column("extraction_resolution")
    resolved_by: Mapped[str] = mapped_column(Text)
    why: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (one_of("sheet", EXTRACTION_SHEETS),)
