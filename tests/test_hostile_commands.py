"""Every chat command against hostile arguments (hypothesis), through the real command layer.

For each generated input: no exception escapes, every reply is short and in the reader's
language (French here: no English source text leaks through), no control or bidi character
of the input comes back, and nothing is stored that should not be (a strict before/after
snapshot for a plain member; for privileged flows, everything stored is clean text).

The command list is read from the registry, so a new command is covered without editing
this file. One database per test function; hypothesis drives examples from a worker thread
and runs each one on the test's event loop (the database engine lives there).
"""
from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from core.commands.registry import commands
from core.commands.service import CommandService
from core.messages.types import Chat, ChatKind, Reply
from core.db.engine import Database
from core.db.models import Base, Member
from core.geo.countries import is_country_code
from core.i18n import SUPPORTED_LANGUAGES
from core.members import is_known_zone
from core.memberships import join, channel_by_slug
from core.text import BIDI_CONTROLS, FSI, PDI
from tests.chat import Person
from tests.events_helpers import make_event, member_with
from tests.hostile_inputs import DERANDOMIZE, HOSTILE, count, untranslated

COMMAND_NAMES = list(commands())
# Commands whose very job is to change the member's own settings or memberships: for them a
# hostile input may still be valid once cleaned ("fr\u200b" is "fr"); what they store must then be valid.
SELF_SERVICE = {"start", "language", "country", "timezone", "join", "leave", "rsvp", "reminders", "link", "forget", "cancel"}
# Never compared: request bookkeeping (button payloads, conversation state, wrong link codes, workers).
UNCOMPARED = {"stored_actions", "conversations", "link_attempts", "workers", "job_runs", "directory_revision"}
MAX_REPLY = 2_000
SETTINGS = settings(max_examples=120, deadline=None, database=None, derandomize=DERANDOMIZE, suppress_health_check=list(HealthCheck))
LANGUAGE = "fr"


