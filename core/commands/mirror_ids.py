"""The platform's own id of each event mirror (a Discord scheduled event), kept by the core.

An adapter that mirrors events into its platform's calendar reads the id of a mirror before
editing it and stores the id it was given after creating it; each call is one short
transaction of its own (``core.events.mirror`` keeps the ids in the bindings' data).
"""
from __future__ import annotations

from core.db.engine import Database
from core.events.mirror import MIRROR_KEY, recall, remember

__all__ = ["MIRROR_KEY", "MirrorIds"]  # MIRROR_KEY: the binding data key that asks for a chat's mirror


class MirrorIds:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def recall(self, platform: str, address: str, uid: str) -> str | None:
        """The platform's id of the mirror of the event ``uid`` at ``address``, if one was made."""
        async with self.db.transaction() as session:
            return await recall(session, platform, address, uid)

    async def remember(self, platform: str, address: str, uid: str, external_id: str | None) -> None:
        """Store the platform's id of a mirror, or forget it (``None``) once the mirror is deleted."""
        async with self.db.transaction() as session:
            await remember(session, platform, address, uid, external_id)
