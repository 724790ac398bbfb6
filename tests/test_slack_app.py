"""The Slack app's edges, through the real bolt AsyncApp over HTTP and the fake Slack Web API:
request signatures, mention injection, binding a channel, the App Home tab, and start-up errors."""
from __future__ import annotations

import json
import time
from types import SimpleNamespace

import aiohttp
from sqlalchemy import func, select

from bots.slack import runner
from core.app import App
from core.db.models import ChannelBinding, Identity, Membership
from tests.events_helpers import member_with
from tests.fakes.slack_api import APP_TOKEN, SIGNING_SECRET, FakeSlack, SlackSender, signature
from tests.test_slack_conversation import app_url, core, exchange, sender, settings_for, slack, with_value  # noqa: F401

INJECTIONS = ("<!channel>", "<!here>", "<!everyone>", "<@U999>", "<https://evil")


async def identities(core: App) -> int:
    async with core.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Identity)) or 0)


# ---------------------------------------------------------------- signatures


async def test_forged_and_stale_signatures_are_refused_and_change_nothing(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    slack.user("U1001")
    forged = await sender.command("start", forge=True)
    stale = await sender.command("start", age=10 * 60)  # bolt accepts five minutes of clock skew
    forged_event = await sender.event(
        {"type": "message", "channel_type": "im", "channel": "D1001", "user": "U1001", "text": "start"}, forge=True)
    assert (forged.status, stale.status, forged_event.status) == (401, 401, 401)
    await slack.settle()
    assert slack.sent() == [] and slack.calls_to("users.info") == []
    assert await identities(core) == 0

    # the same request, correctly signed, goes through
    assert (await sender.command("start")).status == 200
    await slack.wait_for(lambda: bool(slack.sent()))
    assert await identities(core) == 1


async def test_a_signed_request_replayed_within_five_minutes_is_refused(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    """bolt accepts a timestamp up to five minutes old: the same signed bytes sent again in that
    window (a captured slash command) are refused by the replay guard and run nothing."""
    from urllib.parse import urlencode

    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
    body = urlencode(sender.command_form("join tn")).encode()
    timestamp = str(int(time.time()) - 60)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": signature(SIGNING_SECRET, timestamp, body)}
    statuses = []
    async with aiohttp.ClientSession() as session:
        for extra in ({}, {}, {"X-Slack-Retry-Num": "1"}):  # the retry header is not signed: no way around
            async with session.post(sender.url, data=body, headers={**headers, **extra}) as response:
                statuses.append(response.status)
    assert statuses == [200, 401, 401]
    await slack.wait_for(lambda: bool(slack.sent()))
    await slack.settle()
    assert len(slack.calls_to("conversations.invite")) <= 1 and len(slack.sent()) == 1
    async with core.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Membership)) == 1
    # a new request (new timestamp, new signature) still goes through
    assert (await sender.command("leave tn")).status == 200


def test_replay_guard_memory_is_bounded_and_forgets_after_the_window() -> None:
    from bots.slack.replay import ReplayGuard

    now = [0.0]
    guard = ReplayGuard(window=360, limit=3, clock=lambda: now[0])
    assert all(guard.first_time(s) for s in ("a", "b", "c"))
    assert not guard.first_time("a")
    assert guard.first_time("d") and len(guard._seen) == 3  # the oldest went first
    now[0] = 1000.0  # past the window: bolt refuses such old timestamps itself
    assert guard.first_time("b") and len(guard._seen) == 1


