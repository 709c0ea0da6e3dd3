"""The views: created by evidence.store.database.upgrade, not by this revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Views are derived objects read from the package's queries/*.sql, which always
match the newest schema. A revision in the middle of a chain cannot create
them (they may read columns a later revision adds), so `evidence.store.database.upgrade`
creates them afresh after the last revision, and revisions that change tables
only drop them. This revision keeps its place in the chain.
"""

from alembic import op

from evidence.store.queries import drop_views

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    drop_views(op.get_bind())
