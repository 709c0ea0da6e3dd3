"""An analysis's totals option (RevMan 5): totals and subtotals, subtotals only, or no totals.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

A nullable column (NULL: totals and subtotals, the default). DuckDB can add it to a
referenced table but not drop it: a downgrade there leaves it in place.
"""

import sqlalchemy as sa
from alembic import op

from evidence.store.queries import drop_views

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_views(op.get_bind())  # evidence.store.database.upgrade creates them again at head
    if "totals" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("analysis")}:
        op.add_column("analysis", sa.Column("totals", sa.Text(), nullable=True))


def downgrade() -> None:
    drop_views(op.get_bind())
    if op.get_bind().dialect.name != "duckdb":
        op.drop_column("analysis", "totals")
