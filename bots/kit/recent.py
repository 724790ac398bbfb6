"""A bounded memory of the ids a bot already handled, so that a repeated delivery runs once.

Platforms deliver again when they doubt a delivery arrived (Slack's event retries), and a captured
webhook call can be replayed (Telegram's updates): a message must not be answered, nor a join done,
twice. The memory keeps the most recent ids; the oldest are forgotten first.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class RecentIds(Generic[K]):
    """Ids in arrival order, at most ``size`` of them."""

    def __init__(self, size: int) -> None:
        self._ids: OrderedDict[K, None] = OrderedDict()
        self._size = size

    def first_time(self, key: K) -> bool:
        """True the first time ``key`` is seen (it is then remembered), False for a repeat."""
        if key in self._ids:
            return False
        self._ids[key] = None
        while len(self._ids) > self._size:
            dropped, _none = self._ids.popitem(last=False)
            self.forgotten(dropped)
        return True

    def forgotten(self, key: K) -> None:
        """Called for each id that no longer fits: a platform whose ids increase may refuse older ones."""
