"""Per-platform send rates, shaped by what each platform publishes.

- Telegram: about 30 messages per second overall, 1 per second in one chat, 20 per
  minute in one group (https://core.telegram.org/bots/faq, "broadcasting to users").
- Slack: about 1 message per second per channel (chat.postMessage, "special" tier).
- Discord: 50 requests per second for the bot overall. Per-route buckets are announced
  in response headers (X-RateLimit-*) and discord.py already waits on them itself, so
  only the global ceiling is enforced here.

Limits are configured here, by platform name; adapters never configure them. Several bot
processes on one database split each platform's limits: every engine learns from the
``workers`` heartbeats how many live processes serve a platform and keeps to its share
(``Limits.share``), so together they stay within the published figures; the platform's
429 answers (``RetryAfter``) remain the safety net while the count catches up.

Waiting is by reservation: each send books the next free slot and sleeps exactly until
it (no polling), so a queue of 10,000 messages leaves at the allowed rate and no faster.
"""
from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.delivery.transport import Target

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    per_second: float | None = None  # the platform's overall ceiling for this bot
    chat_interval: float | None = None  # seconds between two messages to one chat or person
    group_per_minute: int | None = None  # messages per ``group_window`` to one group chat (to_chat targets)
    group_window: float = 60.0  # seconds: a minute, shorter only when scaled

    def scaled(self, factor: float) -> "PlatformLimits":
        """The same shape ``factor`` times faster (tests and benchmarks against a scaled fake): the
        clock runs faster, so a group keeps its 20 messages, in a window ``factor`` times shorter
        (20 x factor in a whole minute would let a burst of 20 x factor through at once)."""
        return PlatformLimits(
            per_second=None if self.per_second is None else self.per_second * factor,
            chat_interval=None if self.chat_interval is None else self.chat_interval / factor,
            group_per_minute=self.group_per_minute,
            group_window=self.group_window / factor,
        )

    def shared(self, workers: int) -> "PlatformLimits":
        """One of ``workers`` equal shares: the overall rate and each chat's rate divided."""
        if workers <= 1:
            return self
        return PlatformLimits(
            per_second=None if self.per_second is None else self.per_second / workers,
            chat_interval=None if self.chat_interval is None else self.chat_interval * workers,
            group_per_minute=None if self.group_per_minute is None else max(1, self.group_per_minute // workers),
            group_window=self.group_window,
        )


PUBLISHED: dict[str, PlatformLimits] = {
    "telegram": PlatformLimits(per_second=30.0, chat_interval=1.0, group_per_minute=20),
    "slack": PlatformLimits(chat_interval=1.0),
    "discord": PlatformLimits(per_second=50.0),
    "console": PlatformLimits(),
}
# Telegram with paid broadcast (``allow_paid_broadcast``): up to 1,000 messages a second overall,
# the per-chat limits unchanged (https://core.telegram.org/bots/faq, "broadcasting to users").
PAID_BROADCAST: dict[str, PlatformLimits] = {
    "telegram": PlatformLimits(per_second=1000.0, chat_interval=1.0, group_per_minute=20),
}


class Spacing:
    """At most one event per ``interval`` seconds on average; each caller books the next slot.

    A task woken a little late must not lose its slot for good (under load every wake-up is a
    few milliseconds late, which would cost 10-20% of the rate), so slots up to ``slack``
    seconds in the past may still be booked: at most ``CATCH_UP`` messages go at once, well
    inside the one-second burst platforms tolerate.
    """

    CATCH_UP = 5

    def __init__(self, interval: float, clock: Clock) -> None:
        self.interval = interval
        self.clock = clock
        self.slack = min(0.2, self.CATCH_UP * interval)
        self.next_free = 0.0

    def book(self, not_before: float) -> float:
        slot = max(self.clock() - self.slack, self.next_free, not_before)
        self.next_free = slot + self.interval
        return slot

    def pause_until(self, moment: float) -> None:
        self.next_free = max(self.next_free, moment)


class _Chat:
    """The limits of one chat. Its lock makes sends to it go one after another, and each
    send's real moment (after the overall slot) is what the next one is spaced from."""

    __slots__ = ("lock", "interval", "window", "span", "next_free", "paused_until", "users")

    def __init__(self, limits: PlatformLimits, group: bool) -> None:
        self.lock = asyncio.Lock()
        self.interval = limits.chat_interval or 0.0
        count = limits.group_per_minute if group else None
        self.window: collections.deque[float] | None = collections.deque(maxlen=count) if count else None
        self.span = limits.group_window
        self.next_free = 0.0
        self.paused_until = 0.0
        self.users = 0

    def earliest(self, now: float) -> float:
        moment = max(now, self.next_free, self.paused_until)
        if self.window is not None and len(self.window) == self.window.maxlen:
            moment = max(moment, self.window[0] + self.span)  # the oldest of the last N leaves the minute
        return moment

    def record(self, moment: float) -> None:
        self.next_free = moment + self.interval
        if self.window is not None:
            self.window.append(moment)

    def quiet(self, now: float) -> bool:
        """Nothing about this chat matters any more: its state can be forgotten."""
        if self.users or now < self.next_free or now < self.paused_until:
            return False
        return not self.window or now >= self.window[-1] + self.span


class PlatformLimiter:
    """Paces one platform's sends: per chat first (in order), then the platform's overall slot."""

    SWEEP_EVERY = 2000  # acquisitions between two clean-ups of idle chats

    def __init__(self, limits: PlatformLimits, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.limits = limits
        self.clock = clock
        self.sleep = sleep  # injected with the clock by tests that run on virtual time
        self.overall = Spacing(1.0 / limits.per_second, clock) if limits.per_second else None
        self.paused_until = 0.0
        self._chats: dict[tuple[str, bool], _Chat] = {}
        self._since_sweep = 0

    async def _sleep_until(self, moment: float) -> None:
        delay = moment - self.clock()
        if delay > 0:
            await self.sleep(delay)

    def _chat(self, target: Target) -> _Chat:
        key = (target.address, target.to_chat)
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat(self.limits, target.to_chat)
        return chat

    def _sweep(self) -> None:
        self._since_sweep += 1
        if self._since_sweep < self.SWEEP_EVERY:
            return
        self._since_sweep = 0
        now = self.clock()
        for key in [k for k, chat in self._chats.items() if chat.quiet(now)]:
            del self._chats[key]

    def estimate(self, target: Target) -> float:
        """Seconds before a send to ``target`` could start (a lower bound: others may queue too)."""
        now = self.clock()
        moment = max(now, self.paused_until)
        chat = self._chats.get((target.address, target.to_chat))
        if chat is not None:
            moment = max(moment, chat.earliest(now))
            # sends already queued for this chat go first, each at least its spacing apart
            step = chat.interval
            if chat.window is not None and chat.window.maxlen:
                step = max(step, chat.span / chat.window.maxlen)
            moment += chat.users * step
        return moment - now

    async def acquire(self, target: Target, gate: Callable[[], Awaitable[None]] | None = None) -> None:
        """Wait for the moment a message to ``target`` may be sent, and book it.

        ``gate`` (the caller's limit on requests in flight) is passed once the chat's turn has
        come, still holding the chat (its next message is then spaced from when this one really
        leaves), and before the overall slot is booked: a slot booked while the wire was full
        would be spent late, together with every other one booked meanwhile, and the platform,
        which counts arrivals, would see them all at once when the wire frees."""
        self._sweep()
        chat = self._chat(target)
        chat.users += 1
        gated = gate is None
        try:
            async with chat.lock:
                while True:
                    await self._sleep_until(max(chat.earliest(self.clock()), self.paused_until))
                    if not gated:
                        await gate()  # type: ignore[misc]
                        gated = True
                    if self.overall is not None:
                        await self._sleep_until(self.overall.book(self.paused_until))
                    now = self.clock()
                    if now >= self.paused_until and now >= chat.paused_until:
                        chat.record(now)
                        return
                    # a 429 arrived while we waited: wait for the pause to end and book again
        finally:
            chat.users -= 1

    def reshape(self, limits: PlatformLimits) -> None:
        """New limits from now on (the number of processes sharing the platform changed)."""
        self.limits = limits
        if limits.per_second:
            interval = 1.0 / limits.per_second
            if self.overall is None:
                self.overall = Spacing(interval, self.clock)
            else:
                self.overall.interval = interval
                self.overall.slack = min(0.2, Spacing.CATCH_UP * interval)
        else:
            self.overall = None
        for (_address, group), chat in self._chats.items():
            chat.interval = limits.chat_interval or 0.0
            chat.span = limits.group_window
            count = limits.group_per_minute if group else None
            if chat.window is not None and count:
                chat.window = collections.deque(chat.window, maxlen=count)

    def pause(self, seconds: float, scope: str = "global", target: Target | None = None) -> None:
        """The platform answered 429: nothing (or nothing to this chat) goes out for ``seconds``."""
        until = self.clock() + max(0.0, seconds)
        if scope == "chat" and target is not None:
            chat = self._chat(target)
            chat.paused_until = max(chat.paused_until, until)
            return
        self.paused_until = max(self.paused_until, until)
        if self.overall is not None:
            self.overall.pause_until(until)


class Limits:
    """Every platform's limiter, made on first use from ``PUBLISHED`` (times ``scale``, divided
    by the number of live processes serving the platform: ``share``)."""

    def __init__(self, scale: float = 1.0, overrides: dict[str, PlatformLimits] | None = None,
                 clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.scale = scale
        self.overrides = overrides or {}
        self.clock = clock
        self.sleep = sleep
        self._limiters: dict[str, PlatformLimiter] = {}
        self.workers: dict[str, int] = {}  # platform -> live processes sharing its limits

    def limits_for(self, platform: str) -> PlatformLimits:
        limits = self.overrides.get(platform) or PUBLISHED.get(platform) or PlatformLimits()
        limits = limits.scaled(self.scale) if self.scale != 1.0 else limits
        return limits.shared(self.workers.get(platform, 1))

    def share(self, platform: str, workers: int) -> None:
        """``workers`` live processes (this one included) send for ``platform``: keep to one share."""
        workers = max(1, workers)
        if self.workers.get(platform, 1) == workers:
            return
        self.workers[platform] = workers
        limiter = self._limiters.get(platform)
        if limiter is not None:
            limiter.reshape(self.limits_for(platform))

    def __getitem__(self, platform: str) -> PlatformLimiter:
        limiter = self._limiters.get(platform)
        if limiter is None:
            limiter = self._limiters[platform] = PlatformLimiter(self.limits_for(platform), self.clock, self.sleep)
        return limiter

    def rate(self, platform: str) -> float | None:
        """Messages per second the platform allows overall (None: no overall limit)."""
        return self.limits_for(platform).per_second
