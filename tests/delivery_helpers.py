"""Shared set-up for the delivery tests: members with Telegram identities and outbox rows."""
from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from core.messages.types import Reply
from core.db.engine import Database
from core.db.models import Delivery, Identity, Member
from core.delivery.outbox import enqueue_many
from core.delivery.payload import reply_to_json

FIRST_USER = 500_000
_next_user = itertools.count(FIRST_USER)


async def add_members(db: Database, count: int, platform: str = "telegram", language: str = "en") -> list[Identity]:
    """``count`` members, each with one identity (user ids from FIRST_USER up, never twice in a run)."""
    async with db.transaction() as session:
        members = [Member(language=language) for _ in range(count)]
        session.add_all(members)
        await session.flush()
        identities = [
            Identity(member_id=m.id, platform=platform, user_id=str(next(_next_user))) for m in members
        ]
        session.add_all(identities)
        await session.flush()
        return identities


def row(identity: Identity, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "key": f"test:{text}:{identity.platform}:{identity.user_id}",
        "kind": "notice",
        "platform": identity.platform,
        "target": identity.user_id,
        "member_id": identity.member_id,
        "identity_id": identity.id,
        "payload": {"reply": reply_to_json(Reply(text=text))},
        **extra,
    }


async def enqueue(db: Database, rows: list[dict[str, Any]]) -> None:
    async with db.transaction() as session:
        await enqueue_many(session, rows)


async def statuses(db: Database) -> dict[str, str]:
    """key -> status of every row."""
    async with db.sessions() as session:
        return {key: status for key, status in (await session.execute(select(Delivery.key, Delivery.status))).all()}


async def rows_by_key(db: Database) -> dict[str, Delivery]:
    async with db.sessions() as session:
        return {d.key: d for d in (await session.scalars(select(Delivery))).all()}


async def identity(db: Database, user_id: str, platform: str = "telegram") -> Identity:
    async with db.sessions() as session:
        return (await session.scalars(
            select(Identity).where(Identity.platform == platform, Identity.user_id == user_id))).one()


@asynccontextmanager
async def telegram_bot(base_url: str, token: str) -> AsyncIterator[Bot]:
    """The real PTB Bot, with a connection pool large enough for concurrent sends."""
    bot = Bot(token, base_url=base_url, request=HTTPXRequest(connection_pool_size=16))
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


def texts(calls: list[Any]) -> list[str]:
    return [str(c.params.get("text")) for c in calls]


def moment(value: datetime) -> float:
    return value.timestamp()
