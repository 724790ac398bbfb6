"""The delivery limiter (core.delivery.limits) against the shape of Telegram's limits, scaled as
the benchmarks and the strict fake Bot API scale them: the clock runs ``scale`` times faster, so
a group's "20 a minute" becomes 20 in 60/scale seconds, not 20 x scale in a minute. Clock injected:
nothing here sleeps."""
from __future__ import annotations

from core.delivery.limits import PUBLISHED, Limits
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
