"""link-code tries counted per account under a keyed hash (link_attempts), installation keys

The old link_attempts rows pointed at identities (erased by ``forget``, which reset the count);
they are short-lived counters (one hour) and are dropped: each account starts with a clean count
once, at the upgrade.

Revision ID: 0005_limits
Revises: 0004_merge
Create Date: 2026-12-03 17:10:00
"""
from alembic import op
import sqlalchemy as sa

from core.db.types import UTCDateTime


revision = '0005_limits'
down_revision = '0004_merge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('link_attempts')
    op.create_table(
        'link_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('guesser', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('attempted_at', UTCDateTime(), nullable=False),
        sa.Column('blocked_until', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_link_attempts')),
        sa.UniqueConstraint('guesser', name=op.f('uq_link_attempts_guesser')),
    )
    with op.batch_alter_table('link_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_attempts_attempted_at'), ['attempted_at'], unique=False)
    op.create_table(
        'installation_keys',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=128), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_installation_keys')),
    )


def downgrade() -> None:
    op.drop_table('installation_keys')
    op.drop_table('link_attempts')
    op.create_table(
        'link_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('identity_id', sa.Integer(), nullable=False),
        sa.Column('attempted_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['identity_id'], ['identities.id'], name=op.f('fk_link_attempts_identity_id_identities'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_link_attempts')),
    )
    with op.batch_alter_table('link_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_attempts_identity_id'), ['identity_id'], unique=False)
