"""The events story through the real python-telegram-bot Application and the fake Bot API: a French
ambassador creates an event, an Arabic-speaking member in New York lists it, answers yes with the
card's button and gets the .ics file as a document."""
from __future__ import annotations

from sqlalchemy import select

from bots.telegram import runner
from core.app import App
from core.audit import Actor
from core.db.models import Event, Rsvp
from core.db.types import utcnow
from core.roles import find_or_create_member, grant_role
from tests.fakes.telegram_api import FakeBotAPI
from tests.test_telegram_conversation import core, message_of, start_bot, with_button  # noqa: F401
from tests.test_telegram_conversation import exchange as slow_exchange

YEAR = utcnow().year + 1


def exchange(api: FakeBotAPI, push):  # noqa: ANN001, ANN201 - one update's replies, waiting less
    return slow_exchange(api, push, quiet=0.1)


async def test_create_list_answer_and_calendar_on_telegram(api: FakeBotAPI, core: App) -> None:  # noqa: F811
    async with core.db.transaction() as session:
        ambassador = await find_or_create_member(session, "telegram", "2001")
        ambassador.language, ambassador.country_code, ambassador.timezone = "fr", "FR", "Europe/Paris"
        await grant_role(session, ambassador.id, "ambassador", "FR", actor=Actor.command_line())
        reader = await find_or_create_member(session, "telegram", "2002")
        reader.language, reader.country_code, reader.timezone = "ar", "FR", "America/New_York"
    organiser, member = api.user(2001, "Claire", "fr"), api.user(2002, "Karim", "ar")
    application = await start_bot(api, core)
    try:
        say = lambda text: exchange(api, lambda: api.push_message(text, user=organiser))  # noqa: E731
        await say("/newevent")
        await say("<b>Forum</b> @everyone")
        replies = await say("Rencontre annuelle")
        replies = await exchange(api, lambda: api.push_callback("newevent !done", message_of(with_button(replies, "newevent !done")), user=organiser))
        await say(f"{YEAR}-06-10 18:30")
        await say("2h")
        await say("Paris")
        replies = await say("12 rue de la Paix")
        replies = await exchange(api, lambda: api.push_callback("newevent !skip", message_of(with_button(replies, "newevent !skip")), user=organiser))
        replies = await exchange(api, lambda: api.push_callback("newevent !channel fr", message_of(with_button(replies, "newevent !channel fr")), user=organiser))
        replies = await say("25")
        preview = with_button(replies, "newevent !confirm")
        assert "&lt;b&gt;Forum&lt;/b&gt;" in preview.params["text"]  # escaped by the adapter, never markup
        await exchange(api, lambda: api.push_callback("newevent !confirm", message_of(preview), user=organiser))
        async with core.db.transaction() as session:
            event = await session.scalar(select(Event))
            assert event is not None and event.capacity == 25 and event.timezone == "Europe/Paris"

        replies = await exchange(api, lambda: api.push_message("/events", user=member))
        card = with_button(replies, f"rsvp {event.id} yes")
        assert "12:30" in card.params["text"]  # 18:30 in Paris is 12:30 in New York
        await exchange(api, lambda: api.push_callback(f"rsvp {event.id} yes", message_of(card), user=member))
        async with core.db.transaction() as session:
            answer = await session.scalar(select(Rsvp))
            assert answer is not None and answer.answer == "yes"

        replies = await exchange(api, lambda: api.push_message(f"/event {event.id}", user=member))
        details = with_button(replies, f"event {event.id} ics")
        await exchange(api, lambda: api.push_callback(f"event {event.id} ics", message_of(details), user=member))
        (document,) = api.calls_to("sendDocument")
        assert document.params["chat_id"] == "2002"
    finally:
        await runner.stop(application)
