"""Sending claimed rows: render, pace, send, mark. One task per row, many at once.

A row's life here: claimed (``sending``) -> rendered in the recipient's language ->
waits for its slot in the platform's limiter -> sent -> marked within about 10 ms, together
with the sends that finished meanwhile (one short transaction). The window between a
successful send and its mark is those milliseconds; a SIGKILL exactly inside it is the
only way a push goes out twice (the lease runs out and another process sends it again).
Everything else -- a crash before the send, a clean stop, a 429, a network error, a lease
that ran out while the row waited for its slot (checked before its first send) -- ends
with the row sent exactly once.

A push of several platform messages (a long announcement) is recorded part by part: each
part the platform accepted is written to the row (``parts_sent``) before the next is tried,
so every retry -- in place after a 429, later after a network error, or by another process
after a crash -- starts at the first part not yet out. The same window applies, per part.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from core import metrics
from core.messages.types import Reply
from core.db.engine import Database
from core.db.models import Delivery, Member
from core.db.types import utcnow
from core.delivery import claim as outbox_claim
from core.delivery.claim import Scope
from core.delivery.limits import Limits, PlatformLimiter
from core.delivery.renderers import Renderers, UnknownRenderer
from core.delivery.transport import (
    PermanentError, Progress, RetryAfter, Target, TransientError, Transport, Unreachable,
)
from core.i18n import DEFAULT_LANGUAGE
from core.i18n.region import use_locale

log = logging.getLogger(__name__)


LEASE = 30.0  # seconds a claim holds a row; renewed while it waits, so it only bounds recovery after a crash
DEFER_AFTER = 20.0  # a row that would wait longer than this for its chat goes back to the table
RETRY_AFTER_IN_PLACE = 5  # 429s answered by waiting and sending again before the row is deferred
MARK_TRIES = 5  # a mark is tried at least this many times...
MARK_PATIENCE = 1.0  # ...and for at least this many seconds (else 80% of the lease)
# Platform calls on the wire at once, per platform: enough to keep the platform's rate with a
# round trip of 0.1 s (8 at Telegram's 30/s, 100 at paid broadcast's 1,000/s). More only
# queue inside the HTTP client, which gets slower with every waiting request; the limiter
# already sets the pace.
CONCURRENT_SENDS = 8
MOST_CONCURRENT_SENDS = 128
ROUND_TRIP = 0.1  # seconds: a platform call's round trip (to a distant data centre), to size the sends in flight
# A "sent" mark waits this long for the sends finishing right after it, so one transaction marks
# them all: at 1,000 messages a second, about ten rows per mark instead of one or two.
MARK_GATHER = 0.01


def new_worker_id() -> str:
    """Who claims: host, process and a random part (a restarted process is a new worker)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def serves(transport: Transport) -> Scope:
    """The rows a transport takes: its platform, narrowed by an optional ``addresses`` attribute."""
    addresses = getattr(transport, "addresses", None)
    return Scope(transport.platform, None if addresses is None else frozenset(addresses))


def concurrent_sends(limits: Limits, platform: str) -> int:
    """Platform calls on the wire at once: the rate times a round trip, within bounds."""
    rate = limits.rate(platform)
    if rate is None:
        return CONCURRENT_SENDS
    return max(CONCURRENT_SENDS, min(MOST_CONCURRENT_SENDS, int(rate * ROUND_TRIP)))


def capacity(limits: Limits, platform: str) -> int:
    """Rows of one platform in flight at once: about two seconds of sending at its rate."""
    rate = limits.rate(platform)
    if rate is None:
        return 50
    return max(4, min(2000, int(rate * 2)))


@dataclass
class _Flight:
    row: Delivery
    started: bool = False  # the first platform call began: from here the row may be out
    parts: int = 0  # platform messages of this push already out (recorded in ``parts_sent``)
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    held_until: float = 0.0  # the loop's clock when our lease on the row ends, at the latest


