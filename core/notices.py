"""Notices to members through the outbox, each in its reader's language.

Shared by the requests that wait for an approver (a chat binding, an announcement on a channel
that requires a second approval): one push per member, on the identity they are pushed to,
rendered once per language. The outbox key is the caller's, so writing a notice again is harmless.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages.types import Reply
from core.db.models import Member
from core.delivery.outbox import enqueue_many
from core.delivery.payload import reply_to_json
from core.delivery.recipients import push_identities
from core.i18n import DEFAULT_LANGUAGE, use_language


async def languages(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, str]:
    rows = await session.execute(select(Member.id, Member.language).where(Member.id.in_(list(member_ids))))
    return {member_id: language or DEFAULT_LANGUAGE for member_id, language in rows}


async def notify(
    session: AsyncSession, member_ids: Sequence[int], key: Callable[[int], str], render: Callable[[str], Reply]
) -> int:
    """Queue ``render(language)`` to each member (``key(member_id)`` names the row). Returns rows written.

    ``render`` runs inside ``use_language(language)``: its ``_()`` texts come out in that language."""
    identities = await push_identities(session, list(member_ids))
    if not identities:
        return 0
    spoken = await languages(session, list(identities))
    rendered: dict[str, dict[str, Any]] = {}
    rows = []
    for member_id, identity in identities.items():
        language = spoken.get(member_id, DEFAULT_LANGUAGE)
        if language not in rendered:
            with use_language(language):
                rendered[language] = reply_to_json(render(language))
        rows.append({
            "key": key(member_id), "kind": "notice", "platform": identity.platform, "target": identity.user_id,
            "member_id": member_id, "identity_id": identity.id, "payload": {"reply": rendered[language]},
        })
    return await enqueue_many(session, rows)
