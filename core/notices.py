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
from core.i18n import DEFAULT_LANGUAGE
from core.i18n.region import regional_locale, use_locale


async def readers(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """member id -> (language, country of residence): what a notice is written in, dates and numbers included."""
    rows = await session.execute(
        select(Member.id, Member.language, Member.country_code).where(Member.id.in_(list(member_ids))))
    return {member_id: (language or DEFAULT_LANGUAGE, country) for member_id, language, country in rows}


async def notify(
    session: AsyncSession, member_ids: Sequence[int], key: Callable[[int], str], render: Callable[[str], Reply]
) -> int:
    """Queue ``render(language)`` to each member (``key(member_id)`` names the row). Returns rows written.

    ``render`` runs inside ``use_locale(language, country)``: its ``_()`` texts come out in that language,
    its dates and numbers as written in the reader's country."""
    identities = await push_identities(session, list(member_ids))
    if not identities:
        return 0
    spoken = await readers(session, list(identities))
    rendered: dict[str, dict[str, Any]] = {}
    rows = []
    for member_id, identity in identities.items():
        language, country = spoken.get(member_id, (DEFAULT_LANGUAGE, None))
        locale = regional_locale(language, country)
        if locale not in rendered:
            with use_locale(language, country):
                rendered[locale] = reply_to_json(render(language))
        rows.append({
            "key": key(member_id), "kind": "notice", "platform": identity.platform, "target": identity.user_id,
            "member_id": member_id, "identity_id": identity.id, "payload": {"reply": rendered[locale]},
        })
    return await enqueue_many(session, rows)
