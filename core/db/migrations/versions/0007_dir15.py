"""associations carry their name, city and description in other languages

Revision ID: 0007_dir15
Revises: 0006_quota
Create Date: 2026-12-03 20:10:00

Adds ``associations.translations`` (JSON: language -> {"name", "city", "description"}), filled by
the import keys ``name_<lang>``, ``city_<lang>`` and ``description_<lang>``. Existing rows get {}:
they are shown as before, in their one language.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_dir15'
down_revision = '0006_quota'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.drop_column('translations')
