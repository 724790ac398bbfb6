"""The directory revision counter, and a process-local signal that the directory changed.

Search indexes compare the counter (one cheap SELECT) to know when to rebuild; the local
signal lets a search in the same process see an import at once instead of after its polling delay.
"""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.db.models import DirectoryRevision

REVISION_ID = 1
_local_changes = 0


async def bump_revision(session: AsyncSession) -> None:
    """Move the counter on, creating its single row when absent (same transaction as the change)."""
    result = await session.execute(
        update(DirectoryRevision)
        .where(DirectoryRevision.id == REVISION_ID)
        .values(revision=DirectoryRevision.revision + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        await session.execute(insert(DirectoryRevision).values(id=REVISION_ID, revision=1))


async def read_revision(connection: AsyncConnection | AsyncSession) -> int:
    value = await connection.scalar(select(DirectoryRevision.revision).where(DirectoryRevision.id == REVISION_ID))
    return int(value or 0)


def note_local_change() -> None:
    """Called after a committed change so in-process searches re-check the revision now."""
    global _local_changes
    _local_changes += 1


def local_changes() -> int:
    return _local_changes
