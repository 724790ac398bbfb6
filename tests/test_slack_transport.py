"""SlackTransport against the fake Web API: where pushes go, and how Slack's failures are reported
to the core's delivery engine (which alone decides about retries)."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bots.slack.transport import SlackTransport
from core.messages.types import Card, FileAttachment, Reply
from core.delivery.transport import PermanentError, RetryAfter, Target, TransientError, Unreachable
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def transport(slack: FakeSlack) -> AsyncIterator[SlackTransport]:
    transport = SlackTransport(BOT_TOKEN, base_url=slack.base_url)
    yield transport
    await transport.close()


NEWS = Reply(text="Picnic on Sunday <!channel>", title="News", cards=[Card("Club & co")])


async def test_a_person_is_written_to_in_their_dm_and_a_channel_directly(slack: FakeSlack, transport: SlackTransport) -> None:
    await transport.send(Target("slack", "U1001"), NEWS)
    await transport.send(Target("slack", "U1001"), NEWS)
    await transport.send(Target("slack", "C0TN", to_chat=True), NEWS)
    assert len(slack.calls_to("conversations.open")) == 1  # the DM is opened once
    posts = slack.calls_to("chat.postMessage")
    assert [p.params["channel"] for p in posts] == ["D1001", "D1001", "C0TN"]
    assert "&lt;!channel&gt;" in posts[0].mrkdwn() and "<!channel>" not in posts[0].mrkdwn()
    assert transport.platform == "slack"


async def test_429_is_retry_after_with_slacks_delay_and_no_retry_of_its_own(
    slack: FakeSlack, transport: SlackTransport
) -> None:
    slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await transport.send(Target("slack", "C0TN", to_chat=True), NEWS)
    assert caught.value.seconds == 7
    assert len(slack.calls_to("chat.postMessage")) == 1  # slack_sdk did not retry behind the engine's back
    await transport.send(Target("slack", "C0TN", to_chat=True), NEWS)  # the engine's retry goes through
    assert len(slack.calls_to("chat.postMessage")) == 2


@pytest.mark.parametrize(
    ("method", "error", "target", "expected"),
    [
        ("conversations.open", "user_not_found", Target("slack", "U9"), Unreachable),
        ("chat.postMessage", "account_inactive", Target("slack", "U9"), Unreachable),
        ("chat.postMessage", "channel_not_found", Target("slack", "C9", to_chat=True), PermanentError),
        ("chat.postMessage", "is_archived", Target("slack", "C9", to_chat=True), PermanentError),
        ("chat.postMessage", "not_in_channel", Target("slack", "C9", to_chat=True), PermanentError),
        ("chat.postMessage", "invalid_blocks", Target("slack", "C9", to_chat=True), PermanentError),
    ],
)
async def test_gone_people_and_channels(slack: FakeSlack, transport: SlackTransport, method: str, error: str,
                                        target: Target, expected: type) -> None:
    slack.fail(method, error)
    with pytest.raises(expected) as caught:
        await transport.send(target, NEWS)
    assert not isinstance(caught.value, Unreachable) or expected is Unreachable
    assert error in str(caught.value)


async def test_server_errors_and_network_errors_are_transient(slack: FakeSlack, transport: SlackTransport) -> None:
    slack.fail("chat.postMessage", "internal_error", status=503)
    with pytest.raises(TransientError):
        await transport.send(Target("slack", "C0TN", to_chat=True), NEWS)
    await slack.stop()
    with pytest.raises(TransientError):
        await transport.send(Target("slack", "C0TN", to_chat=True), NEWS)


async def test_a_file_is_uploaded_or_shown_inline(slack: FakeSlack, transport: SlackTransport) -> None:
    reply = Reply(text="Your data", file=FileAttachment("data.json", b'{"a": "<!here>"}'))
    await transport.send(Target("slack", "U1001"), reply)
    assert slack.calls_to("upload") and slack.calls_to("files.completeUploadExternal")[0].params["channel_id"] == "D1001"
    slack.fail("files.getUploadURLExternal", "not_allowed_token_type")
    await transport.send(Target("slack", "U1001"), reply)
    inline = slack.calls_to("chat.postMessage")[-2]
    assert "```" in inline.mrkdwn() and "&lt;!here&gt;" in inline.mrkdwn()


async def test_answers_beyond_five_per_response_url_go_through_the_web_api(slack: FakeSlack) -> None:
    """Slack takes five messages per response_url; a longer answer continues with chat.postMessage."""
    from slack_sdk.web.async_client import AsyncWebClient

    from bots.slack.handlers import Origin, Responder
    from core.messages.types import Chat, ChatKind, Request, Sender

    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.base_url)
    origin = Origin(channel_id="C0100", user_id="U1", kind=ChatKind.GROUP, response_url=slack.response_url())
    request = Request(Sender("slack", "U1"), Chat("C0100", ChatKind.GROUP), command="help")
    await Responder(client, origin, request).send_all([Reply(text=f"part {i}") for i in range(7)])
    assert [c.method for c in slack.sent()] == ["respond"] * 5 + ["chat.postMessage"] * 2
    assert [c.mrkdwn().splitlines()[-1] for c in slack.sent()] == [f"part {i}" for i in range(7)]
