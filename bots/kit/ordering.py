"""One request at a time per (chat, member), in arrival order.

Platforms hand updates over concurrently; two messages from one member in one chat must still
be answered in the order they were sent (an answer to a question, then the next command). The
table lives on an object the adapter owns, and forgets a key once nobody waits on it.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

Key = tuple[str, str]  # (chat id, member's user id)


@dataclass
class Ordering:
    """Per-(chat, member) turns; other chats and other members never wait on each other."""

    _locks: dict[Key, asyncio.Lock] = field(default_factory=dict)
    _waiting: dict[Key, int] = field(default_factory=dict)

    @asynccontextmanager
    async def turn(self, chat_id: str, user_id: str) -> AsyncIterator[None]:
        """Wait for the earlier requests of this member in this chat, then hold the turn."""
        key = (chat_id, user_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                self._locks.pop(key, None)

    def __len__(self) -> int:
        """How many (chat, member) pairs have a request running or waiting."""
        return len(self._waiting)
