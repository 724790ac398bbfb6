"""workers, job runs and directory contact persons

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:40:04.128876
"""
from alembic import op
import sqlalchemy as sa
import core.db.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing associations get empty contact fields and no consent (server defaults).
    op.create_table('job_runs',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('worker_id', sa.String(length=64), nullable=False),
    sa.Column('started_at', core.db.types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', core.db.types.UTCDateTime(), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs'))
    )
    op.create_table('workers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=100), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('platforms', sa.JSON(), nullable=False),
    sa.Column('started_at', core.db.types.UTCDateTime(), nullable=False),
    sa.Column('seen_at', core.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workers'))
    )
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workers_seen_at'), ['seen_at'], unique=False)

    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=320), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=50), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_consent', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.drop_column('contact_consent')
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('contact_name')

    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workers_seen_at'))

    op.drop_table('workers')
    op.drop_table('job_runs')
