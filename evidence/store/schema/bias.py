"""Risk-of-bias judgements (RoB 1 domains; RoB 2 fits the same table)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evidence.core.vocabulary import JUDGEMENTS
from evidence.store.schema.base import Base, Text, fk, id_column, one_of


class BiasJudgement(Base):
    __tablename__ = "bias_judgement"
    id: Mapped[int] = id_column("bias_judgement")
    study_id: Mapped[int] = fk("study.id")
    tool: Mapped[str] = mapped_column(Text, server_default=sa.text("'RoB 1'"))
    domain: Mapped[str] = mapped_column(Text)
    judgement: Mapped[str] = mapped_column(Text)
    support: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    # NULL: the judgement holds for the whole study; else for one outcome.
    outcome_id: Mapped[int | None] = fk("outcome.id", nullable=True)
    __table_args__ = (
        sa.UniqueConstraint("study_id", "tool", "domain", "outcome_id"),
        one_of("judgement", JUDGEMENTS),
    )
