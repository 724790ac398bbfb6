"""A whole first conversation through the real PTB Application, the fake Bot API and the real core.

/start -> language buttons -> press French -> (restart of the bot) -> country prompt answered
"Tunisie" -> the associations button -> the join button, which hands a single-use invite link
to the Tunisian group bound to the channel. Asserts on structure and stored state, not on
French words (the catalogs may not be translated yet).
"""
from __future__ import annotations

import asyncio
import html
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bots.telegram import runner
from bots.telegram.application import build_application
from bots.telegram.languages import telegram_languages
from core import bindings as core_bindings
from core.app import App, open_app
from core.audit import Actor
from core.config import Settings
from core.i18n import SUPPORTED_LANGUAGES
from core.db.models import Channel, ChannelBinding, Identity, Member, Membership
from core.directory.importer import import_rows
from tests.fakes.telegram_api import Call, FakeBotAPI

HOSTILE = "<b>Alumni</b> & Tunis <"
BOUND_GROUP = "-100555"


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await open_app(Settings(database_url=database_url), migrate=True)
    await import_rows(app.db, [(1, {"name": HOSTILE, "country": "TN", "city": "Tunis", "website": "https://aae.tn"})], actor=Actor.command_line())
    async with app.db.transaction() as session:
        channel = await session.scalar(select(Channel).where(Channel.slug == "tn"))
        session.add(ChannelBinding(status="approved", channel_id=channel.id, platform="telegram", chat_id=BOUND_GROUP, title="Alumni Tunisie"))
    try:
        yield app
    finally:
        await app.close()


async def start_bot(api: FakeBotAPI, app: App):
    application = build_application(api.token, app.commands, base_url=api.base_url)
    await runner.start(application, poll_timeout=1)
    return application


async def exchange(api: FakeBotAPI, push, *, quiet: float = 0.3, timeout: float = 10.0) -> list[Call]:
    """Push one update; the sends and edits it caused (once the bot has been quiet for ``quiet`` s)."""
    before = len(api.sent())
    push()
    await api.wait_for(lambda: len(api.sent()) > before, timeout)
    while True:
        count = len(api.sent())
        await asyncio.sleep(quiet)
        if len(api.sent()) == count:
            return api.sent()[before:]


def with_button(calls: list[Call], data: str) -> Call:
    for call in calls:
        if data in call.callback_data():
            return call
    raise AssertionError(f"no button {data!r} in {[c.callback_data() for c in calls]}")


def message_of(call: Call) -> dict:
    """The Telegram message a sendMessage/editMessageText produced, to press its buttons."""
    return call.result


async def member_of(app: App, user_id: str) -> Member:
    async with app.db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.platform == "telegram", Identity.user_id == user_id))
        return await session.get(Member, identity.member_id)


async def test_first_conversation_in_french_with_buttons_and_a_restart(api: FakeBotAPI, core: App) -> None:
    user = api.user(1001, "Amel", "fr")
    application = await start_bot(api, core)
    try:
        # 1. /start: a welcome, then the language question with one button per language, French guessed
        replies = await exchange(api, lambda: api.push_message("/start", user=user))
        question = with_button(replies, "language fr")
        assert {"language en", "language fr", "language ar"} <= set(question.callback_data())
        assert any(b["text"].startswith("✓") and b["callback_data"] == "language fr" for b in question.buttons)
        assert all(c.params["parse_mode"] == "HTML" for c in replies)

        # 2. press Français: the question is edited in place, then the country question comes
        replies = await exchange(api, lambda: api.push_callback("language fr", message_of(question), user=user))
        assert api.calls_to("answerCallbackQuery")
        assert replies[0].method == "editMessageText"
        assert replies[0].params["message_id"] == str(question.result["message_id"])
        assert (await member_of(core, "1001")).language == "fr"
    finally:
        await runner.stop(application)

    # 3. the bot restarts in the middle of the conversation: the country question is still pending
    application = await start_bot(api, core)
    try:
        replies = await exchange(api, lambda: api.push_message("Tunisie", user=user))
        member = await member_of(core, "1001")
        assert (member.language, member.country_code, member.timezone) == ("fr", "TN", "Africa/Tunis")
        done = with_button(replies, "join tn")
        assert "associations" in done.callback_data()

        # 4. the associations button: a card with the hostile name escaped, nothing injected
        replies = await exchange(api, lambda: api.push_callback("associations", message_of(done), user=user))
        texts = "\n".join(c.params["text"] for c in replies)
        assert html.escape(HOSTILE, quote=False) in texts
        assert HOSTILE not in texts

        # 5. the join button: membership stored, a single-use invite link to the bound group
        replies = await exchange(api, lambda: api.push_callback("join tn", message_of(done), user=user))
        (invite,) = api.calls_to("createChatInviteLink")
        assert invite.params["chat_id"] == BOUND_GROUP and invite.params["member_limit"] == "1"
        urls = [b.get("url") for c in replies for b in c.buttons]
        assert invite.result["invite_link"] in urls
        async with core.db.transaction() as session:
            channel = await session.scalar(select(Channel).where(Channel.slug == "tn"))
            assert await session.get(Membership, (member.id, channel.id)) is not None

        # 6. /leave tn takes the access back (removed from the group, may come back later)
        await exchange(api, lambda: api.push_message("/leave tn", user=user))
        (ban,) = api.calls_to("banChatMember")
        (unban,) = api.calls_to("unbanChatMember")
        assert ban.params["chat_id"] == unban.params["chat_id"] == BOUND_GROUP
        assert ban.params["user_id"] == "1001" and unban.params["only_if_banned"] == "true"

        # 7. back in, then /forget: out of the group until the invite not used yet has expired
        await exchange(api, lambda: api.push_message("/join tn", user=user))
        confirm = await exchange(api, lambda: api.push_message("/forget", user=user))
        carrier = next(c for c in confirm if any(d.startswith("forget yes-") for d in c.callback_data()))
        yes = next(d for d in carrier.callback_data() if d.startswith("forget yes-"))
        await exchange(api, lambda: api.push_callback(yes, message_of(carrier), user=user))
        _first, final = api.calls_to("banChatMember")
        assert final.params["chat_id"] == BOUND_GROUP and final.params["user_id"] == "1001"
        assert int(final.params["until_date"]) > time.time() + 23 * 3600
        assert len(api.calls_to("unbanChatMember")) == 1  # only the one of /leave
    finally:
        await runner.stop(application)


