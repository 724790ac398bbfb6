"""A whole first conversation through the real bolt AsyncApp (HTTP), the fake Slack Web API and the real core.

/alumni start -> language buttons -> press French (the question is replaced in place) -> the
country question answered "Tunisie" in the app's DM -> the associations button (a card with
a hostile name, escaped) -> the join button, which invites the member into the Slack channel
bound to the Tunisian channel -> /alumni leave tn removes them. Asserts on structure and
stored state, not on French words.
"""
from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from bots.slack import runner
from core.app import App
from core.audit import Actor
from core.config import Settings
from core.db.engine import Database
from core.db.models import Channel, ChannelBinding, Identity, Member, Membership
from core.directory.importer import import_rows
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, Call, FakeSlack, SlackSender

HOSTILE = "<!channel> Alumni & Tunis <@U999|boss> <https://evil.example|click>"
BOUND_CHANNEL = "C0TN"


@pytest.fixture
async def core(db: Database, database_url: str) -> AsyncIterator[App]:
    """The core on the shared test schema (created directly: migrations have their own test)."""
    app = App(settings=Settings(database_url=database_url), db=db)
    await import_rows(app.db, [(1, {"name": HOSTILE, "country": "TN", "city": "Tunis", "website": "https://aae.tn"})], actor=Actor.command_line())
    async with app.db.transaction() as session:
        channel = await session.scalar(select(Channel).where(Channel.slug == "tn"))
        session.add(ChannelBinding(status="approved", channel_id=channel.id, platform="slack", chat_id=BOUND_CHANNEL, title="alumni-tunisie"))
    yield app  # the db fixture disposes of the engine


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.channel(BOUND_CHANNEL, app_is_member=True)
        yield fake


def settings_for(slack: FakeSlack, core: App, **overrides: Any) -> Settings:
    values = dict(database_url=core.settings.database_url, slack_bot_token=BOT_TOKEN,
                  slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.base_url)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def app_url(slack: FakeSlack, core: App) -> AsyncIterator[str]:
    running = await runner.start(settings_for(slack, core), core.commands, SimpleNamespace(port=0, listen="127.0.0.1"))
    try:
        yield f"http://127.0.0.1:{running.port}{runner.EVENTS_PATH}"
    finally:
        await runner.stop(running)


@pytest.fixture
def sender(app_url: str, slack: FakeSlack) -> SlackSender:
    return SlackSender(app_url, slack)


async def exchange(slack: FakeSlack, act: Callable[[], Awaitable[Any]], *, timeout: float = 10.0) -> list[Call]:
    """Do one thing as Slack; the messages it caused, once the app has been quiet for a moment."""
    before = len(slack.sent())
    response = await act()
    assert response.status == 200
    await slack.wait_for(lambda: len(slack.sent()) > before, timeout)
    await slack.settle()
    return slack.sent()[before:]


def with_value(calls: list[Call], value: str) -> Call:
    for call in calls:
        if value in call.values():
            return call
    raise AssertionError(f"no choice {value!r} in {[c.values() for c in calls]}")


async def member_of(app: App, user_id: str) -> Member:
    async with app.db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.platform == "slack", Identity.user_id == user_id))
        assert identity is not None
        return await session.get(Member, identity.member_id)


