"""The delivery limiter (core.delivery.limits) against the shape of Telegram's limits, scaled as
the benchmarks and the strict fake Bot API scale them: the clock runs ``scale`` times faster, so
a group's "20 a minute" becomes 20 in 60/scale seconds, not 20 x scale in a minute. Clock injected:
nothing here sleeps."""
from __future__ import annotations

import asyncio
import heapq

from core.delivery.limits import PUBLISHED, Limits, PlatformLimiter, PlatformLimits, Spacing
from core.delivery.transport import Target


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_scaled_group_keeps_twenty_messages_per_scaled_minute() -> None:
    clock = Clock()
    limiter = Limits(scale=10.0, clock=clock)["telegram"]
    group = Target("telegram", "-100777", to_chat=True)
    for _ in range(20):  # one every 0.1 s: the per-chat spacing at scale 10, never a wait
        assert limiter.estimate(group) <= 1e-9
        await limiter.acquire(group)
        clock.now += 0.1
    # the 21st waits for the first to leave the (scaled) minute: 6 s after it, 4 s from now
    assert abs(limiter.estimate(group) - (6.0 - 2.0)) < 1e-6


async def test_unscaled_limits_are_the_published_ones() -> None:
    clock = Clock()
    limits = Limits(clock=clock)
    assert limits.limits_for("telegram") == PUBLISHED["telegram"]
    limiter = limits["telegram"]
    group = Target("telegram", "-100778", to_chat=True)
    for _ in range(20):
        await limiter.acquire(group)
        clock.now += 1.0
    assert abs(limiter.estimate(group) - (60.0 - 20.0)) < 1e-6


def test_two_processes_share_a_scaled_group_window() -> None:
    limits = Limits(scale=10.0)
    limits.share("telegram", 2)
    shared = limits.limits_for("telegram")
    assert shared.group_per_minute == 10 and abs(shared.group_window - 6.0) < 1e-9
    assert abs(shared.chat_interval - 0.2) < 1e-9 and abs(shared.per_second - 150.0) < 1e-9


class VirtualTime:
    """A clock and a sleep for the limiter: sleeping tasks wake in order of their deadlines, the
    clock jumping to each, once every other task is blocked. Nothing waits for real."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._count += 1
        heapq.heappush(self._timers, (self.now + max(0.0, delay), self._count, future))
        await future

    async def settle(self) -> None:
        for _ in range(20):  # let every runnable task run until it blocks
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        """Run the timers due within ``seconds``, in order, then set the clock there."""
        end = self.now + seconds
        await self.settle()
        while self._timers and self._timers[0][0] <= end:
            moment, _n, future = heapq.heappop(self._timers)
            self.now = max(self.now, moment)
            future.set_result(None)
            await self.settle()
        self.now = end
        await self.settle()


async def test_sends_held_at_the_wire_do_not_leave_in_a_burst_when_it_frees() -> None:
    """Two requests in flight at most (the dispatcher's gate); the network stalls for 2 s. Slots
    booked during the stall must not all be spent at once when it ends: the platform counts
    when messages arrive, and 18 at the same instant exceed a 10/s limit's burst."""
    clock = VirtualTime()
    limiter = PlatformLimiter(PlatformLimits(per_second=10.0), clock, sleep=clock.sleep)
    wire = asyncio.Semaphore(2)
    stall = asyncio.Event()
    left: list[float] = []

    async def send(i: int) -> None:
        await limiter.acquire(Target("telegram", str(i)), gate=wire.acquire)
        left.append(clock.now)
        if i < 2:
            await stall.wait()  # the first two requests hang: the wire is full
        wire.release()

    tasks = [asyncio.create_task(send(i)) for i in range(20)]
    await clock.advance(2.0)
    stall.set()
    await clock.advance(5.0)
    await asyncio.gather(*tasks)
    assert len(left) == 20
    # at most the catch-up the spacing allows (a few late wake-ups) at one instant, then 10/s
    at_once = max(left.count(moment) for moment in left)
    assert at_once <= Spacing.CATCH_UP + 1, left
    slack = 0.2  # the spacing's catch-up: slots up to 0.2 s in the past may still be taken
    assert all(b - a >= 1.0 - slack - 1e-9 for a, b in zip(left, left[10:])), left  # 10/s, bar the catch-up