def run_examples(loop: asyncio.AbstractEventLoop, check: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """A sync function for hypothesis that runs one async example on the test's loop."""

    def example(values: tuple[Any, ...]) -> None:
        asyncio.run_coroutine_threadsafe(check(*values), loop).result(timeout=60)

    return example


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in UNCOMPARED:
                continue
            rows = (await session.execute(select(table))).all()
            found[table.name] = sorted((tuple(map(repr, row)) for row in rows))
    return found


def _dirty(value: str, *, lines: bool) -> list[str]:
    bad = []
    for ch in value:
        if ch in BIDI_CONTROLS or ch == "\x00":
            bad.append(ch)
        elif unicodedata.category(ch) == "Cc" and not (lines and ch == "\n"):
            bad.append(ch)
    return bad


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in [*value.keys(), *value.values()] for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


async def stored_text_is_clean(db: Database) -> None:
    """No stored string (columns and JSON) carries a control, NUL or bidi character."""
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    for text in _strings(value):
                        assert not _dirty(text, lines=True), (table.name, column, text[:80])


def check_replies(replies: list[Reply], typed: str) -> None:
    for reply in replies:
        assert reply.language == LANGUAGE, (reply.language, reply.plain_text()[:200])
        shown = [reply.title or "", reply.text, *(b.label for row in reply.buttons for b in row)]
        for card in reply.cards:
            shown += [card.title, card.subtitle or "", card.body or "", *(f.label + f.value for f in card.fields)]
        text = "\n".join(shown)
        assert len(reply.text) <= MAX_REPLY, len(reply.text)
        assert not untranslated(text, LANGUAGE), (untranslated(text, LANGUAGE), text[:300])
        echoed = [ch for ch in _dirty(text, lines=True) if ch not in (FSI, PDI)]
        assert not echoed, (echoed, typed[:80], text[:200])


async def reset_member(db: Database, member_id: int) -> None:
    """Back to the French member of the start (a self-service command may have changed them)."""
    async with db.transaction() as session:
        member = await session.get(Member, member_id)
        if member is None:
            return
        assert member.language in (None, *SUPPORTED_LANGUAGES)
        assert member.country_code is None or is_country_code(member.country_code)
        assert member.timezone is None or is_known_zone(member.timezone)
        await session.execute(
            update(Member).where(Member.id == member_id).values(language="fr", country_code="FR", timezone="Europe/Paris")
        )


async def french_member(db: Database, user_id: str, **role: Any) -> int:
    member_id = await member_with(db, user_id, language="fr", country="FR", zone="Europe/Paris", **role)
    async with db.transaction() as session:
        channel = await channel_by_slug(session, "fr")
        assert channel is not None
        await join(session, member_id, channel)
    return member_id


async def test_every_command_resists_hostile_arguments(db: Database) -> None:
    """A plain member: nothing may change, except their own settings through self-service commands."""
    from datetime import datetime

    service = CommandService(db)
    event_id = await make_event(db, datetime(2031, 5, 4, 19, 0))
    member_id = await french_member(db, "1")
    person = Person(service, user_id="1", locale="fr-FR")
    loop = asyncio.get_running_loop()

    async def check(name: str, prefix: str, args: str, group: bool) -> None:
        count("command arguments")
        person.chat = Chat("group-1", ChatKind.GROUP, "Anciens") if group else Chat("dm-1", ChatKind.PRIVATE)
        before = await snapshot(db)
        typed = f"{prefix}{args}"
        await person.send(f"/{name} {typed}")
        check_replies(person.last, typed)
        after = await snapshot(db)
        if name not in SELF_SERVICE:
            assert after == before, (name, typed[:80], [t for t in after if after[t] != before[t]])
        else:
            await reset_member(db, member_id)
        await person.send("/cancel")

    prefixes = st.sampled_from(["", f"{event_id} ", "#2 ", "fr ", "tn ", "999999 ", f"{event_id} title ", f"{event_id} start "])
    example = given(st.tuples(st.sampled_from(COMMAND_NAMES), prefixes, HOSTILE, st.booleans()))(run_examples(loop, check))
    await asyncio.to_thread(settings(SETTINGS, max_examples=80)(example))
    await stored_text_is_clean(db)


async def test_privileged_commands_with_hostile_arguments_as_administrator(db: Database) -> None:
    """An administrator reaches the parsers behind the rights check: errors stay short and French,
    and whatever a valid-once-cleaned input stores is clean text."""
    from datetime import datetime

    service = CommandService(db)
    event_id = await make_event(db, datetime(2031, 5, 4, 19, 0))
    await french_member(db, "9", role="administrator")
    admin = Person(service, user_id="9", locale="fr-FR")
    loop = asyncio.get_running_loop()
    privileged = [n for n in COMMAND_NAMES if n in ("newevent", "editevent", "cancelevent", "announce", "bind", "unbind", "binding")]
    fields = ["", "title ", "description ", "start ", "end ", "timezone ", "place ", "link ", "capacity ", "title-xx "]

    async def check(name: str, field: str, args: str, confirm: bool) -> None:
        count("administrator arguments")
        before = await snapshot(db)
        typed = f"{event_id} {field}{args}" if name in ("editevent", "cancelevent") else args
        await admin.send(f"/{name} {typed}")
        check_replies(admin.last, typed)
        if name == "cancelevent":
            assert await snapshot(db) == before  # never without the confirmation
        await admin.send("/cancel")

    example = given(st.tuples(st.sampled_from(privileged), st.sampled_from(fields), HOSTILE, st.booleans()))(run_examples(loop, check))
    await asyncio.to_thread(settings(SETTINGS, max_examples=50)(example))
    await stored_text_is_clean(db)


async def test_free_text_answers_inside_flows(db: Database) -> None:
    """Hostile answers at every step of start, newevent and announce: re-asked in French, stored clean."""
    service = CommandService(db)
    await french_member(db, "9", role="administrator")
    admin = Person(service, user_id="9", locale="fr-FR")
    newcomer_ids = iter(range(1000, 100000))
    loop = asyncio.get_running_loop()

    async def check(flow: str, answers: list[str]) -> None:
        count("flow answers")
        if flow == "start":
            # a new person, whose language is set in French with the first button
            person = Person(service, user_id=str(next(newcomer_ids)), locale="fr-FR")
            await person.send("/start")
            await person.press("Français")
        else:
            person = admin
            await person.send("/newevent" if flow == "newevent" else "/announce fr")
        for answer in answers:
            before = await snapshot(db)
            await person.send(answer if not answer.startswith("/") else " " + answer)
            check_replies(person.last, answer)
            if flow != "start":
                assert await snapshot(db) == before  # only the draft (the conversation) may change
        await stored_text_is_clean(db)  # the drafts, before /cancel drops them
        await person.send("/cancel")

    flows = st.sampled_from(["start", "newevent", "announce"])
    example = given(st.tuples(flows, st.lists(HOSTILE, min_size=1, max_size=6)))(run_examples(loop, check))
    await asyncio.to_thread(settings(SETTINGS, max_examples=20)(example))


async def test_hostile_names_locales_and_zones_from_the_platform(db: Database) -> None:
    """What the platform says about the sender (display name, locale, zone) is user-controlled too."""
    from core.messages.types import Request, Sender

    service = CommandService(db)
    ids = iter(range(5000, 100000))
    loop = asyncio.get_running_loop()

    async def check(name: str, locale: str, zone: str, platform: str) -> None:
        count("sender details")
        sender = Sender(platform, str(next(ids)), name, "fr-FR" if not locale else locale, zone)
        replies = await service.handle(Request(sender, Chat("dm", ChatKind.PRIVATE), command="help"))
        assert replies and all(r.language in SUPPORTED_LANGUAGES for r in replies)
        await stored_text_is_clean(db)
        async with db.transaction() as session:
            member = (await session.scalars(select(Member).order_by(Member.id.desc()).limit(1))).one()
            assert member.timezone is None or is_known_zone(member.timezone)

    example = given(st.tuples(HOSTILE, HOSTILE, HOSTILE, st.sampled_from(["telegram", "discord", "slack", "console"])))(
        run_examples(loop, check)
    )
    await asyncio.to_thread(settings(SETTINGS, max_examples=25)(example))


async def test_forged_button_payloads(db: Database) -> None:
    """A modified client can send any callback data: a payload is only ever a command line the
    person could type (same rights), or the key of a stored one; unknown keys expire politely."""
    from core.messages.types import Request, Sender

    service = CommandService(db)
    member_id = await french_member(db, "1")
    loop = asyncio.get_running_loop()
    sender = Sender("telegram", "1", "user 1", "fr-FR")
    async with db.transaction() as session:
        from core.db.models import Identity

        identity = await session.scalar(select(Identity).where(Identity.member_id == member_id))
        identity.platform, identity.display_name, identity.platform_locale = "telegram", "user 1", "fr-FR"

    async def check(prefix: str, payload: str) -> None:
        count("button payloads")
        before = await snapshot(db)
        replies = await service.handle(Request(sender, Chat("dm-1", ChatKind.PRIVATE), action=prefix + payload))
        check_replies(replies, payload)
        if prefix.split(" ")[0] not in SELF_SERVICE:
            assert await snapshot(db) == before, (prefix, payload[:80])
        else:
            await reset_member(db, member_id)
        await service.handle(Request(sender, Chat("dm-1", ChatKind.PRIVATE), command="cancel"))

    prefixes = st.sampled_from(["", "=", "==", "cancelevent 1 ", "announce !confirm-", "forget yes-", "newevent !", "help "])
    example = given(st.tuples(prefixes, HOSTILE))(run_examples(loop, check))
    await asyncio.to_thread(settings(SETTINGS, max_examples=30)(example))


async def test_hostile_form_submissions(db: Database) -> None:
    """Slack modals hand the core whatever was typed in each field (never cleaned by the dispatcher)."""
    from core.messages.types import Request, Sender

    service = CommandService(db)
    await french_member(db, "U9", role="administrator")
    async with db.transaction() as session:
        from core.db.models import Identity

        identity = await session.scalar(select(Identity).where(Identity.user_id == "U9"))
        identity.platform, identity.display_name, identity.platform_locale = "slack", "user U9", "fr-FR"
    sender = Sender("slack", "U9", "user U9", "fr-FR")
    loop = asyncio.get_running_loop()
    keys = {"newevent": ["title", "description", "start", "end", "zone", "place", "link", "channel", "capacity"],
            "announce": ["channel", "text_fr", "text_en", "text_ar", "send_at"]}

    async def check(name: str, values: list[str], valid_channel: bool) -> None:
        count("form submissions")
        form = dict(zip(keys[name], values))
        if valid_channel:
            form["channel"] = "fr"
        replies = await service.handle(Request(sender, Chat("D9", ChatKind.PRIVATE), command=name, forms=True,
                                               form_values=form))
        check_replies(replies, " ".join(values))
        for reply in replies:
            for message in reply.form_errors.values():
                assert not untranslated(message, LANGUAGE) and len(message) <= MAX_REPLY
        await service.handle(Request(sender, Chat("D9", ChatKind.PRIVATE), command="cancel"))

    strategy = st.tuples(st.sampled_from(["newevent", "announce"]), st.lists(HOSTILE, min_size=9, max_size=9), st.booleans())
    example = given(strategy)(run_examples(loop, check))
    await asyncio.to_thread(settings(SETTINGS, max_examples=30)(example))
    await stored_text_is_clean(db)
