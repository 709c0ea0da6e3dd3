"""The review's protocol: screening mode per stage, full-text exclusion reasons, and the history of edits.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

- review.screening_title_abstract and review.screening_full_text: 'single' or 'dual'.
  Nullable, and NULL means single, so reviews made before this revision screen as they
  did. DuckDB can add a nullable column to a referenced table but not one with a CHECK
  (STACK.md): the CHECK is added on PostgreSQL only, and the workflows check the value on
  both. A downgrade on DuckDB leaves the columns in place (an upgrade after it skips them).
- exclusion_reason: the review's declared reasons for excluding a full text.
- protocol_edit: append-only history of protocol changes (field, old, new, who, when, why).

New tables may carry foreign keys on DuckDB too; the views read the new columns, and
evidence.store.database.upgrade creates them again at head.
"""

import sqlalchemy as sa
from alembic import op

from evidence.store.queries import drop_views

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MODES = ("screening_title_abstract", "screening_full_text")


def upgrade() -> None:
    bind = op.get_bind()
    drop_views(bind)  # evidence.store.database.upgrade creates them again at head
    present = {c["name"] for c in sa.inspect(bind).get_columns("review")}
    for column in MODES:
        if column in present:
            continue
        op.add_column("review", sa.Column(column, sa.Text(), nullable=True))
        if bind.dialect.name != "duckdb":
            op.create_check_constraint(op.f(f"ck_review_{column}_known"), "review", f"{column} IN ('single', 'dual')")
    op.execute(sa.schema.CreateSequence(sa.Sequence("exclusion_reason_id_seq")))
    op.create_table(
        "exclusion_reason",
        sa.Column("id", sa.Integer(), server_default=sa.text("nextval('exclusion_reason_id_seq')"), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"], name=op.f("fk_exclusion_reason_review_id_review")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusion_reason")),
        sa.UniqueConstraint("review_id", "reason", name=op.f("uq_exclusion_reason_review_id_reason")),
        sa.UniqueConstraint("review_id", "position", name=op.f("uq_exclusion_reason_review_id_position")),
    )
    op.create_index(op.f("ix_exclusion_reason_review_id"), "exclusion_reason", ["review_id"], unique=False)
    op.execute(sa.schema.CreateSequence(sa.Sequence("protocol_edit_id_seq")))
    op.create_table(
        "protocol_edit",
        sa.Column("id", sa.Integer(), server_default=sa.text("nextval('protocol_edit_id_seq')"), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("edited_by", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=True),
        sa.Column("edited_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.CheckConstraint("old_value IS NOT NULL OR new_value IS NOT NULL",
                           name=op.f("ck_protocol_edit_changes_something")),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"], name=op.f("fk_protocol_edit_review_id_review")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_edit")),
    )
    op.create_index(op.f("ix_protocol_edit_review_id"), "protocol_edit", ["review_id"], unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    drop_views(bind)
    for table in ("protocol_edit", "exclusion_reason"):
        op.drop_table(table)
        op.execute(sa.schema.DropSequence(sa.Sequence(f"{table}_id_seq")))
    if bind.dialect.name == "duckdb":
        return
    for column in MODES:
        op.drop_constraint(op.f(f"ck_review_{column}_known"), "review", type_="check")
        op.drop_column("review", column)
