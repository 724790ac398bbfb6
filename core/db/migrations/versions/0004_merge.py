"""stored actions belong to the member whose request made them; deliveries indexed by kind

Revision ID: 0004_merge
Revises: 0004_audit
Create Date: 2026-12-03 16:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_merge'
down_revision = '0004_audit'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing stored actions keep working, owned by nobody (they cannot be told apart any more).
    with op.batch_alter_table('stored_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_stored_actions_member_id'), ['member_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stored_actions_member_id_members'), 'members', ['member_id'], ['id'],
                                    ondelete='CASCADE')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_kind_status', ['kind', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_kind_status')
    with op.batch_alter_table('stored_actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stored_actions_member_id_members'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stored_actions_member_id'))
        batch_op.drop_column('member_id')