async def test_slash_commands_and_presses_are_acknowledged_before_the_work(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    """Slack gives an app 3 s to answer the HTTP request: the listeners ack first, then work."""
    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
    slack.delays["users.info"] = 1.5  # a slow Slack: the answer needs more time than the ack may take
    started = time.monotonic()
    response = await sender.command("help")
    assert response.status == 200 and time.monotonic() - started < 1.0
    assert slack.sent() == []
    await slack.wait_for(lambda: bool(slack.sent()))


async def test_url_verification_challenge_is_answered(app_url: str, slack: FakeSlack) -> None:
    """What Slack sends when an admin saves the Event Subscriptions URL."""
    body = json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"}).encode()
    async with aiohttp.ClientSession() as session:
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": signature(SIGNING_SECRET, timestamp, body)}
        async with session.post(app_url, data=body, headers=headers) as response:
            assert response.status == 200 and (await response.json())["challenge"] == "c-123"


# ---------------------------------------------------------------- injection


async def test_typed_text_cannot_mention_anyone(slack: FakeSlack, core: App, sender: SlackSender) -> None:
    slack.user("U1001", locale="en-US")
    replies = await exchange(slack, lambda: sender.command("<!channel> <@U999> <!here|here> @everyone", channel="C0100"))
    shown = "\n".join(c.mrkdwn() for c in replies)
    assert shown and not any(i in shown for i in INJECTIONS)
    assert "&lt;!channel&gt;" in shown
    for call in replies:
        for block in call.blocks:
            text = block.get("text")
            if isinstance(text, dict) and text.get("type") == "mrkdwn":
                assert text["verbatim"] is True  # no automatic parsing of @here or #channel


async def test_hostile_display_name_in_a_data_export_shown_inline(slack: FakeSlack, core: App, sender: SlackSender) -> None:
    """The upload fails, so the JSON export is shown as a code block: the name stays inert text."""
    user = slack.user("U1001", locale="en-US")
    user["profile"]["display_name"] = "<!everyone> <@U999> & <https://evil.example|x>"
    slack.fail("files.getUploadURLExternal", "not_allowed_token_type")
    replies = await exchange(slack, lambda: sender.command("mydata"))
    shown = "\n".join(c.mrkdwn() for c in replies)
    assert "&lt;!everyone&gt; &lt;@U999&gt; &amp; &lt;https://evil.example|x&gt;" in shown
    assert not any(i in shown for i in INJECTIONS)
    assert "```" in shown


# ---------------------------------------------------------------- binding a channel


async def test_bind_by_a_workspace_admin_then_join_invites_the_member(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    slack.user("U0ADM", "Admin", locale="en-US", admin=True)
    slack.user("U0NOT", "Member", locale="en-US")
    slack.channel("C0DE", app_is_member=False)

    # in a DM: refused, nothing stored
    replies = await exchange(slack, lambda: sender.command("bind de", user="U0ADM", channel="D0ADM"))
    assert "Send this command in the group or channel" in replies[0].mrkdwn()
    # not an admin: refused
    replies = await exchange(slack, lambda: sender.command("bind de", user="U0NOT", channel="C0DE"))
    assert "Only an administrator" in replies[0].mrkdwn()
    # the app is not in the channel: refused with what to do
    replies = await exchange(slack, lambda: sender.command("bind de", user="U0ADM", channel="C0DE"))
    assert "/invite" in replies[0].mrkdwn()
    async with core.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ChannelBinding)) == 1  # the fixture's only

    slack.channels["C0DE"]["is_member"] = True
    replies = await exchange(slack, lambda: sender.command("bind de", user="U0ADM", channel="C0DE"))
    assert "approves it" in replies[0].mrkdwn()  # a workspace admin is not an approver of the network: pending
    async with core.db.transaction() as session:
        binding = await session.scalar(select(ChannelBinding).where(ChannelBinding.chat_id == "C0DE"))
        assert binding is not None and binding.platform == "slack" and binding.title == "#c0de"
        assert binding.status == "pending"

    # until approved, joining invites nobody; the member cannot approve it; Germany's ambassador can
    await exchange(slack, lambda: sender.command("join de", user="U0NOT", channel="D0NOT"))
    assert not [c for c in slack.calls_to("conversations.invite") if c.params["channel"] == "C0DE"]
    replies = await exchange(slack, lambda: sender.command(f"binding approve {binding.id}", user="U0NOT", channel="D0NOT"))
    assert "ambassador" in replies[0].mrkdwn()
    slack.user("U0AMB", "Ambassador", locale="en-US")
    await member_with(core.db, "U0AMB", platform="slack", role="ambassador", role_country="DE")
    replies = await exchange(slack, lambda: sender.command(f"binding approve {binding.id}", user="U0AMB", channel="D0AMB"))
    assert "Approved" in replies[0].mrkdwn()
    await exchange(slack, lambda: sender.command("leave de", user="U0NOT", channel="D0NOT"))
    await exchange(slack, lambda: sender.command("join de", user="U0NOT", channel="D0NOT"))
    invites = [c for c in slack.calls_to("conversations.invite") if c.params["channel"] == "C0DE"]
    assert [c.params["users"] for c in invites] == ["U0NOT"]


async def test_join_where_the_app_cannot_invite_says_so(slack: FakeSlack, core: App, sender: SlackSender) -> None:
    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
    slack.channels["C0TN"]["is_member"] = False  # the app was removed from the bound channel
    replies = await exchange(slack, lambda: sender.command("join tn"))
    assert slack.calls_to("conversations.invite")
    context = [b for c in replies for b in c.blocks if b["type"] == "context"]
    assert context and "<#C0TN>" in context[-1]["elements"][0]["text"]
    async with core.db.transaction() as session:  # the core membership is kept: access is the adapter's part
        assert await session.scalar(select(func.count()).select_from(Membership)) == 1


# ---------------------------------------------------------------- App Home


