"""The App Home tab's events and reminders, through the real bolt app and the fake Slack Web API:
the member's upcoming events with RSVP buttons running the core's ``rsvp``, the reminder setting
with buttons running ``reminders``, and the tab re-published after each change."""
from __future__ import annotations

from datetime import datetime

from core.app import App
from core.db.models import Member, Rsvp
from tests.events_helpers import make_event, member_id_of, member_with
from tests.fakes.slack_api import Call, FakeSlack, SlackSender
from tests.test_slack_conversation import app_url, core, exchange, sender, slack  # noqa: F401


def latest_home(slack: FakeSlack) -> Call:
    return slack.calls_to("views.publish")[-1]


def primary_values(call: Call) -> set[str]:
    return {e["value"] for e in call.elements() if e.get("style") == "primary" and "value" in e}


async def test_home_lists_events_with_rsvp_and_reminder_buttons_and_follows_presses(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
    await member_with(core.db, "U1001", language="en", country="TN", zone="Africa/Tunis", platform="slack")
    event_id = await make_event(core.db, datetime(2030, 5, 4, 19, 0), "Africa/Tunis", country="TN",
                                title="Iftar <!channel> & friends", language="en")
    await make_event(core.db, datetime(2030, 6, 1, 19, 0), "Europe/Paris", country="FR", title="Elsewhere", language="en")

    assert (await sender.home_opened()).status == 200
    await slack.wait_for(lambda: bool(slack.calls_to("views.publish")))
    home = latest_home(slack)
    text = home.mrkdwn()
    assert "Iftar &lt;!channel&gt; &amp; friends" in text and "<!channel>" not in text
    assert "Elsewhere" not in text  # another country's event is not "yours"
    assert {f"rsvp {event_id} yes", f"rsvp {event_id} maybe", f"rsvp {event_id} no"} <= set(home.values())
    assert {"reminders 1d 1h", "reminders 1h", "reminders 30m", "reminders off"} <= set(home.values())
    assert primary_values(home) == {"reminders 1d 1h"}  # the default setting, no answer yet

    # RSVP from the Home tab: the core records it, answers in the DM, and the tab follows
    replies = await exchange(slack, lambda: sender.press_home(f"rsvp {event_id} yes", home))
    assert any(c.params.get("channel") == "D1001" for c in replies)
    await slack.wait_for(lambda: f"rsvp {event_id} yes" in primary_values(latest_home(slack)))
    member_id = await member_id_of(core.db, "U1001", platform="slack")
    async with core.db.transaction() as session:
        answer = await session.get(Rsvp, (event_id, member_id))
        assert answer is not None and answer.answer == "yes"
    assert "1 going" in latest_home(slack).mrkdwn()

    # the reminder setting from the Home tab
    await exchange(slack, lambda: sender.press_home("reminders off", latest_home(slack)))
    await slack.wait_for(lambda: "reminders off" in primary_values(latest_home(slack)))
    async with core.db.transaction() as session:
        member = await session.get(Member, member_id)
        assert member is not None and member.reminder_offsets == []
    assert "reminders 1d 1h" not in primary_values(latest_home(slack))


async def test_an_empty_home_points_to_other_channels_not_to_the_members_own_country(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    """An empty list does not suggest the member's own country (it is what was just shown, empty), nor a slug:
    it points to the channels, as chat does."""
    slack.user("U1001", locale="es-ES", tz="Europe/Madrid")
    await member_with(core.db, "U1001", language="es", country="ES", zone="Europe/Madrid", platform="slack")
    assert (await sender.home_opened()).status == 200
    await slack.wait_for(lambda: bool(slack.calls_to("views.publish")))
    text = latest_home(slack).mrkdwn()
    assert "/alumni channels" in text and "events España" not in text and "events tn" not in text


async def test_an_arabic_home_reads_right_to_left_where_a_line_starts_with_latin(
    slack: FakeSlack, core: App, sender: SlackSender
) -> None:
    """The Home tab follows the reply rule (bots/kit/direction.py): a line that starts with Latin but holds Arabic
    gets a right-to-left mark, inside the bold markup, never before it."""
    slack.user("U1001", locale="ar", tz="Africa/Tunis")
    await member_with(core.db, "U1001", language="ar", country="TN", zone="Africa/Tunis", platform="slack")
    await make_event(core.db, datetime(2030, 5, 4, 19, 0), "Africa/Tunis", country="TN", title="Iftar رمضان", language="ar")
    assert (await sender.home_opened()).status == 200
    await slack.wait_for(lambda: bool(slack.calls_to("views.publish")))
    text = latest_home(slack).mrkdwn()
    assert "*\u200f\u200eIftar رمضان" in text or "*\u200fIftar رمضان" in text
    assert "\u200f*" not in text