async def test_command_menu_in_every_language(api: FakeBotAPI, core: App) -> None:
    application = await start_bot(api, core)
    await runner.stop(application)
    menus = {c.params.get("language_code"): c.params["commands"] for c in api.calls_to("setMyCommands")}
    plan = dict(telegram_languages())  # Telegram's two-letter code of each catalog present ("zh" reads zh_Hans)
    assert set(menus) == set(plan) and len(plan) == len(SUPPORTED_LANGUAGES) + 1
    for code, commands in menus.items():
        expected = core.commands.command_descriptions(plan[code])
        assert [(c["command"], c["description"]) for c in commands] == expected
    names = [c["command"] for c in menus["fr"]]
    assert {"start", "help", "language", "country", "associations", "join", "leave", "mydata", "forget"} <= set(names)


async def test_new_user_is_greeted_in_their_telegram_language(api: FakeBotAPI, core: App) -> None:
    application = await start_bot(api, core)
    try:
        german = await exchange(api, lambda: api.push_message("/start", user=api.user(3003, "Jonas", "de")))
        assert with_button(german, "language de")
        selected = [b["callback_data"] for c in german for b in c.buttons if b["text"].startswith("✓")]
        assert selected == ["language de"]
    finally:
        await runner.stop(application)


async def test_blocked_user_is_marked_unreachable_in_the_core(api: FakeBotAPI, core: App) -> None:
    application = await start_bot(api, core)
    try:
        api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=4004)
        api.push_message("/help", user=api.user(4004, "Zed", "en"))
        await api.wait_calls("sendMessage", 1)
        await asyncio.sleep(0.3)
    finally:
        await runner.stop(application)
    async with core.db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.user_id == "4004"))
        assert identity.unreachable_since is not None


def _dump(api: FakeBotAPI) -> None:  # debugging aid: print what the bot said
    for call in api.calls:
        if call.method in ("sendMessage", "editMessageText"):
            print(call.method, repr(call.params["text"][:150]), call.callback_data(), [b.get("url") for b in call.buttons if "url" in b])


async def test_bind_asks_telegram_who_administers_the_group_and_the_core_decides(api: FakeBotAPI, core: App) -> None:
    group_id = -100777
    group = api.chat(group_id, "supergroup", "Alumni Santé")
    admin, bob = api.user(1001, "Amel", "en"), api.user(2002, "Bob", "en")

    async def bindings() -> list[tuple[str, str, str | None]]:
        async with core.db.transaction() as session:
            rows = await session.execute(
                select(ChannelBinding.chat_id, Channel.slug, ChannelBinding.title).join(Channel).where(ChannelBinding.chat_id == str(group_id))
            )
            return [tuple(r) for r in rows]

    application = await start_bot(api, core)
    try:
        # in private: told where to send it
        (reply,) = await exchange(api, lambda: api.push_message("/bind health", user=admin))
        assert "group" in reply.params["text"] and await bindings() == []
        # a plain member of the group: refused, nothing stored
        (reply,) = await exchange(api, lambda: api.push_message("/bind@alumni_test_bot health", user=bob, chat=group))
        assert "administrator" in reply.params["text"] and await bindings() == []
        # an administrator, but the bot is not one: says so clearly
        api.set_admin(group_id, 1001)
        (reply,) = await exchange(api, lambda: api.push_message("/bind@alumni_test_bot health", user=admin, chat=group))
        assert "I am not an administrator of this group" in reply.params["text"] and await bindings() == []
        # both administrators: bound, with the group's title
        api.set_admin(group_id, api.bot["id"], is_bot=True)
        (reply,) = await exchange(api, lambda: api.push_message("/bind@alumni_test_bot health", user=admin, chat=group))
        assert await bindings() == [(str(group_id), "health", "Alumni Santé")]
        assert "approves" in reply.params["text"]  # Amel administers the group, not the network: pending
        checked = {(c.params["chat_id"], c.params["user_id"]) for c in api.calls_to("getChatMember")}
        assert (str(group_id), str(api.bot["id"])) in checked and (str(group_id), "1001") in checked
        # until an approver says yes, joining hands out nothing (tests/test_telegram_bind_approval.py: the buttons)
        await exchange(api, lambda: api.push_message("/join health", user=bob))
        assert api.calls_to("createChatInviteLink") == []
        async with core.db.transaction() as session:
            binding, channel = (await core_bindings.listing(session))[0]
            await core_bindings.approve(session, Actor.command_line(), binding, channel)
        # a member joining the channel in private now gets a single-use link to that group
        await exchange(api, lambda: api.push_message("/leave health", user=bob))
        await exchange(api, lambda: api.push_message("/join health", user=bob))
        (invite,) = api.calls_to("createChatInviteLink")
        assert invite.params["chat_id"] == str(group_id) and invite.params["member_limit"] == "1"
        # unbind: gone
        await exchange(api, lambda: api.push_message("/unbind@alumni_test_bot", user=admin, chat=group))
        assert await bindings() == []
    finally:
        await runner.stop(application)