class Dispatcher:
    """Claims due rows for its transports and sends them within the platforms' limits."""

    def __init__(
        self,
        db: Database,
        transports: Iterable[Transport] | Mapping[str, Transport],
        *,
        worker_id: str | None = None,
        limits: Limits | None = None,
        lease: float = LEASE,
        renderers: Renderers | None = None,
    ) -> None:
        """``renderers``: how rows that name a renderer become replies (none: only finished replies)."""
        self.db = db
        self.renderers = renderers if renderers is not None else Renderers()
        if isinstance(transports, Mapping):  # {"discord": transport} is accepted too
            transports = transports.values()
        self.transports: dict[str, Transport] = {t.platform: t for t in transports}
        self.worker = worker_id or new_worker_id()
        self.limits = limits or Limits()
        self.lease = lease
        self.flights: dict[int, _Flight] = {}
        self.claiming = True
        self.changed = asyncio.Event()  # a send finished: there may be room for more
        self.stats: dict[str, int] = {}
        self.next_due: datetime | None = None  # when the next row falls due (after an idle look)
        self._wire = {platform: asyncio.Semaphore(concurrent_sends(self.limits, platform))
                      for platform in self.transports}
        self._busy: dict[str, int] = {}  # platform -> rows in flight (``room`` runs at every finished send)
        self._sent: list[tuple[int, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ claiming

    def room(self) -> dict[str, int]:
        """Per platform, how many more rows may be claimed now."""
        busy = self._busy
        room = {}
        for platform in self.transports:
            most = capacity(self.limits, platform)
            free = most - busy.get(platform, 0)
            # refill in batches (a quarter of the capacity) rather than one row per finished send
            if free >= max(1, most // 4) or busy.get(platform, 0) == 0:
                room[platform] = free
        return room

    async def dispatch(self) -> int:
        """Claim what fits and start sending it. Returns how many rows were claimed."""
        if not self.claiming:
            return 0
        room = self.room()
        if not room:
            return 0
        scopes = {p: serves(self.transports[p]) for p in room}
        async with self.db.sessions() as session:
            self.next_due = await outbox_claim.next_due(session, list(scopes.values()))
        if self.next_due is None or self.next_due > utcnow():
            return 0
        self.next_due = None
        claimed = 0
        for platform, free in room.items():
            held_until = asyncio.get_running_loop().time() + self.lease  # taken before the claim: never late
            async with self.db.transaction() as session:
                rows = await outbox_claim.claim(session, [scopes[platform]], self.worker, limit=free, lease=self.lease)
            for row in rows:
                if row.id in self.flights:  # our own lease ran out while it waited: it is still ours
                    self.flights[row.id].held_until = held_until
                    continue
                flight = _Flight(row, parts=row.parts_sent or 0, held_until=held_until)
                self.flights[row.id] = flight
                self._busy[platform] = self._busy.get(platform, 0) + 1
                flight.task = asyncio.create_task(self._deliver(flight), name=f"delivery-{row.id}")
            claimed += len(rows)
        return claimed

    async def renew(self) -> None:
        """Extend the lease of every row this process holds (some wait long for a busy chat)."""
        ids = list(self.flights)
        if not ids:
            return
        held_until = asyncio.get_running_loop().time() + self.lease
        until = utcnow() + timedelta(seconds=self.lease)
        async with self.db.transaction() as session:
            renewed = await outbox_claim.renew_held(session, ids, self.worker, until)
        for row_id in renewed:
            flight = self.flights.get(row_id)
            if flight is not None:
                flight.held_until = held_until

    async def _still_ours(self, flight: _Flight) -> bool:
        """Before a row's first send: is it still this process's? Known without a query while
        its lease has a third of its length left; otherwise (renewals came late, or it waited
        longer than the lease) the lease is renewed now, which fails if another process took it."""
        loop = asyncio.get_running_loop()
        if flight.held_until - loop.time() > self.lease / 3:
            return True
        held_until = loop.time() + self.lease
        until = utcnow() + timedelta(seconds=self.lease)
        renewed = await self._write("held", outbox_claim.renew_held, [flight.row.id], self.worker, until)
        if renewed is _LOST or not renewed:
            return False
        flight.held_until = held_until
        return True

    # ------------------------------------------------------------ one row

    def _count(self, what: str, number: int = 1) -> None:
        self.stats[what] = self.stats.get(what, 0) + number

    async def _mark(self, what: str, action: Callable[..., Awaitable[object]], *args: object, number: int = 1) -> None:
        """Run one mark in its own short transaction, retrying while the database is away."""
        if await self._write(what, action, *args) is not _LOST:
            self._count(what, number)
            self._measure(what, args[0])

    async def _write(self, what: str, action: Callable[..., Awaitable[object]], *args: object) -> object:
        """``action(session, *args)`` in its own transaction; its result, or ``_LOST`` if it never landed.

        A push that went out must be marked, or the row is sent again when its lease ends: so a
        mark keeps trying (backing off up to a second) for most of the lease -- a database that
        restarts or is cut off briefly loses no mark -- and only then leaves the row to its lease.
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + max(MARK_PATIENCE, self.lease * 0.8)
        attempt = 0
        while True:
            try:
                async with self.db.transaction() as session:
                    return await action(session, *args)
            except Exception:  # noqa: BLE001 - a mark that never lands leaves the row to its lease
                attempt += 1
                if attempt >= MARK_TRIES and loop.time() >= give_up:
                    log.exception("could not mark delivery %s as %s", args[0], what)
                    return _LOST
                if attempt == 1:
                    log.warning("marking delivery %s as %s failed; retrying until the database answers", args[0], what)
                await asyncio.sleep(min(1.0, 0.05 * 2 ** (attempt - 1)))

    def _measure(self, what: str, rows: object) -> None:
        """Count marked rows for /metrics (``rows``: the row, or ids of rows in flight here)."""
        try:  # never raises: the mark it follows is done and must not be run again
            now = utcnow()
            found = [rows] if isinstance(rows, Delivery) else [
                self.flights[i].row for i in rows if i in self.flights]  # type: ignore[attr-defined]
            for row in found:
                metrics.delivery_marked(what, row.platform, row.due_at, now)
        except Exception:  # noqa: BLE001
            log.debug("counting a %s mark failed", what, exc_info=True)

    async def _mark_sent(self, row_id: int) -> None:
        """Record a send within ``MARK_GATHER``. Sends that finish meanwhile, or while a mark is
        being written, are marked together by one transaction (group commit): under load one
        statement marks tens of rows, and the send-to-mark window stays about 10 ms."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sent.append((row_id, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_sent())
        await asyncio.shield(done)

    async def _flush_sent(self) -> None:
        while self._sent:
            await asyncio.sleep(MARK_GATHER)  # the sends finishing meanwhile join this mark
            batch, self._sent = self._sent, []
            ids = [row_id for row_id, _ in batch]
            try:
                await self._mark("sent", outbox_claim.mark_sent, ids, self.worker, number=len(ids))
            finally:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _render(self, row: Delivery) -> Reply | None:
        if "reply" in row.payload:
            return await self.renderers.render(None, row)  # type: ignore[arg-type] - needs no session
        language = country = None
        if self.renderers.needs_member_language(row):
            async with self.db.sessions() as session:
                found = (await session.execute(
                    select(Member.language, Member.country_code).where(Member.id == row.member_id))).first()
            language, country = found if found else (None, None)

        async def make() -> Reply | None:
            async with self.db.sessions() as session:
                with use_locale(language or DEFAULT_LANGUAGE, country):
                    return await self.renderers.render(session, row)

        key = self.renderers.shared_key(row, language, country)
        return await (make() if key is None else self.renderers.render_once(key, make))

    async def _deliver(self, flight: _Flight) -> None:
        row = flight.row
        try:
            await self._deliver_row(flight)
        except asyncio.CancelledError:
            if not flight.started:
                await asyncio.shield(self._mark("released", outbox_claim.release, [row.id], self.worker))
            raise
        except Exception as error:  # noqa: BLE001 - one bad row never stops the others
            log.exception("delivery %s failed unexpectedly", row.id)
            await self._mark("failed", outbox_claim.mark_failed, [row.id], self.worker, error)
        finally:
            if self.flights.pop(row.id, None) is not None:
                self._busy[row.platform] -= 1
            self.changed.set()

    async def _record_parts(self, flight: _Flight, parts: int) -> None:
        """``parts`` messages of the push are out: write it down before the next one is tried.

        Raises ``_NotOurs`` when the row is no longer this process's (its lease ran out and
        another process claimed it, which resumes from what is recorded) or the count could not
        be written: sending on would then repeat what the next claim sends again.
        """
        flight.parts = parts
        until = utcnow() + timedelta(seconds=self.lease)
        written = await self._write("part", outbox_claim.record_parts, flight.row.id, self.worker, parts, until)
        if written is _LOST or not written:
            raise _NotOurs()
        self._count("parts")

    def _expired(self, row: Delivery) -> bool:
        return row.expires_at is not None and utcnow() >= row.expires_at

    async def _deliver_row(self, flight: _Flight) -> None:
        row = flight.row
        ids = [row.id]
        if self._expired(row):
            await self._mark("expired", outbox_claim.mark_expired, ids, self.worker)
            return
        try:
            reply = await self._render(row)
        except UnknownRenderer as error:  # a process without that feature: let another one, or later, try
            await self._mark("retried", outbox_claim.mark_retry, row, self.worker, f"no renderer {error}")
            return
        if reply is None:
            await self._mark("skipped", outbox_claim.mark_skipped, ids, self.worker)
            return
        transport = self.transports[row.platform]
        limiter = self.limits[row.platform]
        target = Target(row.platform, row.target, bool(row.to_chat))
        for _attempt in range(RETRY_AFTER_IN_PLACE):
            wait = limiter.estimate(target)
            if wait > DEFER_AFTER:
                until = utcnow() + timedelta(seconds=wait)
                await self._mark("deferred", outbox_claim.defer, ids, self.worker, until)
                return
            try:
                await self._send(flight, transport, limiter, target, reply)
            except RetryAfter as error:
                limiter.pause(error.seconds, error.scope, target)
                self._count("retry_after")
                if error.seconds > DEFER_AFTER:
                    until = utcnow() + timedelta(seconds=error.seconds)
                    await self._mark("deferred", outbox_claim.defer, ids, self.worker, until)
                    return
                continue
            except _Expired:
                await self._mark("expired", outbox_claim.mark_expired, ids, self.worker)
                return
            except _NotOurs:
                log.warning("delivery %s: stopped after %d part(s), the row is no longer ours", row.id, flight.parts)
                self._count("lost")
                return
            except _Withdrawn:
                await self._mark("skipped", outbox_claim.mark_skipped, ids, self.worker)
                return
            except Unreachable as error:
                log.info("delivery %s: %s unreachable (%s)", row.id, row.platform, error.reason)
                await self._mark("unreachable", outbox_claim.mark_unreachable, row, self.worker, error)
                return
            except PermanentError as error:
                log.warning("delivery %s failed for good: %s", row.id, error.reason)
                await self._mark("failed", outbox_claim.mark_failed, ids, self.worker, error)
                return
            except TransientError as error:
                log.info("delivery %s: transient error, will retry: %s", row.id, error)
                await self._mark("retried", outbox_claim.mark_retry, row, self.worker, error)
                return
            await self._mark_sent(row.id)
            return
        await self._mark("deferred", outbox_claim.defer, ids, self.worker, utcnow() + timedelta(seconds=1))

    async def _send(self, flight: _Flight, transport: Transport, limiter: PlatformLimiter, target: Target,
                    reply: Reply) -> None:
        first = True
        wire = self._wire[target.platform]
        holding = False

        async def take_wire() -> None:
            nonlocal holding
            await wire.acquire()
            holding = True

        async def pace() -> None:
            nonlocal first
            if not first:
                await limiter.acquire(target)
                return
            first = False
            await limiter.acquire(target, gate=take_wire)
            if self._expired(flight.row):  # the wait ran past the deadline: do not send late
                raise _Expired()
            if not self.claiming and not flight.started:
                raise asyncio.CancelledError()  # stopping: give the row back rather than start it
            if not flight.started and not await self.renderers.still_wanted(self.db, flight.row):
                raise _Withdrawn()  # e.g. its announcement was cancelled while it waited for its slot
            if not flight.started and not await self._still_ours(flight):
                raise _NotOurs()  # its lease ran out while it waited, and another process took it
            flight.started = True

        async def record(parts: int) -> None:
            await self._record_parts(flight, parts)

        try:
            send_paced = getattr(transport, "send_paced", None)
            if reply.access:  # chats to give or take back (``core.access``): no message is sent
                apply_access = getattr(transport, "apply_access", None)
                if apply_access is None:
                    raise PermanentError(f"{target.platform} cannot give or take back access to chats")
                await apply_access(target, reply.access, pace)
            elif send_paced is not None:
                await send_paced(target, reply, pace, Progress(flight.parts, record))
            else:
                await pace()
                await transport.send(target, reply)
        finally:
            if holding:
                wire.release()

    # ------------------------------------------------------------ stopping

    async def stop(self, timeout: float) -> None:
        """Stop claiming; let sends that began finish (up to ``timeout``); give back the rest."""
        self.claiming = False
        waiting = [f.task for f in self.flights.values() if not f.started and f.task is not None]
        for task in waiting:
            task.cancel()
        tasks = [f.task for f in list(self.flights.values()) if f.task is not None]
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:  # a send stuck past the timeout: its row stays claimed until the lease ends
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)


class _Expired(Exception):
    """The row's deadline passed while it waited for its slot."""


class _NotOurs(Exception):
    """Between two parts of a push: the row is no longer this process's to send."""


class _Withdrawn(Exception):
    """The row's last check said no while it waited for its slot."""


_LOST = object()  # a write that never reached the database
