"""Generic inverse-variance estimates on a difference scale: the generic_estimate table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

RevMan's generic inverse-variance outcomes of a mean difference, standardised mean
difference, risk difference or an unnamed measure: each study's effect and standard
error as entered (ratios are contrast estimates already). A new table may carry
foreign keys on DuckDB too (only ALTER TABLE cannot add them, STACK.md); the
analysis_input view reads it, and evidence.store.database.upgrade creates the views at head.
"""

import sqlalchemy as sa
from alembic import op

from evidence.store.queries import drop_views

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_views(op.get_bind())  # evidence.store.database.upgrade creates them again at head
    op.execute(sa.schema.CreateSequence(sa.Sequence("generic_estimate_id_seq")))
    op.create_table(
        "generic_estimate",
        sa.Column("id", sa.Integer(), server_default=sa.text("nextval('generic_estimate_id_seq')"), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("estimate", sa.Double(), nullable=True),
        sa.Column("se", sa.Double(), nullable=True),
        sa.Column("variant", sa.Text(), server_default=sa.text("'primary'"), nullable=False),
        sa.Column("population", sa.Text(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("source_ref", sa.Text(), nullable=True),
        sa.Column("source_quote", sa.Text(), nullable=True),
        sa.Column("review_update_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("measure IN ('MD', 'SMD', 'RD', 'GENERIC')", name=op.f("ck_generic_estimate_measure_known")),
        sa.CheckConstraint("se IS NULL OR se > 0", name=op.f("ck_generic_estimate_se_positive")),
        sa.CheckConstraint("(estimate IS NULL) = (se IS NULL)", name=op.f("ck_generic_estimate_se_with_estimate")),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcome.id"], name=op.f("fk_generic_estimate_outcome_id_outcome")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_generic_estimate_report_id_report")),
        sa.ForeignKeyConstraint(["review_update_id"], ["review_update.id"],
                                name=op.f("fk_generic_estimate_review_update_id_review_update")),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_generic_estimate_study_id_study")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generic_estimate")),
        sa.UniqueConstraint("outcome_id", "study_id", "variant", name=op.f("uq_generic_estimate_outcome_id_study_id_variant")),
    )
    for column in ("outcome_id", "report_id", "study_id"):
        op.create_index(op.f(f"ix_generic_estimate_{column}"), "generic_estimate", [column], unique=False)


def downgrade() -> None:
    drop_views(op.get_bind())
    op.drop_table("generic_estimate")
    op.execute(sa.schema.DropSequence(sa.Sequence("generic_estimate_id_seq")))
