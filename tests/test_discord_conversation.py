"""A whole first conversation through the real discord.py client, the fake Discord and the real core.

/start in a DM -> language buttons -> press Français -> (the bot restarts) -> the region button
of the message sent before the restart still works -> the country typed in the DM -> the
associations button (embeds, hostile name made inert) -> the join button, which gives the role
of the bound Discord channel -> /leave takes it back. Asserts on structure and stored state.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select

from bots.discord import runner
from bots.discord.client import AlumniBot
from core.app import App, open_app
from core.audit import Actor
from core.config import Settings
from core.db.models import Channel, ChannelBinding, Identity, Member, Membership
from core.directory.importer import import_rows
from tests.discord_fixtures import fake  # noqa: F401 - fixtures
from tests.events_helpers import member_with
from tests.fakes.discord_api import MANAGE_ROLES, Call, FakeDiscord

HOSTILE = "@everyone <@&123456789012345678> **Alumni** <@42> Tunis"
USER_ID = 424242424242424242
SENT = r"^/(interactions/\d+/[^/]+/callback|webhooks/\d+/[^/]+(/messages/@original)?|channels/\d+/messages)$"


@pytest.fixture
async def core(database_url: str, fake: FakeDiscord) -> AsyncIterator[tuple[App, int]]:
    app = await open_app(Settings(database_url=database_url), migrate=True)
    await import_rows(app.db, [(1, {"name": HOSTILE, "country": "TN", "city": "Tunis", "website": "https://aae.tn"})], actor=Actor.command_line())
    role_id = fake.add_role("Tunisia", position=2)
    async with app.db.transaction() as session:
        channel = await session.scalar(select(Channel).where(Channel.slug == "tn"))
        session.add(ChannelBinding(status="approved", channel_id=channel.id, platform="discord", chat_id=str(fake.text_channel_id),
                                   title="#tunisia", data={"guild_id": str(fake.guild_id), "role_id": str(role_id)}))
    try:
        yield app, role_id
    finally:
        await app.close()


@asynccontextmanager
async def bot(fake: FakeDiscord, app: App) -> AsyncIterator[AlumniBot]:
    client = AlumniBot(app.commands, guild_ready_timeout=0.05)
    connection = await runner.start(client, fake.token)
    try:
        await runner.wait_ready(client, connection, timeout=5)
        yield client
    finally:
        await client.close()
        connection.cancel()


def sent(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.calls if c.method in ("POST", "PATCH") and __import__("re").match(SENT, c.path)]


async def exchange(fake: FakeDiscord, push: Callable[[], Awaitable[Any]], *, quiet: float = 0.25, timeout: float = 10.0) -> list[Call]:
    """Push one event; the messages it caused (once the bot has been quiet for ``quiet`` s)."""
    before = len(sent(fake))
    await push()
    deadline = asyncio.get_running_loop().time() + timeout
    while len(sent(fake)) == before:
        assert asyncio.get_running_loop().time() < deadline, "the bot did not answer"
        await asyncio.sleep(0.02)
    while True:
        count = len(sent(fake))
        await asyncio.sleep(quiet)
        if len(sent(fake)) == count:
            return sent(fake)[before:]


def with_button(message: dict[str, Any], custom_id: str) -> dict[str, Any]:
    """The message with one more button (the approvers' notice, or a forged copy of it)."""
    button = {"type": 2, "style": 1, "label": "Approve", "custom_id": custom_id}
    return {**message, "components": [*message["components"], {"type": 1, "components": [button]}]}


def with_action(calls: list[Call], action: str) -> tuple[Call, str]:
    for call in calls:
        for custom_id in call.custom_ids():
            if custom_id.split(":", 1)[-1] == action:
                return call, custom_id
    raise AssertionError(f"no button {action!r} in {[c.custom_ids() for c in calls]}")


async def member_of(app: App) -> Member:
    async with app.db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.platform == "discord", Identity.user_id == str(USER_ID)))
        assert identity is not None
        return await session.get(Member, identity.member_id)


