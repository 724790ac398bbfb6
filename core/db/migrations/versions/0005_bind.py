"""channel bindings wait for approval (status, requested_by, approved_at, approved_by)

Revision ID: 0005_bind
Revises: 0005_limits
Create Date: 2026-12-03 16:45:00

Bindings made before this revision were trusted as they were: they are marked approved
(at their creation time, by nobody recorded), so they keep working after the upgrade.
New rows start pending.
"""
from alembic import op
import sqlalchemy as sa

from core.db.types import UTCDateTime


revision = '0005_bind'
down_revision = '0005_limits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_bindings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('requested_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_channel_bindings_requested_by_members'), 'members', ['requested_by'], ['id'], ondelete='SET NULL'
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_channel_bindings_approved_by_members'), 'members', ['approved_by'], ['id'], ondelete='SET NULL'
        )
    bindings = sa.table('channel_bindings', sa.column('status', sa.String()), sa.column('approved_at', UTCDateTime()),
                        sa.column('created_at', UTCDateTime()))
    op.execute(bindings.update().values(status='approved', approved_at=bindings.c.created_at))


def downgrade() -> None:
    with op.batch_alter_table('channel_bindings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_channel_bindings_approved_by_members'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_channel_bindings_requested_by_members'), type_='foreignkey')
        batch_op.drop_column('approved_by')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('requested_by')
        batch_op.drop_column('status')
