"""A Slack profile's locale and time zone reach the core (``Sender.locale`` / ``Sender.timezone``),
and the core keeps the zone for a new member only, and only when it is a real IANA zone."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bots.slack.handlers import parse_line, sender_of, without_mentions
from bots.slack.profiles import profile_from
from core.commands.service import CommandService
from core.messages.types import Chat, ChatKind, Request, Sender
from core.db.engine import Database
from core.db.models import Identity, Member

DM = Chat("D1", ChatKind.PRIVATE)


async def member(db: Database, user_id: str) -> Member:
    async with db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.user_id == user_id))
        return await session.get(Member, identity.member_id)


@pytest.mark.parametrize(("zone", "kept"), [("America/Sao_Paulo", "America/Sao_Paulo"), ("UTC+2", None),
                                            ("Not/AZone", None), ("", None), (None, None)])
async def test_new_member_takes_a_valid_platform_zone(db: Database, zone: str | None, kept: str | None) -> None:
    service = CommandService(db)
    await service.handle(Request(Sender("slack", "U1", "Ana", "pt-BR", zone), DM, command="help"))
    assert (await member(db, "U1")).timezone == kept


async def test_an_existing_members_zone_is_never_overwritten(db: Database) -> None:
    service = CommandService(db)
    await service.handle(Request(Sender("slack", "U1", "Ana", "pt-BR", "America/Sao_Paulo"), DM, command="help"))
    await service.handle(Request(Sender("slack", "U1", "Ana", "pt-BR", "Asia/Tokyo"), DM, command="timezone",
                                 args="Europe/Lisbon"))
    await service.handle(Request(Sender("slack", "U1", "Ana", "pt-BR", "Asia/Tokyo"), DM, command="help"))
    assert (await member(db, "U1")).timezone == "Europe/Lisbon"


def test_profile_from_users_info() -> None:
    profile = profile_from({"id": "U1", "name": "ana", "is_owner": True, "locale": "pt-BR", "tz": "America/Sao_Paulo",
                            "profile": {"display_name": "", "real_name": "Ana Souza"}})
    assert (profile.display_name, profile.locale, profile.timezone, profile.is_admin) == (
        "Ana Souza", "pt-BR", "America/Sao_Paulo", True)
    sender = sender_of(profile)
    assert (sender.platform, sender.locale, sender.timezone) == ("slack", "pt-BR", "America/Sao_Paulo")


def test_parsing_what_people_type() -> None:
    assert parse_line("join tn") == ("join", "tn", None)
    assert parse_line("/Join  Tunisie ") == ("join", "Tunisie", None)
    assert parse_line("Tunisie") == (None, "", "Tunisie")
    assert parse_line("  ") == (None, "", None)
    assert without_mentions("<@UBOT> join <@U2|bob> tn") == "join tn"
