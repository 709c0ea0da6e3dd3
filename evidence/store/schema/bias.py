"""Risk-of-bias judgements as the review holds them (RoB 1 domains, RoB 2 domains and overall per result).

What each assessor answered is in extracted_value (sheet risk_of_bias) with the other extracted values;
a row here is the agreed (or single assessor's) judgement, with the RoB 2 algorithm's proposal beside it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evidence.core.vocabulary import BIAS_DIRECTIONS, JUDGEMENTS
from evidence.store.schema.base import Base, Text, added_in, fk, id_column, one_of


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
    # RoB 2: the algorithm's judgement from the signalling answers; where the final differs, the reason.
    proposed: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    direction: Mapped[str | None] = mapped_column(Text)
    review_update_id: Mapped[int | None] = added_in()
    __table_args__ = (
        sa.UniqueConstraint("study_id", "tool", "domain", "outcome_id"),
        one_of("judgement", JUDGEMENTS),
        # On PostgreSQL only: DuckDB cannot add a column with a CHECK (migration 0010); the workflows check them.
        sa.CheckConstraint("proposed IS NULL OR " + one_of("proposed", JUDGEMENTS).sqltext.text, name="proposed_known"),
        sa.CheckConstraint("direction IS NULL OR " + one_of("direction", BIAS_DIRECTIONS).sqltext.text,
                           name="direction_known"),
        sa.CheckConstraint("proposed IS NULL OR proposed = judgement OR override_reason IS NOT NULL",
                           name="override_has_reason"),
    )
