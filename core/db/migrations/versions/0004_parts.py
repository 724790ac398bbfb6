"""per-part progress of long pushes (deliveries.parts_sent)

Revision ID: 0004_parts
Revises: 0003
Create Date: 2026-12-03 16:30:00

Rows already in the outbox get 0: nothing of them is recorded as out, as before.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_parts'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parts_sent', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('parts_sent')
