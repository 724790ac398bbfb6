"""Counting the link codes an account types, so that guessing one is hopeless.

A wrong code names no code (it matches none), so guesses are counted per guessing account:
four tries are free, the fifth wrong code in a row makes the account wait ``FIRST_WAIT``, and
each further wrong code doubles the wait, up to ``LONGEST_WAIT``. A right code clears the count.
With 31^10 possible codes living 10 minutes each, a dozen tries on the first day and one a day
after that, per account, leave
no practical chance even to thousands of accounts, so there is no network-wide ceiling that
someone with throwaway accounts could hit to stop everyone else from linking.

The account is named by a keyed hash (HMAC-SHA256 with a per-installation key, core.keys) of
its platform and user id: the count survives ``forget`` (erase, come back, guess again would
otherwise be free) while the row names nobody. One statement counts the try and tells whether
it may be looked at (INSERT ... ON CONFLICT DO UPDATE ... WHERE not waiting ... RETURNING): it
takes the row's lock until the request commits, so concurrent tries from one account are
checked one after the other, on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import LinkAttempt
from core.keys import existing_key, installation_key

KEY_NAME = "link-attempts"
FREE_TRIES = 4  # wrong codes in a row that cost nothing: typos happen
FIRST_WAIT = timedelta(minutes=15)  # after the fifth wrong code in a row
LONGEST_WAIT = timedelta(hours=24)
# A count untouched this long starts again (core.retention prunes it then). Longer than the longest
# wait, so that an account that waited a day is still on its longest wait, not back to free tries.
MEMORY = timedelta(days=7)


@dataclass(frozen=True)
class Attempt:
    """One try: ``allowed`` to be checked, else ``wait`` until the account may try again."""

    guesser: str
    allowed: bool
    failures: int = 0
    wait: timedelta | None = None


def guesser_of(key: bytes, platform: str, user_id: str) -> str:
    return hmac.new(key, f"{platform}:{user_id}".encode(), hashlib.sha256).hexdigest()


def wait_after(failures: int) -> timedelta | None:
    """How long an account waits after ``failures`` wrong codes in a row (None: not at all)."""
    if failures <= FREE_TRIES:
        return None
    return min(LONGEST_WAIT, FIRST_WAIT * 2 ** min(failures - FREE_TRIES - 1, 16))


async def begin_attempt(session: AsyncSession, platform: str, user_id: str, now: datetime) -> Attempt:
    """Count a try before looking at the code, atomically; refused while the account waits."""
    guesser = guesser_of(await installation_key(session, KEY_NAME), platform, user_id)
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = module.insert(LinkAttempt).values(guesser=guesser, failures=1, attempted_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=["guesser"],
        set_={
            "failures": case((LinkAttempt.attempted_at < now - MEMORY, 1), else_=LinkAttempt.failures + 1),
            "attempted_at": now,
            "blocked_until": None,
        },
        where=or_(LinkAttempt.blocked_until.is_(None), LinkAttempt.blocked_until <= now),
    ).returning(LinkAttempt.failures)
    failures = (await session.execute(statement)).scalar()
    if failures is None:  # waiting: this try is not counted, nor looked at
        until = await session.scalar(select(LinkAttempt.blocked_until).where(LinkAttempt.guesser == guesser))
        return Attempt(guesser, False, wait=max(timedelta(0), (until or now) - now))
    return Attempt(guesser, True, failures=int(failures))


async def wrong(session: AsyncSession, attempt: Attempt, now: datetime) -> None:
    """The code was wrong: from the fifth in a row, the account waits (longer each time)."""
    wait = wait_after(attempt.failures)
    if wait is not None:
        await session.execute(
            update(LinkAttempt).where(LinkAttempt.guesser == attempt.guesser).values(blocked_until=now + wait)
            .execution_options(synchronize_session=False)
        )


async def right(session: AsyncSession, attempt: Attempt) -> None:
    """The code was right: the account starts afresh."""
    await session.execute(
        update(LinkAttempt).where(LinkAttempt.guesser == attempt.guesser).values(failures=0, blocked_until=None)
        .execution_options(synchronize_session=False)
    )


async def attempts_of(session: AsyncSession, accounts: Iterable[tuple[str, str]]) -> list[tuple[str, LinkAttempt]]:
    """(platform, row) for each of these (platform, user id) accounts that typed codes: for ``mydata``."""
    key = await existing_key(session, KEY_NAME)
    if key is None:
        return []
    by_guesser = {guesser_of(key, platform, user_id): platform for platform, user_id in accounts}
    rows = await session.scalars(select(LinkAttempt).where(LinkAttempt.guesser.in_(list(by_guesser))))
    return [(by_guesser[row.guesser], row) for row in rows]
