"""Each Telegram update is handled once, even if its webhook request is replayed.

The webhook secret proves a request comes from Telegram (or from someone who captured one);
a captured request sent again carries an update_id already seen. Telegram numbers updates
in increasing order (several webhook connections may deliver them a little out of order), so
a bounded memory of recent ids is enough: once it is full, ids older than everything it
remembers are refused too.
"""
from __future__ import annotations

import logging
from collections import deque

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

log = logging.getLogger(__name__)
REMEMBERED = 10_000  # ids kept; a few hours of a busy bot


class SeenUpdates:
    """Bounded memory of handled update ids (insertion order = arrival order)."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._order: deque[int] = deque()
        self._ids: set[int] = set()
        self._size = size
        self._forgotten_below: int | None = None  # ids under this were dropped from memory: refuse them

    def first_time(self, update_id: int) -> bool:
        if update_id in self._ids or (self._forgotten_below is not None and update_id < self._forgotten_below):
            return False
        self._order.append(update_id)
        self._ids.add(update_id)
        while len(self._order) > self._size:
            dropped = self._order.popleft()
            self._ids.discard(dropped)
            self._forgotten_below = max(self._forgotten_below or dropped, dropped + 1)
        return True


def install(application: Application, size: int = REMEMBERED) -> SeenUpdates:
    """Add the check before every other handler (group -1): a repeated update stops there."""
    seen = SeenUpdates(size)

    async def once(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update) and not seen.first_time(update.update_id):
            log.warning("telegram update %s received again: ignored", update.update_id)
            raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, once), group=-1)
    return seen
