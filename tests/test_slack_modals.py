"""``/alumni newevent`` and ``/alumni announce`` as Slack modals, through the real bolt app (signed
slash commands and view_submission payloads) against the fake Slack Web API and the real core:
the core's validation errors land on the right field and change nothing; a valid form creates
the event; the announcement's preview page shows each version, and Send plans its deliveries."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from core.app import App
from core.db.models import Announcement, Conversation, Delivery, Event
from tests.events_helpers import member_with
from tests.fakes.slack_api import FakeSlack, SlackSender
from tests.test_slack_conversation import app_url, core, exchange, sender, slack  # noqa: F401


def opened_view(slack: FakeSlack) -> dict[str, Any]:
    view = slack.calls_to("views.open")[-1].params["view"]
    return view if isinstance(view, dict) else json.loads(view)


async def open_modal(slack: FakeSlack, sender: SlackSender, command: str, channel: str = "D1001") -> dict[str, Any]:
    before = len(slack.calls_to("views.open"))
    assert (await sender.command(command, channel=channel)).status == 200
    await slack.wait_for(lambda: len(slack.calls_to("views.open")) > before)
    call = slack.calls_to("views.open")[-1]
    assert call.params["trigger_id"] == "1.2.3"
    return opened_view(slack)


async def count(core: App, model: type) -> int:
    async with core.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


EVENT = {"title": "Iftar <!channel> & friends", "description": "Bring <@U999> along", "start": "2031-03-14 19:00",
         "end": "2h", "zone": "Africa/Tunis", "place": "Dar Lasram, Tunis", "link": "", "channel": "tn", "capacity": "40"}


async def test_newevent_modal_shows_errors_on_their_fields_then_creates_the_event(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
    await member_with(core.db, "U1001", language="en", country="TN", zone="Africa/Tunis", role="ambassador",
                      role_country="TN", platform="slack")
    view = await open_modal(slack, sender, "newevent")
    fields = inputs(view)
    assert {"title", "start", "end", "zone", "place", "link", "channel", "capacity"} <= set(fields)
    assert fields["zone"]["element"]["initial_value"] == "Africa/Tunis"
    assert [o["value"] for o in fields["channel"]["element"]["options"]][0] == "tn"
    assert not fields["title"]["optional"] and fields["description"]["optional"]

    # a date that does not exist: the error is on the start field, nothing is created
    answer = await sender.submit_view(view, {**EVENT, "start": "2031-02-30 19:00"})
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"start"}
    # several bad fields at once: each on its own field
    answer = await sender.submit_view(view, {**EVENT, "zone": "Qqqzzz", "capacity": "lots", "link": "not a link"})
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"zone", "capacity", "link"}
    # a past time is found by the whole-event check, and still shown on the start
    answer = await sender.submit_view(view, {**EVENT, "start": "2020-03-14 19:00"})
    assert set(answer["errors"]) == {"start"}
    # neither a place nor a link
    answer = await sender.submit_view(view, {**EVENT, "place": "", "link": ""})
    assert set(answer["errors"]) == {"place"}
    assert await count(core, Event) == 0
    assert slack.calls_to("chat.postMessage") == []

    # a forged or stale submission is refused by bolt's signature check and creates nothing
    assert await sender.submit_view(view, EVENT, forge=True) == {"status": 401}
    assert await sender.submit_view(view, EVENT, age=10 * 60) == {"status": 401}
    assert await count(core, Event) == 0

    before = len(slack.sent())
    answer = await sender.submit_view(view, EVENT)
    assert answer == {"response_action": "clear"}
    await slack.wait_for(lambda: len(slack.sent()) > before)
    async with core.db.transaction() as session:
        (event,) = list(await session.scalars(select(Event)))
        assert event.texts["en"]["title"] == "Iftar <!channel> & friends" and event.capacity == 40
        assert event.timezone == "Africa/Tunis" and event.country_code == "TN"
        assert (event.ends_at - event.starts_at).total_seconds() == 2 * 3600
    (posted,) = [c for c in slack.sent()[before:] if c.method == "chat.postMessage"]
    assert posted.params["channel"] == "D1001"
    assert "&lt;!channel&gt;" in posted.mrkdwn() and "<!channel>" not in posted.mrkdwn()


async def test_newevent_modal_is_refused_to_a_member_without_rights(slack: FakeSlack, core: App, sender: SlackSender) -> None:
    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
    replies = await exchange(slack, lambda: sender.command("newevent"))
    assert slack.calls_to("views.open") == []
    assert "events" in " ".join(c.mrkdwn() for c in replies)


async def test_announce_modal_preview_then_send_plans_the_deliveries(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
    slack.user("U2002", locale="fr-FR", tz="Africa/Tunis")
    await member_with(core.db, "U1001", language="en", country="TN", zone="Africa/Tunis", role="ambassador",
                      role_country="TN", platform="slack")
    await exchange(slack, lambda: sender.command("join tn", user="U2002", channel="D2002"))
    view = await open_modal(slack, sender, "announce", channel="C0100")  # from a channel: the modal is private
    fields = inputs(view)
    assert fields["channel"]["element"]["initial_option"]["value"] == "tn"
    assert not fields["text_en"]["optional"] and fields["text_fr"]["optional"]

    answer = await sender.submit_view(view, {"channel": "tn", "text_en": "   ", "send_at": "yesterday"})
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"text_en", "send_at"}
    assert await count(core, Announcement) == 0

    answer = await sender.submit_view(view, {"channel": "tn", "text_en": "Picnic <!here> on Sunday",
                                             "text_fr": "Pique-nique dimanche"})
    assert answer["response_action"] == "update"
    preview = answer["view"]
    notes = " ".join(b["text"]["text"] for b in preview["blocks"] if b["type"] == "section")
    assert "Picnic &lt;!here&gt; on Sunday" in notes and "Pique-nique dimanche" in notes and "<!here>" not in notes
    assert inputs(preview) == {} and await count(core, Announcement) == 0

    before = len(slack.sent())
    answer = await sender.submit_view(preview, {})
    assert answer == {"response_action": "clear"}
    await slack.wait_for(lambda: len(slack.sent()) > before)
    async with core.db.transaction() as session:
        (announcement,) = list(await session.scalars(select(Announcement)))
        assert announcement.texts == {"en": "Picnic <!here> on Sunday", "fr": "Pique-nique dimanche"}
        rows = (await session.execute(select(Delivery.target, Delivery.to_chat).where(Delivery.kind == "announcement")))
        targets = {tuple(row) for row in rows}
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0  # the draft is done
    assert {("U2002", False), ("C0TN", True)} <= targets
    # the running app's delivery engine sends them: the bound channel and the member's DM, escaped
    await slack.wait_for(lambda: {"C0TN", "D2002"} <= {c.params.get("channel") for c in slack.calls_to("chat.postMessage")})
    pushed = [c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == "C0TN"]
    assert len(pushed) == 1 and "<!here>" not in pushed[0].mrkdwn()
    # the same preview submitted again does not send twice
    answer = await sender.submit_view(preview, {})
    await slack.settle()
    assert await count(core, Announcement) == 1