async def test_first_conversation(fake: FakeDiscord, core: tuple[App, int]) -> None:
    app, role_id = core
    user = fake.user(USER_ID, "amel", "Amel")
    fake.member_roles[USER_ID] = set()  # Amel is in the server
    async with bot(fake, app):
        calls = await exchange(fake, lambda: fake.slash("start", user=user, locale="fr"))
        assert calls[0].path.endswith("/callback") and calls[0].json["type"] == 4
        language_call, custom_id = with_action(calls, "language fr")
        # the locale guessed French: its button is the selected (green) one
        french = next(c for c in language_call.components() if c.get("custom_id") == custom_id)
        assert french["style"] == 3

        calls = await exchange(fake, lambda: fake.press(fake.message_of(language_call), custom_id, user=user))
        assert (await member_of(app)).language == "fr"
        region_call, region_id = with_action(calls, "country @002")

    async with bot(fake, app):  # a restart: the buttons sent before it still work
        calls = await exchange(fake, lambda: fake.press(fake.message_of(region_call), region_id, user=user))
        selects = [c for call in calls for c in call.components() if c["type"] == 3]
        assert selects and any(o["value"].startswith("country ") for o in selects[0]["options"])

        dm = {"id": str(fake.snowflake()), "channel_id": str(USER_ID + 5), "author": user, "content": "Tunisie",
              "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None, "tts": False,
              "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
              "pinned": False, "type": 0, "flags": 0, "components": []}
        calls = await exchange(fake, lambda: fake.dispatch("MESSAGE_CREATE", dm))
        assert calls[0].path == f"/channels/{USER_ID + 5}/messages"
        assert calls[0].json["allowed_mentions"] == {"parse": []} or calls[0].json["allowed_mentions"]["parse"] == []
        assert (await member_of(app)).country_code == "TN"
        all_set, associations_id = with_action(calls, "associations")
        _same, join_id = with_action(calls, "join tn")

        calls = await exchange(fake, lambda: fake.press(fake.message_of(all_set), associations_id, user=user))
        embeds = [e for c in calls for e in c.data.get("embeds") or []]
        # the website is shown once, as a field (no title link repeating it)
        assert embeds and "url" not in embeds[0]
        assert [f["value"] for f in embeds[0]["fields"]].count("https://aae.tn") == 1
        title = embeds[0]["title"]
        assert "@everyone" not in title and "<@&" not in title and "<@42>" not in title and "**" not in title
        assert "Tunis" in title

        calls = await exchange(fake, lambda: fake.press(fake.message_of(all_set), join_id, user=user))
        assert fake.member_roles[USER_ID] == {role_id}
        assert fake.find("PUT", rf"/guilds/{fake.guild_id}/members/{USER_ID}/roles/{role_id}$")

        calls = await exchange(fake, lambda: fake.slash("leave", {"channel": "tn"}, user=user))
        assert fake.member_roles[USER_ID] == set()
        assert fake.find("DELETE", rf"/guilds/{fake.guild_id}/members/{USER_ID}/roles/{role_id}$")

    async with app.db.transaction() as session:
        joined = await session.scalar(select(Membership).where(Membership.member_id == (await member_of(app)).id))
    assert joined is None


async def test_admin_binds_a_role_then_joining_gives_it(fake: FakeDiscord, core: tuple[App, int]) -> None:
    app, _role = core
    role_id = fake.add_role("Health", position=3)
    role = {"id": str(role_id), "name": "Health", "position": 3, "color": 0, "hoist": False, "managed": False,
            "mentionable": False, "permissions": "0"}
    admin, member = fake.user(11, "admin", "Admin"), fake.user(USER_ID, "amel", "Amel")
    fake.member_roles[USER_ID] = set()
    async with bot(fake, app):
        calls = await exchange(fake, lambda: fake.slash("bind", {"channel": "health", "role": role}, user=admin,
                                                        in_guild=True, permissions=MANAGE_ROLES))
        assert calls[0].json["type"] == 4
        async with app.db.transaction() as session:
            binding = await session.scalar(select(ChannelBinding).join(Channel).where(Channel.slug == "health"))
            assert binding is not None and binding.platform == "discord"
            assert binding.chat_id == str(fake.text_channel_id)
            assert binding.data == {"guild_id": str(fake.guild_id), "role_id": str(role_id),
                                    "mirror_to": f"events:{fake.guild_id}"}  # the bot may manage events
            assert binding.status == "pending"  # a server manager is not an approver of the network
        assert "approves" in calls[-1].text() or "approuv" in calls[-1].text()
        # until approved, joining gives no role, and a forged Approve button changes nothing
        await exchange(fake, lambda: fake.slash("join", {"channel": "health"}, user=member))
        assert fake.member_roles[USER_ID] == set()
        approve = f"al0:binding approve {binding.id}"
        (help_reply, *_rest) = await exchange(fake, lambda: fake.slash("help", user=member))
        calls = await exchange(fake, lambda: fake.press(with_button(fake.message_of(help_reply, USER_ID + 5), approve),
                                                        approve, user=member))
        assert "administrat" in calls[-1].text()
        # an administrator of the network approves with the button (pressed on a message of theirs)
        root = fake.user(12, "root", "Root")
        await member_with(app.db, "12", platform="discord", language="fr", role="administrator")
        (help_reply, *_rest) = await exchange(fake, lambda: fake.slash("help", user=root))
        await exchange(fake, lambda: fake.press(with_button(fake.message_of(help_reply, 12 + 5), approve), approve, user=root))
        async with app.db.transaction() as session:
            assert (await session.get(ChannelBinding, binding.id)).status == "approved"
        await exchange(fake, lambda: fake.slash("leave", {"channel": "health"}, user=member))
        await exchange(fake, lambda: fake.slash("join", {"channel": "health"}, user=member))
    assert fake.member_roles[USER_ID] == {role_id}
