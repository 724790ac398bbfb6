"""The command service as the adapters' one port: typed parameters in the command specifications
(Discord's synced options and help derive from them), and the queries the platform extras read
(a member's home, suggestions while typing, the ids of event mirrors).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from core.commands.parameters import Param, ParamType, Suggest
from core.commands.registry import commands
from core.commands.service import CommandService
from core.commands.suggestions import SuggestionQuery
from core.db.engine import Database
from core.db.models import BINDING_APPROVED, Channel, ChannelBinding
from core.i18n import N_
from core.messages.types import Chat, Request, Sender
from sqlalchemy import select
from tests.discord_fixtures import fake  # noqa: F401 - fixtures
from tests.events_helpers import make_event, member_with
from tests.fakes.discord_api import FakeDiscord
from tests.test_discord_bot import CALLBACK, StubService, running

EXTRA = (
    Param("where", N_("Your country, in any language"), N_("country"), required=True, suggest=Suggest.COUNTRY),
    Param("answer", N_("Your answer"), type=ParamType.CHOICE, choices=(("yes", N_("Going")), ("no", N_("Not going")))),
)


def discord_type(param: Param) -> int:
    return 8 if param.type is ParamType.ROLE else 3  # a role, else a string


async def test_discord_options_come_from_the_specifications(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every synced option is a parameter of the command's specification; parameters added to a
    specification appear on Discord, complete from the core, and reach it in their order."""
    monkeypatch.setitem(commands(), "mydata", replace(commands()["mydata"], params=EXTRA))
    service = StubService()
    async with running(fake, service):
        synced = {c["name"]: c for c in fake.find("PUT", r"/applications/\d+/commands$")[0].json}
        await fake.autocomplete("mydata", "where", "tunis", locale="fr")
        await fake.slash("mydata", {"answer": "no", "where": "TN"})
        calls = await fake.wait_for("POST", CALLBACK, 2)
    for name, command in synced.items():
        params = sorted(commands()[name].params, key=lambda p: not p.required)  # Discord wants the required ones first
        assert [o["name"] for o in command.get("options", [])] == [p.name for p in params], name
        for option, param in zip(command.get("options", []), params):
            assert option["type"] == discord_type(param) and option["required"] == param.required, (name, param.name)
            assert bool(option.get("autocomplete")) == (param.suggest is not None), (name, param.name)
            assert [c["value"] for c in option.get("choices") or []] == [value for value, _label in param.choices]
    where, answer = synced["mydata"]["options"]
    assert where["autocomplete"] and where["description"] == "Your country, in any language"
    assert where["description_localizations"]["fr"] == "Votre pays, dans n’importe quelle langue"
    assert [c["name_localizations"].get("fr") for c in answer["choices"]] == ["J’y vais", "Je n’y vais pas"]
    assert {"name": "Tunisie", "value": "TN"} in calls[0].json["data"]["choices"]
    assert service.requests[-1].args == "TN no"  # the specification's order, not the order typed