async def test_first_conversation_in_french_with_buttons(slack: FakeSlack, core: App, sender: SlackSender) -> None:
    slack.user("U1001", "Amel", locale="fr-FR", tz="Africa/Tunis")

    # 1. /alumni start in the app's DM: the language question, French guessed from the Slack locale
    replies = await exchange(slack, lambda: sender.command("start"))
    question = with_value(replies, "language fr")
    assert {"language en", "language fr", "language ar"} <= set(question.values())
    guessed = question.element_with("language fr")  # buttons for a few catalogs, a menu for many: either way preselected
    assert guessed.get("style") == "primary" or guessed.get("initial_option", {}).get("value") == "language fr"
    assert all(c.method == "respond" and c.params["response_type"] == "in_channel" for c in replies)
    member = await member_of(core, "U1001")
    assert member.timezone == "Africa/Tunis"  # from the Slack profile, for a new member

    # 2. press Français: the question is replaced in place, then the country question comes
    replies = await exchange(slack, lambda: sender.press("language fr", question))
    assert replies[0].method == "respond" and replies[0].params["replace_original"] is True
    assert (await member_of(core, "U1001")).language == "fr"

    # 3. the country question answered in the app's DM
    replies = await exchange(slack, lambda: sender.dm("Tunisie"))
    assert all(c.method == "chat.postMessage" and c.params["channel"] == "D1001" for c in replies)
    member = await member_of(core, "U1001")
    assert (member.language, member.country_code, member.timezone) == ("fr", "TN", "Africa/Tunis")
    done = with_value(replies, "join tn")
    assert "associations" in done.values()

    # 4. the associations button: a card, every hostile piece escaped, nothing injected
    replies = await exchange(slack, lambda: sender.press("associations", done))
    shown = "\n".join(c.mrkdwn() for c in replies)
    assert "&lt;!channel&gt; Alumni &amp; Tunis &lt;@U999|boss&gt; &lt;https://evil.example|click&gt;" in shown
    for injected in ("<!channel>", "<@U999", "<https://evil"):
        assert injected not in shown

    # 5. the join button: membership stored, the member invited into the bound Slack channel
    replies = await exchange(slack, lambda: sender.press("join tn", done))
    (invite,) = slack.calls_to("conversations.invite")
    assert invite.params["channel"] == BOUND_CHANNEL and invite.params["users"] == "U1001"
    assert f"<#{BOUND_CHANNEL}>" in "\n".join(c.mrkdwn() for c in replies)
    async with core.db.transaction() as session:
        channel = await session.scalar(select(Channel).where(Channel.slug == "tn"))
        assert await session.get(Membership, (member.id, channel.id)) is not None
    assert "U1001" in slack.channels[BOUND_CHANNEL]["members"]

    # 6. /alumni leave tn takes the access back
    await exchange(slack, lambda: sender.command("leave tn"))
    (kick,) = slack.calls_to("conversations.kick")
    assert kick.params["channel"] == BOUND_CHANNEL and kick.params["user"] == "U1001"
    assert "U1001" not in slack.channels[BOUND_CHANNEL]["members"]


async def test_help_lists_every_command_in_the_members_language(slack: FakeSlack, core: App, sender: SlackSender) -> None:
    slack.user("U2002", "Jonas", locale="de-DE", tz="Europe/Berlin")
    replies = await exchange(slack, lambda: sender.command("help", user="U2002", channel="D2002"))
    shown = "\n".join(c.mrkdwn() for c in replies)
    for name, description in core.commands.command_descriptions("de"):
        assert f"/alumni {name}" in shown
        assert description.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in shown
    header = replies[0].blocks[0]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"


async def test_unknown_first_word_in_a_channel_gets_a_suggestion(slack: FakeSlack, core: App, sender: SlackSender) -> None:
    slack.user("U3003", "Zed", locale="en-US", tz="Europe/London")
    replies = await exchange(slack, lambda: sender.command("jion tn", user="U3003", channel="C0777"))
    assert "join" in with_value(replies, "join").values()


async def test_mention_in_a_channel_answers_and_private_data_is_ephemeral(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    slack.user("U4004", "Lena", locale="en-US", tz="Europe/Berlin")
    replies = await exchange(slack, lambda: sender.mention("help", user="U4004", channel="C0100"))
    assert replies[0].method == "chat.postMessage" and replies[0].params["channel"] == "C0100"

    # mydata in a channel: personal data, so ephemeral there and the file goes to the person's DM
    replies = await exchange(slack, lambda: sender.mention("mydata", user="U4004", channel="C0100"))
    assert replies and all(c.method == "chat.postEphemeral" and c.params["user"] == "U4004" for c in replies)
    (complete,) = slack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D4004"
    (upload,) = slack.calls_to("upload")
    exported = json.loads(slack.uploads[upload.params["file_id"]])  # the whole export, as a file
    assert exported["identities"][0]["user_id"] == "U4004"
    assert not any("U4004" in str(c.params.get("text", "")) and c.method == "chat.postMessage" for c in slack.sent())


async def test_personal_answers_in_a_dm_between_people_are_ephemeral(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    """/alumni in a DM with someone else (not the app's DM): a link code must not be shown to them."""
    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
    replies = await exchange(slack, lambda: sender.command("link", channel="D7777"))
    assert replies and all(c.params["response_type"] == "ephemeral" for c in replies)
    replies = await exchange(slack, lambda: sender.command("link"))  # in the app's own DM: a normal message
    assert all(c.params["response_type"] == "in_channel" for c in replies)


async def test_a_long_choice_list_is_a_select_menu_that_works(slack: FakeSlack, core: App, sender: SlackSender) -> None:
    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
    replies = await exchange(slack, lambda: sender.command("country"))
    region = next(v for c in replies for v in c.values() if v.startswith("country @"))
    replies = await exchange(slack, lambda: sender.press(region, with_value(replies, region)))
    menu = next(c for c in replies if any(e["type"] == "static_select" for e in c.elements()))
    choice = next(v for v in menu.values() if v.startswith("country ") and "@" not in v)
    await exchange(slack, lambda: sender.press(choice, menu))
    assert (await member_of(core, "U1001")).country_code == choice.split()[1].upper()
