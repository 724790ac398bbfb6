"""A member's answer to an event is marked once: the core marks the button selected and each adapter
draws that its own way (a ✓ before the label on Telegram, after it on the console); the label
itself never carries a mark, or the member reads "✓ ✓ Going" (issue 14, small fixes)."""
from __future__ import annotations

from datetime import datetime

from bots.console import render
from bots.telegram import runner
from core.app import App
from core.commands.service import CommandService
from core.db.types import utcnow
from core.messages.types import Chat, ChatKind
from tests.chat import Person
from tests.events_helpers import make_event, member_with
from tests.fakes.telegram_api import FakeBotAPI
from tests.test_telegram_conversation import core, message_of, start_bot, with_button  # noqa: F401
from tests.test_telegram_conversation import exchange as slow_exchange

START = datetime(utcnow().year + 1, 6, 10, 18, 30)


def _labels(call) -> dict[str, str]:  # noqa: ANN001 - a fake Bot API call
    return {button["callback_data"]: button["text"] for button in call.buttons if "callback_data" in button}


async def test_telegram_and_the_console_mark_the_answer_once(api: FakeBotAPI, core: App) -> None:  # noqa: F811
    event_id = await make_event(core.db, START, language="en", title="Forum")
    member = api.user(3001, "Sam", "en")
    application = await start_bot(api, core)
    try:
        replies = await slow_exchange(api, lambda: api.push_message(f"/event {event_id}", user=member), quiet=0.1)
        card = with_button(replies, f"rsvp {event_id} yes")
        await slow_exchange(api, lambda: api.push_callback(f"rsvp {event_id} yes", message_of(card), user=member),
                            quiet=0.1)
        replies = await slow_exchange(api, lambda: api.push_message(f"/event {event_id}", user=member), quiet=0.1)
        labels = _labels(with_button(replies, f"rsvp {event_id} yes"))
        assert labels[f"rsvp {event_id} yes"] == "✓ Going"
        assert labels[f"rsvp {event_id} maybe"] == "Maybe"
    finally:
        await runner.stop(application)

    await member_with(core.db, "sam", language="en")
    person = Person(CommandService(core.db), user_id="sam", chat=Chat("dm-sam", ChatKind.PRIVATE))
    await person.send(f"/event {event_id}")
    await person.press_action(f"rsvp {event_id} yes")
    await person.send(f"/event {event_id}")
    lines = [line.strip() for line in render(person.last).lines]
    going = [line for line in lines if "Going" in line and "Not going" not in line]
    assert len(going) == 1 and going[0].endswith("] Going ✓"), lines