async def test_help_shows_each_commands_parameters(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    service = CommandService(db)
    ask = Request(Sender("console", "u1", "Amel", "fr"), Chat("c1"), command="help")
    before = (await service.handle(ask))[0].text
    assert "/rsvp <numéro> <yes/maybe/no> — " in before and "/join <canal> — " in before
    assert "/language [langue] — " in before and "/help — " in before
    monkeypatch.setitem(commands(), "mydata", replace(commands()["mydata"], params=EXTRA))
    after = (await service.handle(ask))[0].text
    assert "/mydata <pays> [yes/no] — " in after


def soon(days: int) -> datetime:
    return (datetime.now() + timedelta(days=days)).replace(hour=19, minute=0, second=0, microsecond=0)


async def test_a_members_home(db: Database) -> None:
    service = CommandService(db)
    stranger = await service.home("console", "nobody", "de-AT")
    assert stranger.language == "de" and not stranger.known and stranger.start is not None
    assert stranger.start.action == "start" and not stranger.events

    await member_with(db, "u1", language="fr", country="FR", zone="America/New_York")
    amel = Sender("console", "u1", "Amel")
    await service.handle(Request(amel, Chat("c1"), command="join", args="health"))
    event_id = await make_event(db, soon(3), title="Pique-nique")
    await service.handle(Request(amel, Chat("c1"), command="rsvp", args=f"{event_id} maybe"))
    await service.handle(Request(amel, Chat("c1"), command="reminders", args="1h"))

    home = await service.home("console", "u1", "en")
    assert home.language == "fr" and home.known and home.start is None
    assert home.profile is not None and (home.profile.language, home.profile.country) == ("Français", "France")
    assert home.profile.timezone == "America/New_York"
    assert home.channels == ("Santé",)
    (event,) = home.events
    assert (event.id, event.title, event.place) == (event_id, "Pique-nique", "Café de Flore")
    assert "13:00" in event.when  # 19:00 in Paris, said in the member's zone
    assert [(b.action, b.selected) for b in event.answers] == [
        (f"rsvp {event_id} yes", False), (f"rsvp {event_id} maybe", True), (f"rsvp {event_id} no", False)]
    assert event.details.action == f"event {event_id}" and home.all_events is not None
    assert [b.action for b in home.reminder_buttons if b.selected] == ["reminders 1h"]
    assert home.reminders and [b.label for b in home.channel_buttons] == ["Canaux", "Associations", "Aide"]


async def test_suggestions_for_each_kind_of_value(db: Database) -> None:
    service = CommandService(db)
    await member_with(db, "u1", language="de", country="TN", zone="Africa/Tunis")
    amel = Sender("console", "u1", "Amel")
    await service.handle(Request(amel, Chat("c1"), command="join", args="health"))
    picnic = await make_event(db, soon(2), country="TN", title="Pique-nique")

    async def suggest(kind: Suggest, typed: str, user_id: str = "u1", language: str = "fr") -> list[tuple[str, str]]:
        found = await service.suggest(SuggestionQuery(kind, typed, language, "console", user_id, limit=5))
        return [(s.label, s.value) for s in found]

    assert ("Tunisie", "TN") in await suggest(Suggest.COUNTRY, "tunis")
    assert await suggest(Suggest.MY_CHANNEL, "") == [("Santé", "health")]  # the reader's language
    assert len(await suggest(Suggest.MY_CHANNEL, "", user_id="stranger")) == 5  # every channel, at most the limit
    (event,) = await suggest(Suggest.EVENT, "pique")
    assert event[1] == str(picnic) and event[0].startswith(f"#{picnic} Pique-nique — ")
    assert await suggest(Suggest.EVENT, "nothing like it") == []
    assert await suggest(Suggest.REMINDERS, "1") == [("1d 1h", "1d 1h"), ("1d", "1d"), ("1h", "1h")]
    assert await suggest(Suggest.TIMEZONE, "tunis") == [("Africa/Tunis", "Africa/Tunis")]
    assert ("Français", "fr") in await suggest(Suggest.LANGUAGE, "fran")


async def test_mirror_ids_are_kept_per_address(db: Database) -> None:
    service = CommandService(db)
    async with db.transaction() as session:
        channel = await session.scalar(select(Channel).where(Channel.slug == "tn"))
        session.add(ChannelBinding(channel_id=channel.id, platform="discord", chat_id="42", status=BINDING_APPROVED,
                                   data={"guild_id": "7", "mirror_to": "events:7"}))
    ids = service.mirror_ids
    assert await ids.recall("discord", "events:7", "uid-1") is None
    await ids.remember("discord", "events:7", "uid-1", "900")
    assert await ids.recall("discord", "events:7", "uid-1") == "900"
    assert await ids.recall("discord", "events:8", "uid-1") is None  # another server
    await ids.remember("discord", "events:7", "uid-1", None)
    assert await ids.recall("discord", "events:7", "uid-1") is None


async def test_discord_offers_a_members_own_channels_to_leave(fake: FakeDiscord, db: Database) -> None:
    """``/leave`` completes from the core's suggestions: the channels this person joined, in their
    Discord client's language; someone who joined none is offered every channel."""
    service = CommandService(db)
    await service.handle(Request(Sender("discord", "4242", "Amel"), Chat("dm"), command="join", args="health"))
    async with running(fake, service):
        # One at a time: two answers in flight may arrive in either order.
        await fake.autocomplete("leave", "channel", "", user=fake.user(4242), locale="fr")
        mine = (await fake.wait_for("POST", CALLBACK, 1))[0].json["data"]["choices"]
        await fake.autocomplete("leave", "channel", "san", user=fake.user(5151), locale="fr")
        stranger = (await fake.wait_for("POST", CALLBACK, 2))[1].json["data"]["choices"]
    assert mine == [{"name": "Santé", "value": "health"}]
    assert {"name": "Santé", "value": "health"} in stranger and len(stranger) > 1
