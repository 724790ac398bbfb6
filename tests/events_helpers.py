"""Shared set-up for the events tests: people with roles, events stored directly."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.audit import Actor
from core.db.engine import Database
from core.db.models import Delivery, Event, Identity, Member
from core.events.service import EventInput, create_event
from core.roles import find_or_create_member, grant_role


async def member_with(
    db: Database, user_id: str, *, language: str | None = None, country: str | None = None, zone: str | None = None,
    role: str | None = None, role_country: str | None = None, platform: str = "console",
) -> int:
    async with db.transaction() as session:
        member = await find_or_create_member(session, platform, user_id)
        member.language, member.country_code, member.timezone = language, country, zone
        if role:
            await grant_role(session, member.id, role, role_country, actor=Actor.command_line())
        return member.id


async def member_id_of(db: Database, user_id: str, platform: str = "console") -> int:
    async with db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.platform == platform, Identity.user_id == user_id))
        assert identity is not None
        return identity.member_id


async def make_event(
    db: Database, start: datetime, zone: str = "Europe/Paris", *, country: str | None = "FR", capacity: int | None = None,
    title: str = "Apéro des anciens", language: str = "fr", hours: int = 2, channel: str | None = None,
    texts: dict[str, dict[str, str]] | None = None,
) -> int:
    from datetime import timedelta

    async with db.transaction() as session:
        event, _valid = await create_event(
            session,
            EventInput(
                texts=texts or {language: {"title": title, "description": "Venez nombreux"}}, language=language,
                starts_local=start, ends_local=start + timedelta(hours=hours), timezone=zone, place="Café de Flore",
                country_code=country, channel_slug=channel, capacity=capacity,
            ),
            Actor.command_line(),
        )
        return event.id


async def deliveries(db: Database, kind: str | None = None, member_id: int | None = None) -> list[Delivery]:
    async with db.transaction() as session:
        statement = select(Delivery).order_by(Delivery.due_at, Delivery.id)
        if kind:
            statement = statement.where(Delivery.kind == kind)
        if member_id is not None:
            statement = statement.where(Delivery.member_id == member_id)
        return list(await session.scalars(statement))


async def load_event(db: Database, event_id: int) -> Event:
    async with db.transaction() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        return event


async def load_member(db: Database, member_id: int) -> Member:
    async with db.transaction() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        return member
