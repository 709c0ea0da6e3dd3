"""The views: analysis inputs, outcome overview, PRISMA flow, latest results.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Views are read from the package's queries/*.sql. A later migration that changes
a table a view reads drops the views first and creates them again at its end.
"""

from alembic import op

from evidence.queries import create_views, drop_views

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_views(op.get_bind())


def downgrade() -> None:
    drop_views(op.get_bind())
