"""Pushes in the terminal: reminders and announcements for the person at the keyboard.

The console serves only that person (``addresses``): pushes to other console users stay
pending until they open ``alumni chat`` themselves. A push is printed between prompts, whole:
one part, so there is no per-part progress to report (``send_paced``) as other platforms do.
"""
from __future__ import annotations

from collections.abc import Callable

from core.messages.types import Reply
from core.delivery.transport import Target


class ConsoleTransport:
    platform = "console"

    def __init__(self, user_id: str, show: Callable[[Reply], None]) -> None:
        self.user_id = user_id
        self.addresses = frozenset({user_id})  # the delivery engine claims nothing else for this process
        self.show = show

    async def send(self, target: Target, reply: Reply) -> None:
        self.show(reply)
