"""Which chat identity a member is reached on, so a member with linked accounts hears things once."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Identity

# A person is reached where they can be pushed to; the console only shows pushes to
# someone sitting at it, so it comes last.
PLATFORM_PREFERENCE = {"telegram": 0, "slack": 0, "discord": 0, "console": 1}


def choose_identity(identities: Iterable[Identity]) -> Identity | None:
    """The reachable identity to push to: a chat platform before the console, then the most recent."""
    reachable = [i for i in identities if i.unreachable_since is None]
    if not reachable:
        return None
    return min(reachable, key=lambda i: (PLATFORM_PREFERENCE.get(i.platform, 0), -i.id))


async def push_identities(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, Identity]:
    """member id -> the identity to push to, for members that have a reachable one."""
    ids = list(set(member_ids))
    by_member: dict[int, list[Identity]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = await session.scalars(select(Identity).where(Identity.member_id.in_(chunk)))
        for identity in rows:
            by_member.setdefault(identity.member_id, []).append(identity)
    chosen: dict[int, Identity] = {}
    for member_id, identities in by_member.items():
        identity = choose_identity(identities)
        if identity is not None:
            chosen[member_id] = identity
    return chosen
