"""Each Telegram update is handled once, even if its webhook request is replayed.

The webhook secret proves a request comes from Telegram (or from someone who captured one);
a captured request sent again carries an update_id already seen. Telegram numbers updates
in increasing order (several webhook connections may deliver them a little out of order), so
a bounded memory of recent ids is enough: once it is full, ids older than everything it
remembers are refused too.
"""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bots.kit.recent import RecentIds

log = logging.getLogger(__name__)
REMEMBERED = 10_000  # ids kept; a few hours of a busy bot


class SeenUpdates(RecentIds[int]):
    """Bounded memory of handled update ids (insertion order = arrival order)."""

    def __init__(self, size: int = REMEMBERED) -> None:
        super().__init__(size)
        self._forgotten_below: int | None = None  # ids under this were dropped from memory: refuse them

    def first_time(self, update_id: int) -> bool:
        if self._forgotten_below is not None and update_id < self._forgotten_below:
            return False
        return super().first_time(update_id)

    def forgotten(self, update_id: int) -> None:
        self._forgotten_below = max(self._forgotten_below or update_id, update_id + 1)


def install(application: Application, size: int = REMEMBERED) -> SeenUpdates:
    """Add the check before every other handler (group -1): a repeated update stops there."""
    seen = SeenUpdates(size)

    async def once(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update) and not seen.first_time(update.update_id):
            log.warning("telegram update %s received again: ignored", update.update_id)
            raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, once), group=-1)
    return seen
