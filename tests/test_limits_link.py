"""Guessing link codes: counted per account in a way ``forget`` cannot erase, atomically, and with
no ceiling that throwaway accounts could hit to stop everyone else from linking."""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import select, text, update

from core.commands.service import CommandService
from core.db.engine import Database
from core.db.models import Identity, LinkAttempt
from core.db.types import utcnow
from tests.chat import Person

WRONG = ("AAAA2222", "BBBB3333", "CCCC4444", "DDDD5555", "EEEE6666", "FFFF7777")


def code_of(person: Person) -> str:
    return person.text().split("\u2068")[1].split("\u2069")[0]


async def owners(db: Database) -> dict[tuple[str, str], int]:
    async with db.transaction() as session:
        return {(i.platform, i.user_id): i.member_id for i in await session.scalars(select(Identity))}


async def forget(person: Person) -> None:
    await person.send("/forget")
    await person.press_action("forget yes-")
    assert "erased" in person.text()


async def test_forget_does_not_reset_the_count(db: Database) -> None:
    service = CommandService(db)
    owner = Person(service, user_id="10", platform="telegram")
    guesser = Person(service, user_id="20", platform="discord")
    for _round in range(3):  # four wrong codes, forget, again: the fifth wrong code blocks all the same
        for guess in WRONG[:4]:
            await guesser.send(f"/link {guess}")
            if "Too many" in guesser.text():
                break
        else:
            await forget(guesser)
            continue
        break
    assert "Too many wrong codes" in guesser.text()
    await owner.send("/link")
    await guesser.send(f"/link {code_of(owner)}")  # even the right code: this account waits
    assert "Too many wrong codes" in guesser.text()
    found = await owners(db)
    assert found[("telegram", "10")] != found[("discord", "20")]
    async with db.transaction() as session:  # nothing in the table names the account
        rows = list(await session.scalars(select(LinkAttempt)))
    # a keyed hash, never the account itself (two given digits may well occur in 64 hex digits by chance)
    assert len(rows) == 1 and re.fullmatch(r"[0-9a-f]{64}", rows[0].guesser)


async def test_throwaway_accounts_cannot_pause_linking_for_everyone(db: Database) -> None:
    service = CommandService(db)
    for number in range(15):  # 60 wrong codes from 15 accounts in a minute
        throwaway = Person(service, user_id=f"9{number:02d}", platform="telegram")
        for guess in WRONG[:4]:
            await throwaway.send(f"/link {guess}")
            assert "wrong or has expired" in throwaway.text()
    owner = Person(service, user_id="10", platform="telegram")
    await owner.send("/link")
    member = Person(service, user_id="20", platform="slack")
    await member.send(f"/link {code_of(owner)}")
    assert "Linked" in member.text()
    found = await owners(db)
    assert found[("telegram", "10")] == found[("slack", "20")]


async def test_waits_grow_and_a_right_code_clears_the_count(db: Database) -> None:
    service = CommandService(db)
    owner = Person(service, user_id="10", platform="telegram")
    guesser = Person(service, user_id="20", platform="discord")
    for guess in WRONG[:5]:
        await guesser.send(f"/link {guess}")
    assert "wrong or has expired" in guesser.text()  # the fifth is checked and wrong; the wait starts

    async def wait() -> timedelta:
        async with db.transaction() as session:
            row = await session.scalar(select(LinkAttempt))
            return row.blocked_until - utcnow()

    async def wait_over() -> None:
        async with db.transaction() as session:
            await session.execute(update(LinkAttempt).values(blocked_until=utcnow() - timedelta(seconds=1)))

    first = await wait()
    assert timedelta(minutes=14) < first <= timedelta(minutes=15)
    await guesser.send(f"/link {WRONG[5]}")
    assert "Too many wrong codes" in guesser.text() and "15 minutes" in guesser.text()
    assert await wait() == first or abs((await wait()) - first) < timedelta(seconds=5)  # a refused try adds nothing
    await wait_over()
    await guesser.send(f"/link {WRONG[5]}")
    assert "wrong or has expired" in guesser.text()
    assert timedelta(minutes=29) < await wait() <= timedelta(minutes=30)  # doubled
    await wait_over()
    await owner.send("/link")
    await guesser.send(f"/link {code_of(owner)}")
    assert "Linked" in guesser.text()
    async with db.transaction() as session:
        row = await session.scalar(select(LinkAttempt))
        assert (row.failures, row.blocked_until) == (0, None)


async def test_concurrent_guesses_are_counted_one_by_one(db: Database) -> None:
    """Five guesses at once from an account with four wrong codes: one is checked, four wait.
    Each request is its own transaction on its own connection, as with five bot updates at once.
    On PostgreSQL the five are held at their first write until all have read what they need
    (a lock taken by another connection), so a count read before it is written would let all
    five through."""
    service = CommandService(db)
    guesser = Person(service, user_id="20", platform="discord")
    for guess in WRONG[:4]:
        await guesser.send(f"/link {guess}")
    twins = [Person(service, user_id="20", platform="discord") for _ in range(5)]
    guesses = [twin.send(f"/link ZZZZ{n}{n}{n}{n}22") for n, twin in zip("23456", twins)]
    if db.backend != "postgresql":
        await asyncio.gather(*guesses)
    else:
        async with db.engine.connect() as locker:
            await locker.execute(text("LOCK TABLE link_attempts IN EXCLUSIVE MODE"))  # reads pass, writes wait
            running = asyncio.gather(*guesses)
            async with db.engine.connect() as watcher:
                for _ in range(200):
                    waiting = await watcher.scalar(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"))
                    if waiting == 5 or running.done():  # all five stopped at the lock (or finished)
                        break
                    await asyncio.sleep(0.05)
            await locker.commit()
        await running
    answers = [twin.text() for twin in twins]
    assert sum("wrong or has expired" in a for a in answers) == 1, answers
    assert sum("Too many wrong codes" in a for a in answers) == 4, answers
    async with db.transaction() as session:
        assert (await session.scalar(select(LinkAttempt.failures))) == 5


def test_the_waits_and_the_guess_space() -> None:
    from core import linking
    from core.commands.handlers import link

    waits = [linking.wait_after(n) for n in range(1, 14)]
    assert waits[:4] == [None] * 4
    assert [w.total_seconds() / 60 for w in waits[4:11]] == [15, 30, 60, 120, 240, 480, 960]
    assert waits[11:] == [linking.LONGEST_WAIT] * 2 == [timedelta(days=1)] * 2
    assert linking.MEMORY > linking.LONGEST_WAIT  # a count is not forgotten while its account waits
    assert len(link.ALPHABET) ** link.CODE_LENGTH > 8 * 10**14
