"""channels may require a second approval of announcements

Revision ID: 0006_quota
Revises: 0006_announce
Create Date: 2026-12-03 17:25:00

Adds ``channels.approval`` ("none" | "required"). Existing channels get "none": their
announcements go out as before. An announcement waiting for approval has the status
"awaiting", which fits the existing column.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_quota'
down_revision = '0006_announce'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval', sa.String(length=10), nullable=False, server_default='none'))


def downgrade() -> None:
    # an announcement still waiting would never be planned by the older code: it is cancelled
    op.execute("UPDATE announcements SET status = 'cancelled' WHERE status = 'awaiting'")
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('approval')
