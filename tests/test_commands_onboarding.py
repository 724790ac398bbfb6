"""The first conversation, through the real command layer and database."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import select

from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import Announcement, Channel, Delivery, Event, Identity, Member, Membership, Rsvp
from core.delivery.outbox import enqueue
from tests.chat import Person


async def member_of(db: Database, user_id: str = "1") -> Member:
    async with db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.user_id == user_id))
        assert identity is not None
        member = await session.get(Member, identity.member_id)
        assert member is not None
        return member


async def test_start_with_buttons_only_then_join(db: Database) -> None:
    person = Person(CommandService(db), locale="fr-FR")
    await person.send("/start")
    languages = {b.label: b for b in person.buttons()}
    assert {"Français", "English", "العربية", "Español", "Português", "Deutsch"} <= set(languages)
    assert languages["Français"].selected  # guessed from the platform locale
    await person.press("Français")
    assert (await member_of(db)).language == "fr"
    assert all(r.language == "fr" for r in person.last)
    await person.press("Afrique")  # the region, named in French by CLDR
    await person.press("Tunisie", page_through=True)
    member = await member_of(db)
    assert (member.country_code, member.timezone) == ("TN", "Africa/Tunis")
    await person.press_action("join tn")
    async with db.transaction() as session:
        joined = await session.scalars(
            select(Channel.slug).join(Membership, Membership.channel_id == Channel.id).where(Membership.member_id == member.id)
        )
        assert list(joined) == ["tn"]


async def test_start_deep_link_runs_its_command_then_onboarding(db: Database) -> None:
    person = Person(CommandService(db))
    await person.send("/start join-tn")
    assert person.last[0].title == "Hello!"
    assert person.last[-1].text == "Which language would you like me to use?"  # onboarding goes on after the link
    member = await member_of(db)
    async with db.transaction() as session:
        joined = await session.scalars(
            select(Channel.slug).join(Membership, Membership.channel_id == Channel.id).where(Membership.member_id == member.id)
        )
        assert list(joined) == ["tn"]
    await person.send("/start forget-now")  # not a command a link may open: a welcome, nothing else
    assert [reply.text for reply in person.last][1:] == ["Which language would you like me to use?"]
    assert await member_of(db) is not None


async def test_typed_country_in_another_language_and_restart(db: Database) -> None:
    person = Person(CommandService(db), locale="de")
    await person.send("/start")
    await person.press("Deutsch")
    # The process restarts in the middle of the conversation: a new service, same database.
    restarted = Person(CommandService(Database(db.url)), locale="de")
    await restarted.send("Allemagne")
    member = await member_of(db)
    assert (member.language, member.country_code, member.timezone) == ("de", "DE", "Europe/Berlin")


async def test_typo_gets_suggestions_and_changes_nothing(db: Database) -> None:
    person = Person(CommandService(db))
    await person.send("/country Tunisa")
    assert (await member_of(db)).country_code is None
    await person.press("Tunisia")
    assert (await member_of(db)).country_code == "TN"


async def test_unknown_command_suggests(db: Database) -> None:
    person = Person(CommandService(db))
    await person.send("/jion tn")
    assert "/join" in person.text()
    person.platform = "slack"
    person.user_id = "U1"
    await person.send("/jion tn")
    assert "/alumni join" in person.text()


async def test_join_by_name_in_arabic_and_leave(db: Database) -> None:
    person = Person(CommandService(db))
    await person.send("/join تونس")
    await person.send("/join tn")
    assert "already" in person.text()
    await person.send("/leave Tunisie")
    await person.send("/leave tn")
    assert "not in" in person.text()


async def test_timezone_by_city_and_invalid(db: Database) -> None:
    person = Person(CommandService(db))
    await person.send("/timezone Le Caire")
    assert (await member_of(db)).timezone == "Africa/Cairo"
    await person.send("/timezone Mars/Olympus")
    assert (await member_of(db)).timezone == "Africa/Cairo"
    assert "Mars/Olympus" in person.text()


async def test_link_merges_and_forget_erases(db: Database) -> None:
    service = CommandService(db)
    telegram = Person(service, user_id="10", platform="telegram")
    await telegram.send("/join health")
    await telegram.send("/link")
    code = telegram.text().split("\u2068")[1].split("\u2069")[0]
    discord = Person(service, user_id="20", platform="discord")
    await discord.send("/language fr")
    await discord.send(f"/link {code}")
    async with db.transaction() as session:
        owners = set(await session.scalars(select(Identity.member_id)))
    assert len(owners) == 1
    await discord.send(f"/link {code}")  # single use
    assert "expired" in discord.text() or "expiré" in discord.text()
    # what the member did elsewhere: an answer to an event, an announcement, a message waiting for them
    async with db.transaction() as session:
        member_id = await session.scalar(select(Identity.member_id))
        channel = await session.scalar(select(Channel).where(Channel.slug == "health"))
        start = datetime(2030, 5, 4, 18, 0)
        event = Event(uid="e1@test", texts={"fr": {"title": "Forum"}}, language="fr", starts_local=start,
                      timezone="Europe/Paris", starts_at=start.replace(tzinfo=timezone.utc))
        announcement = Announcement(channel_id=channel.id, sender_id=member_id, sender_name="Amel", texts={"fr": "Salut"})
        session.add_all([event, announcement])
        await session.flush()
        session.add(Rsvp(event_id=event.id, member_id=member_id, answer="yes"))
        await enqueue(session, key="notice:test", kind="notice", platform="discord", target="20", member_id=member_id,
                      payload={"reply": {"text": "hi"}})
    await discord.send("/mydata")
    exported = json.loads(discord.last[0].file.content)
    assert [c["channel"] for c in exported["channels"]] == ["health"]
    assert exported["event_answers"][0]["answer"] == "yes"
    assert exported["announcements_sent"][0]["texts"] == {"fr": "Salut"}
    assert exported["messages_to_you"][0]["kind"] == "notice"
    await discord.send("/forget")
    await discord.press_action("forget yes-")
    async with db.transaction() as session:
        assert (await session.scalar(select(Member))) is None
        assert (await session.scalar(select(Rsvp))) is None and (await session.scalar(select(Delivery))) is None
        kept = await session.scalar(select(Announcement))
        assert (kept.sender_id, kept.sender_name, kept.texts) == (None, "", {"fr": "Salut"})


def _code_of(person: Person) -> str:
    return person.text().split("\u2068")[1].split("\u2069")[0]


async def _owners(db: Database) -> dict[tuple[str, str], int]:
    async with db.transaction() as session:
        return {(i.platform, i.user_id): i.member_id for i in await session.scalars(select(Identity))}


async def test_link_codes_expire_and_guessing_is_limited(db: Database) -> None:
    from sqlalchemy import update

    from datetime import timedelta

    from core.db.models import LinkCode
    from core.db.types import utcnow

    service = CommandService(db)
    owner = Person(service, user_id="10", platform="telegram")
    await owner.send("/link")
    async with db.transaction() as session:  # eleven minutes later
        await session.execute(update(LinkCode).values(expires_at=utcnow() - timedelta(minutes=1)))
    other = Person(service, user_id="20", platform="discord")
    await other.send(f"/link {_code_of(owner)}")
    assert "expired" in other.text()
    for guess in ("AAAA2222", "BBBB3333", "CCCC4444", "DDDD5555"):  # with the expired one: five wrong codes
        await other.send(f"/link {guess}")
    await owner.send("/link")
    await other.send(f"/link {_code_of(owner)}")  # the right code, too late: this account waits 15 minutes
    assert "Too many wrong codes" in other.text()
    owners = await _owners(db)
    assert owners[("telegram", "10")] != owners[("discord", "20")]
    # Another account is not slowed down by this one's mistakes (tests/test_limits_link.py: no shared ceiling).
    third = Person(service, user_id="30", platform="slack")
    await third.send(f"/link {_code_of(owner)}")
    assert "Linked" in third.text()


async def test_link_cannot_take_over_a_role_or_a_second_account(db: Database) -> None:
    from tests.events_helpers import member_with

    service = CommandService(db)
    await member_with(db, "77", platform="discord", role="administrator")
    attacker = Person(service, user_id="66", platform="telegram")
    await attacker.send("/link")
    admin = Person(service, user_id="77", platform="discord")
    await admin.send(f"/link {_code_of(attacker)}")  # an administrator tricked into typing someone's code
    assert "role" in admin.text()
    owners = await _owners(db)
    assert owners[("discord", "77")] != owners[("telegram", "66")]
    await admin.send(f"/link {_code_of(attacker)}")
    assert "expired" in admin.text()  # used up by the refusal: the owner must ask again
    # A profile has one account per platform: another Telegram account cannot join it.
    await attacker.send("/link")
    victim = Person(service, user_id="88", platform="telegram")
    await victim.send("/help")
    await victim.send(f"/link {_code_of(attacker)}")
    assert "already has a Telegram account" in victim.text()
    owners = await _owners(db)
    assert owners[("telegram", "88")] != owners[("telegram", "66")]


async def test_one_code_typed_twice_at_once_links_once(db: Database) -> None:
    import asyncio

    service = CommandService(db)
    owner = Person(service, user_id="10", platform="telegram")
    await owner.send("/link")
    code = _code_of(owner)
    first, second = Person(service, user_id="20", platform="discord"), Person(service, user_id="30", platform="slack")
    await first.send("/help")
    await second.send("/help")
    await asyncio.gather(first.send(f"/link {code}"), second.send(f"/link {code}"))
    owners = await _owners(db)
    joined = [key for key in (("discord", "20"), ("slack", "30")) if owners[key] == owners[("telegram", "10")]]
    assert len(joined) == 1, joined


async def test_the_language_picker_lists_each_language_by_its_own_name_in_that_order(db: Database) -> None:
    """Derived from the catalogs present: no hand-kept order, and numbers that read naturally."""
    ana = Person(CommandService(db), locale="es")
    await ana.send("/start")
    labels = [b.label.strip(" ✓") for b in ana.buttons()]
    known = ["Deutsch", "English", "Español", "Français", "Português", "العربية"]  # more catalogs slot in between
    assert [label for label in labels if label in known] == known
