"""Command limits: a token bucket per account and per chat, checked before any database work.

A flood of commands, searches or page buttons from one account must cost almost nothing and
must not slow anyone else down, so the check is a dictionary look-up in memory, in front of
the request's transaction. Each bot process keeps its own buckets: with several processes
(``alumni run`` per platform, or scaled out) each applies the limits to what it receives.

A person who goes over the limit is told once, politely and in their language, then further
requests are dropped silently until the limit lets them through again (at most one notice per
``NOTICE_EVERY`` per account or chat, so a flood never turns into a flood of notices).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from core.messages.types import Reply, Request
from core.config import Settings
from core.i18n import _, is_rtl, use_language

# The console bot is one person at this machine's keyboard, or a script piped in by its operator (who
# can reach the database anyway): nobody to protect from it, and a script must not be cut short.
UNLIMITED_PLATFORMS = frozenset({"console"})
NOTICE_EVERY = 60.0  # seconds between two "slow down" notices to one account or chat
SWEEP_EVERY = 1024  # checks between two sweeps of idle buckets (memory stays bounded)


@dataclass(frozen=True)
class RateLimit:
    """``per_minute`` requests a minute on average, ``burst`` at once; ``per_minute`` 0: no limit."""

    per_minute: int
    burst: int

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0 and self.burst > 0

    def describe(self) -> dict[str, int]:
        return {"per_minute": self.per_minute, "burst": self.burst}


@dataclass
class _Bucket:
    tokens: float
    at: float
    notice_after: float = float("-inf")  # no notice before this moment (one per NOTICE_EVERY)
    language: str | None = None  # the member's language, learnt from a handled request, for the notice


class Buckets:
    """Token buckets by key, all with one limit; idle (full) buckets are forgotten."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._rate = limit.per_minute / 60.0

    def _refilled(self, key: tuple[str, str], now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.limit.burst), now)
        else:
            bucket.tokens = min(float(self.limit.burst), bucket.tokens + (now - bucket.at) * self._rate)
            bucket.at = now
        return bucket

    def has_token(self, key: tuple[str, str], now: float) -> bool:
        return not self.limit.enabled or self._refilled(key, now).tokens >= 1.0

    def take(self, key: tuple[str, str], now: float) -> None:
        if self.limit.enabled:
            self._refilled(key, now).tokens -= 1.0

    def notice_due(self, key: tuple[str, str], now: float) -> bool:
        """True once per NOTICE_EVERY for a key that is over its limit."""
        bucket = self._refilled(key, now)
        if now < bucket.notice_after:
            return False
        bucket.notice_after = now + NOTICE_EVERY
        return True

    def bucket(self, key: tuple[str, str]) -> _Bucket | None:
        return self._buckets.get(key)

    def sweep(self, now: float) -> None:
        """Forget buckets that are full again and owe no silence: they hold nothing worth keeping."""
        if not self.limit.enabled:
            return
        full_after = self.limit.burst / self._rate
        for key in [k for k, b in self._buckets.items() if now - b.at >= full_after and now >= b.notice_after]:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class Verdict(Enum):
    HANDLE = "handle"  # within the limits
    NOTICE = "notice"  # over the account's limit: say "slow down" to them, once
    NOTICE_CHAT = "notice_chat"  # over the chat's limit: say it to the chat, once
    DROP = "drop"  # over a limit, already told: nothing at all


@dataclass
class Throttle:
    """The per-account and per-chat limits of one process."""

    member: RateLimit
    chat: RateLimit
    clock: Callable[[], float] = time.monotonic
    _members: Buckets = field(init=False)
    _chats: Buckets = field(init=False)
    _checks: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._members = Buckets(self.member)
        self._chats = Buckets(self.chat)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Throttle":
        """The limits configured for this process (ALUMNI_RATE_MEMBER_*, ALUMNI_RATE_CHAT_*)."""
        return cls(RateLimit(settings.rate_member_per_minute, settings.rate_member_burst),
                   RateLimit(settings.rate_chat_per_minute, settings.rate_chat_burst))

    def check(self, request: Request) -> Verdict:
        if request.sender.platform in UNLIMITED_PLATFORMS:
            return Verdict.HANDLE
        now = self.clock()
        self._checks += 1
        if self._checks % SWEEP_EVERY == 0:
            self._members.sweep(now)
            self._chats.sweep(now)
        member = (request.sender.platform, request.sender.user_id)
        chat = (request.sender.platform, request.chat.chat_id)
        # Both are looked at before either is spent: a request refused for its chat costs its sender nothing.
        if not self._members.has_token(member, now):
            return Verdict.NOTICE if self._members.notice_due(member, now) else Verdict.DROP
        if not self._chats.has_token(chat, now):
            return Verdict.NOTICE_CHAT if self._chats.notice_due(chat, now) else Verdict.DROP
        self._members.take(member, now)
        self._chats.take(chat, now)
        return Verdict.HANDLE

    def over_limit(self, request: Request) -> bool:
        """Would ``check`` refuse this request now? Spends nothing: for an adapter that must ask its
        platform something (who administers a group) before handing the request over."""
        if request.sender.platform in UNLIMITED_PLATFORMS:
            return False
        now = self.clock()
        member = (request.sender.platform, request.sender.user_id)
        chat = (request.sender.platform, request.chat.chat_id)
        return not (self._members.has_token(member, now) and self._chats.has_token(chat, now))

    def remember_language(self, request: Request, language: str) -> None:
        """The language of the member behind a handled request: their notice will be in it."""
        bucket = self._members.bucket((request.sender.platform, request.sender.user_id))
        if bucket is not None:
            bucket.language = language

    def language_of(self, request: Request) -> str | None:
        bucket = self._members.bucket((request.sender.platform, request.sender.user_id))
        return None if bucket is None else bucket.language

    def notice(self, request: Request, verdict: Verdict, guessed: str) -> Reply:
        """The one "slow down" of a throttled period, in the member's language (no database needed):
        to the account alone (privately) for its own limit, to the chat for the chat's."""
        with use_language(self.language_of(request) or guessed) as language:
            if verdict is Verdict.NOTICE_CHAT:
                text = _("This chat is sending commands faster than I can answer. Please wait a minute, then try again.")
            else:
                text = _("You are sending commands faster than I can answer. Please wait a minute, then try again.")
            return Reply(text, language=language, rtl=is_rtl(language), private=verdict is Verdict.NOTICE)

    def describe(self) -> dict[str, dict[str, int]]:
        return {"member": self.member.describe(), "chat": self.chat.describe()}
