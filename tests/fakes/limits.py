"""Rate limits the fake platforms keep, measured where the platform measures them: at arrival.

``Bucket`` (a token bucket: a rate and a burst), ``Window`` (at most N in any sliding window) and
``FixedWindow`` (N per window opened by the first request, what Discord announces per route).
"""
from __future__ import annotations

import collections


class Bucket:
    """A token bucket: ``rate`` tokens a second, at most ``capacity`` saved (a burst).

    ``tolerance`` (in tokens) lets a request in a little early: the network delays and reorders
    requests a client spaced correctly, and Telegram measures at its end. A request taken early
    leaves the bucket in debt, so the long-run rate never exceeds ``rate``."""

    def __init__(self, rate: float, capacity: float, tolerance: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tolerance = tolerance
        self.tokens = capacity
        self.stamp = now

    def wait(self, now: float) -> float:
        """0 if a request may go now, else the seconds until it could."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        missing = 1 - self.tolerance - self.tokens
        return max(0.0, missing / self.rate)

    def take(self) -> None:
        """One request counted; refused ones too, down to one burst of debt (no forgiveness)."""
        self.tokens = max(-self.capacity, self.tokens - 1)


class Window:
    """At most ``count`` requests in any ``seconds``-long window (Telegram's "20 a minute in a group"),
    with the same ``tolerance`` (seconds) for network jitter."""

    def __init__(self, count: int, seconds: float, tolerance: float = 0.0) -> None:
        self.seconds = seconds
        self.tolerance = tolerance
        self.stamps: collections.deque[float] = collections.deque(maxlen=count)

    def wait(self, now: float) -> float:
        if len(self.stamps) < (self.stamps.maxlen or 0):
            return 0.0
        return max(0.0, self.stamps[0] + self.seconds - self.tolerance - now)

    def take(self, now: float) -> None:
        self.stamps.append(now)


class FixedWindow:
    """``limit`` requests per ``seconds``, the window opening at its first request (Discord's
    per-route buckets: what remains and when it resets is announced with every answer)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.remaining = limit
        self.resets_at = float("-inf")

    def take(self, now: float) -> float:
        """0 if the request may go (counted), else the seconds until the window resets."""
        if now >= self.resets_at:
            self.remaining = self.limit
            self.resets_at = now + self.seconds
        if self.remaining <= 0:
            return self.resets_at - now
        self.remaining -= 1
        return 0.0