async def test_app_home_shows_the_members_world_and_follows_changes(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    slack.user("U1001", locale="fr-FR", tz="Africa/Tunis")
    assert (await sender.home_opened()).status == 200
    await slack.wait_for(lambda: bool(slack.calls_to("views.publish")))
    (first,) = slack.calls_to("views.publish")
    view = first.params["view"] if isinstance(first.params["view"], dict) else json.loads(first.params["view"])
    assert first.params["user_id"] == "U1001" and view["type"] == "home"
    assert "start" in first.values()  # a newcomer: a Start button

    # a press on the Home tab answers in the person's DM
    replies = await exchange(slack, lambda: sender.press_home("start", first))
    assert all(c.method == "chat.postMessage" and c.params["channel"] == "D1001" for c in replies)
    question = with_value(replies, "language fr")
    await exchange(slack, lambda: sender.press("language fr", question, channel="D1001"))
    await exchange(slack, lambda: sender.dm("Tunisie"))
    await exchange(slack, lambda: sender.command("join tn"))
    await slack.settle()

    latest = slack.calls_to("views.publish")[-1]
    assert len(slack.calls_to("views.publish")) > 1  # re-published when what it shows changed
    text = latest.mrkdwn()
    assert "Tunisie" in text and "Africa/Tunis" in text and "Français" in text
    assert {"language", "country", "timezone", "channels"} <= set(latest.values())


# ---------------------------------------------------------------- start-up


async def test_rejected_token_is_one_line_and_a_non_zero_exit(slack: FakeSlack, core: App, capsys, tmp_path) -> None:
    # run() opens (and on SQLite migrates) its own database, as `alumni run slack` does
    settings = settings_for(slack, core, slack_bot_token="xoxb-wrong", database_url=f"sqlite:///{tmp_path / 'run.db'}")
    code = await runner.run(settings, SimpleNamespace(port=0, listen="127.0.0.1"))
    err = capsys.readouterr().err.strip()
    assert code == 1 and err == "alumni: error: Slack rejected SLACK_BOT_TOKEN (invalid_auth)"
    assert "xoxb" not in err


async def test_missing_or_malformed_secret_is_refused_before_anything(slack: FakeSlack, core: App, capsys) -> None:
    assert await runner.run(settings_for(slack, core, slack_signing_secret=None)) == 2
    assert capsys.readouterr().err.startswith("alumni: error: SLACK_SIGNING_SECRET is not set")
    assert await runner.run(settings_for(slack, core, slack_signing_secret="not a secret")) == 2
    assert "32 hexadecimal" in capsys.readouterr().err
    assert await runner.run(settings_for(slack, core, slack_bot_token=None)) == 2
    assert slack.calls == []


def test_signing_secret_fixture_looks_like_a_real_one() -> None:
    assert runner._SIGNING_SECRET.match(SIGNING_SECRET)


# ---------------------------------------------------------------- redeliveries


async def test_an_event_delivered_twice_is_answered_once(slack: FakeSlack, core: App, sender: SlackSender) -> None:
    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
    assert (await sender.dm("join tn", event_id="Ev42")).status == 200
    assert (await sender.dm("join tn", event_id="Ev42")).status == 200  # Slack's retry of the same event
    await slack.wait_for(lambda: bool(slack.sent()))
    await slack.settle()
    assert len(slack.calls_to("conversations.invite")) == 1
    assert len(slack.calls_to("chat.postMessage")) == 1
    await exchange(slack, lambda: sender.dm("leave tn", event_id="Ev43"))  # a new event is handled
    assert len(slack.calls_to("conversations.kick")) == 1


# ---------------------------------------------------------------- Socket Mode


async def test_socket_mode_serves_the_slash_command_without_http(slack: FakeSlack, core: App) -> None:
    slack.user("U1001", locale="fr-FR", tz="Africa/Tunis")
    settings = settings_for(slack, core, slack_app_token=APP_TOKEN, slack_signing_secret=None)
    running = await runner.start(settings, core.commands)
    try:
        assert running.runner is None and running.socket is not None  # no HTTP server in Socket Mode
        form = SlackSender("unused", slack).command_form("help")
        envelope = await slack.push_envelope("slash_commands", form)
        await slack.wait_for(lambda: envelope in slack.acks and bool(slack.calls_to("respond")))
        (answer,) = slack.calls_to("respond")
        assert "/alumni help" in answer.mrkdwn()
        (opened,) = slack.calls_to("apps.connections.open")
    finally:
        await runner.stop(running)


async def test_socket_mode_with_a_bad_app_token_is_one_line(slack: FakeSlack, core: App, capsys, tmp_path) -> None:
    settings = settings_for(slack, core, slack_app_token="xapp-wrong", slack_signing_secret=None,
                            database_url=f"sqlite:///{tmp_path / 'run.db'}")
    assert await runner.run(settings) == 1
    assert capsys.readouterr().err.startswith("alumni: error: Slack rejected SLACK_APP_TOKEN (invalid_auth)")


async def test_cli_run_slack_with_a_rejected_token(slack: FakeSlack, tmp_path) -> None:
    """``alumni run slack`` as an administrator runs it: one line on stderr, exit 1, no traceback."""
    import asyncio
    import os
    import sys

    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": slack.base_url, "ALUMNI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("SLACK_APP_TOKEN", None)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bots.cli", "run", "slack", "--port", "0",
                                                   env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    lines = err.decode().strip().splitlines()
    assert process.returncode == 1
    assert lines == ["alumni: error: Slack rejected SLACK_BOT_TOKEN (invalid_auth)"]
    assert "xoxb-revoked" not in err.decode() + out.decode() and SIGNING_SECRET not in err.decode() + out.decode()
