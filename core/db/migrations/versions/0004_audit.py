"""the audit trail of privileged actions (audit_entries)

Revision ID: 0004_audit
Revises: 0004_parts
Create Date: 2026-12-03 16:40:00
"""
from alembic import op
import sqlalchemy as sa

from core.db.types import UTCDateTime


revision = '0004_audit'
down_revision = '0004_parts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('actor_member_id', sa.Integer(), nullable=True),
        sa.Column('actor_user_id', sa.String(length=100), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('object_kind', sa.String(length=40), nullable=True),
        sa.Column('object_id', sa.String(length=100), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_member_id'), ['actor_member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_member_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_at'))
    op.drop_table('audit_entries')
