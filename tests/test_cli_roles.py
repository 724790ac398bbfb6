"""core.roles: the role service behind ``alumni roles`` (and the chat layer's permission checks)."""
from __future__ import annotations

import pytest

from core import roles
from core.audit import Actor
from core.db.engine import Database
from core.members import get_or_create_identity


async def test_find_or_create_member_is_idempotent_and_shared_with_chat(db: Database) -> None:
    async with db.transaction() as session:
        first = await roles.find_or_create_member(session, "telegram", 42)
        again = await roles.find_or_create_member(session, "Telegram", " 42 ")
        assert first.id == again.id
        other = await roles.find_or_create_member(session, "console", "42")
        assert other.id != first.id
    async with db.transaction() as session:  # the person then talks to the bot: same member
        _identity, member, created = await get_or_create_identity(session, "telegram", "42")
        assert member.id == first.id and not created
        assert (await roles.find_member(session, "telegram", "43")) is None


async def test_grant_check_revoke(db: Database) -> None:
    async with db.transaction() as session:
        member = await roles.find_or_create_member(session, "slack", "U123")
        assert await roles.grant_role(session, member.id, "ambassador", "tn", actor=Actor.command_line()) is True
        assert await roles.grant_role(session, member.id, "ambassador", "TN", actor=Actor.command_line()) is False
        assert await roles.grant_role(session, member.id, "ambassador", "de", actor=Actor.command_line()) is True

    async with db.transaction() as session:
        assert await roles.has_role(session, member.id, "ambassador")
        assert await roles.has_role(session, member.id, "ambassador", "tn")
        assert not await roles.has_role(session, member.id, "ambassador", "BR")
        assert not await roles.has_role(session, member.id, "administrator")
        assert await roles.is_ambassador_for(session, member.id, "TN")
        assert not await roles.is_ambassador_for(session, member.id, "")
        assert await roles.ambassador_countries(session, member.id) == ["DE", "TN"]
        assert await roles.member_roles(session, member.id) == [("ambassador", "DE"), ("ambassador", "TN")]

        admin = await roles.find_or_create_member(session, "console", "root")
        assert await roles.grant_role(session, admin.id, "administrator", actor=Actor.command_line()) is True
        assert await roles.is_administrator(session, admin.id)
        assert await roles.has_role(session, admin.id, "administrator", "TN")  # country is irrelevant
        assert not await roles.is_ambassador_for(session, admin.id, "TN")
        assert await roles.may_act_for_country(session, admin.id, "TN")
        assert await roles.may_act_for_country(session, member.id, "TN")
        assert not await roles.may_act_for_country(session, member.id, "FR")

    async with db.transaction() as session:
        entries = await roles.list_roles(session)
        assert [(e.role, e.country_code) for e in entries] == [
            ("administrator", ""),
            ("ambassador", "DE"),
            ("ambassador", "TN"),
        ]
        assert entries[1].identities == (("slack", "U123"),)
        assert [e.member_id for e in await roles.list_roles(session, country="tn")] == [member.id]
        assert await roles.revoke_role(session, member.id, "ambassador", "TN", actor=Actor.command_line()) == 1
        assert await roles.revoke_role(session, member.id, "ambassador", "TN", actor=Actor.command_line()) == 0
        assert await roles.revoke_role(session, member.id, "ambassador", actor=Actor.command_line()) == 1  # every remaining country
        assert not await roles.has_role(session, member.id, "ambassador")


@pytest.mark.parametrize(
    "role, country, platform, user_id",
    [
        ("king", None, "telegram", "1"),
        ("ambassador", None, "telegram", "1"),
        ("ambassador", "XX", "telegram", "1"),
        ("ambassador", "TUN", "telegram", "1"),
        ("administrator", "TN", "telegram", "1"),
        ("administrator", None, "myspace", "1"),
        ("administrator", None, "telegram", ""),
        ("administrator", None, "telegram", "x" * 101),
    ],
)
async def test_invalid_input_raises_role_error(db: Database, role, country, platform, user_id) -> None:
    async with db.transaction() as session:
        with pytest.raises(roles.RoleError) as caught:
            member = await roles.find_or_create_member(session, platform, user_id)
            await roles.grant_role(session, member.id, role, country, actor=Actor.command_line())
        assert caught.value.message  # a catalog msgid the caller translates
        assert str(caught.value)
