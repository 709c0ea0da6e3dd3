"""Studies (trials), their reports, their arms, the characteristics a review declares, and corrections of printed values."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evidence.core.vocabulary import ARM_ROLES, ATTRIBUTE_KINDS, ATTRIBUTE_LEVELS, REPORT_KINDS, STUDY_STATUSES
from evidence.store.schema.base import Base, Text, added_in, created_at_column, fk, id_column, one_of


class Study(Base):
    __tablename__ = "study"
    id: Mapped[int] = id_column("study")
    review_id: Mapped[int] = fk("review.id")
    label: Mapped[str] = mapped_column(Text)
    registry_id: Mapped[str | None] = mapped_column(Text)
    first_author: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(sa.Integer)
    design: Mapped[str | None] = mapped_column(Text)
    setting: Mapped[str | None] = mapped_column(Text)
    # The status when the study was added; a later change is a correction of field "status".
    status: Mapped[str] = mapped_column(Text, server_default=sa.text("'included'"))
    source: Mapped[str | None] = mapped_column(Text)
    review_update_id: Mapped[int | None] = added_in()
    # A further comparison of a multi-arm study (RevMan's second row of one study in an
    # outcome): pooled as its own unit, counted as part of its parent everywhere else.
    parent_study_id: Mapped[int | None] = mapped_column(sa.ForeignKey("study.id"), nullable=True)
    __table_args__ = (sa.UniqueConstraint("review_id", "label"), one_of("status", STUDY_STATUSES))


class StudyAttribute(Base):
    """A characteristic of a study that analyses can split by (a subgroup variable)."""

    __tablename__ = "study_attribute"
    id: Mapped[int] = id_column("study_attribute")
    study_id: Mapped[int] = fk("study.id")
    name: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (sa.UniqueConstraint("study_id", "name"),)


class Report(Base):
    """A publication or other source document of a study; a study has many."""

    __tablename__ = "report"
    id: Mapped[int] = id_column("report")
    study_id: Mapped[int] = fk("study.id")
    # The screened record this report came from, when it came through screening.
    record_id: Mapped[int | None] = fk("record.id", nullable=True)
    label: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    citation: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(sa.Integer)
    doi: Mapped[str | None] = mapped_column(Text)
    pmid: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    review_update_id: Mapped[int | None] = added_in()
    __table_args__ = (sa.UniqueConstraint("study_id", "label"), one_of("kind", REPORT_KINDS))


class Arm(Base):
    """An arm of a study, as many as the trial has: its own name (label), its role in comparisons,
    and its size. Its other characteristics are the review's declared arm attributes (arm_attribute);
    corrections live beside it in `correction`."""

    __tablename__ = "arm"
    id: Mapped[int] = id_column("arm")
    study_id: Mapped[int] = fk("study.id")
    # The trial's own name for the arm ("Isa-Pd", "10 mg"); the role says how analyses use it.
    label: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    regimen: Mapped[str | None] = mapped_column(Text)
    regimen_text: Mapped[str | None] = mapped_column(Text)
    randomised_n: Mapped[int | None] = mapped_column(sa.Integer)
    safety_n: Mapped[int | None] = mapped_column(sa.Integer)
    source: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        sa.UniqueConstraint("study_id", "label"),
        one_of("role", ARM_ROLES),
        sa.CheckConstraint("(randomised_n IS NULL OR randomised_n >= 0) AND (safety_n IS NULL OR safety_n >= 0)",
                           name="counts_nonneg"),
    )


class AttributeDefinition(Base):
    """A characteristic a review extracts, declared once: of a study or of an arm, its kind and unit.

    The core tables hold no topic's columns: age, sex, disease stage, prior lines of therapy are
    what one review declares here, and their values live in study_attribute and arm_attribute.
    """

    __tablename__ = "attribute_definition"
    id: Mapped[int] = id_column("attribute_definition")
    review_id: Mapped[int] = fk("review.id")
    level: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)
    review_update_id: Mapped[int | None] = added_in()
    __table_args__ = (
        sa.UniqueConstraint("review_id", "level", "name"),
        one_of("level", ATTRIBUTE_LEVELS),
        one_of("kind", ATTRIBUTE_KINDS),
    )


class ArmAttribute(Base):
    """The value of one declared arm attribute for one arm, as the source printed it (text; its
    definition's kind says how to read it). A later change is a correction of the arm's field `name`."""

    __tablename__ = "arm_attribute"
    id: Mapped[int] = id_column("arm_attribute")
    arm_id: Mapped[int] = fk("arm.id")
    name: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    review_update_id: Mapped[int | None] = added_in()
    __table_args__ = (sa.UniqueConstraint("arm_id", "name"),)


CORRECTABLE_TABLES = ("arm", "study", "dichotomous_data", "contrast_estimate")


class Correction(Base):
    """A value found wrong or changed: the original stays in its row, every correction lives here.

    table_name is one of CORRECTABLE_TABLES; `printed` is the value the correction
    replaces (the original, or the previous correction's value), `corrected` the
    new one. The *_current views apply the latest correction of each field.
    """

    __tablename__ = "correction"
    id: Mapped[int] = id_column("correction")
    review_id: Mapped[int] = fk("review.id")
    table_name: Mapped[str] = mapped_column(Text)
    row_id: Mapped[int] = mapped_column(sa.Integer)
    field: Mapped[str] = mapped_column(Text)
    printed: Mapped[str | None] = mapped_column(Text)
    corrected: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = created_at_column()
    review_update_id: Mapped[int | None] = added_in()
    # A field may be corrected again later (a living review): the latest correction counts.
    __table_args__ = (sa.Index("ix_correction_target", "table_name", "row_id", "field"),)
