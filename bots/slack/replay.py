"""A signed Slack request is accepted once.

bolt checks the signature and refuses timestamps older than five minutes, but within those
five minutes a captured request (a slash command, a button press, a form) could be sent
again byte for byte and would run again. This middleware, which bolt runs after its own
signature check, remembers the signatures of the last five minutes (bounded in number) and
refuses a repeat. Socket Mode requests carry no signature: they come over the authenticated
websocket and pass through.
"""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)
WINDOW_SECONDS = 5 * 60 + 60  # bolt's five minutes of accepted clock skew, and a margin
MAX_REMEMBERED = 100_000  # ~10 MB at most; past it, the oldest are forgotten first


class ReplayGuard:
    def __init__(self, window: float = WINDOW_SECONDS, limit: int = MAX_REMEMBERED,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()  # signature -> when first seen
        self._window = window
        self._limit = limit
        self._clock = clock

    def first_time(self, signature: str) -> bool:
        now = self._clock()
        while self._seen and now - next(iter(self._seen.values())) > self._window:
            self._seen.popitem(last=False)  # older than any timestamp bolt still accepts
        if signature in self._seen:
            return False
        if len(self._seen) >= self._limit:
            self._seen.popitem(last=False)
        self._seen[signature] = now
        return True

    async def middleware(self, req: AsyncBoltRequest, resp: BoltResponse,
                         next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        if signature and not self.first_time(signature):
            log.warning("a Slack request was received twice with the same signature: refused")
            return BoltResponse(status=401, body="")
        return await next()
