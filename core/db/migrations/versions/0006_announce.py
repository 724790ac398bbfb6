"""announcements can be cancelled; announcement rows carry no sender name

Revision ID: 0006_announce
Revises: 0005_bind
Create Date: 2026-12-03 16:20:00

Adds ``announcements.cancelled_at`` and ``cancelled_by``. Outbox rows of announcements stop
carrying their rendered header (which named the sender): each row keeps the body of its
version and has the header rendered when it is sent, after the announcement and the sender's
rights are checked again. Existing rows are rewritten so; rows already sent lose their header.
"""
from alembic import op
import sqlalchemy as sa
import core.db.types


revision = '0006_announce'
down_revision = '0005_bind'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', core.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_announcements_cancelled_by_members'), 'members', ['cancelled_by'], ['id'], ondelete='SET NULL'
        )
    _rewrite(_without_header)


def _without_header(payload: dict) -> dict | None:
    """Old announcement rows held {"reply": {... "title": "Announcement from <name> ..."}}."""
    if not isinstance(payload.get('reply'), dict):
        return None
    body = {key: value for key, value in payload['reply'].items() if key != 'title'}
    return {'render': 'announcement', 'body': body, 'reader': None}


def _as_reply(payload: dict) -> dict | None:
    """Back to what 0003's code sends (without a header: the name is gone)."""
    if payload.get('render') != 'announcement' or not isinstance(payload.get('body'), dict):
        return None
    return {'reply': payload['body']}


def _rewrite(change) -> None:  # noqa: ANN001
    deliveries = sa.table(
        'deliveries', sa.column('id', sa.Integer), sa.column('kind', sa.String), sa.column('payload', sa.JSON)
    )
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(deliveries.c.id, deliveries.c.payload)
            .where(deliveries.c.kind == 'announcement', deliveries.c.id > last)
            .order_by(deliveries.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, payload in rows:
            changed = change(payload) if isinstance(payload, dict) else None
            if changed is not None:
                connection.execute(deliveries.update().where(deliveries.c.id == row_id).values(payload=changed))
        last = rows[-1][0]


def downgrade() -> None:
    _rewrite(_as_reply)
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_announcements_cancelled_by_members'), type_='foreignkey')
        batch_op.drop_column('cancelled_by')
        batch_op.drop_column('cancelled_at')
