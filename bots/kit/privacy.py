"""Where a personal answer goes when it was asked in a group.

A ``Reply.private`` (personal data, a confirmation to erase them) must never be read by the
rest of a group. Each platform has its own way out of the group (a private chat, an ephemeral
message); this is the one rule of when to take it.
"""
from __future__ import annotations

from core.messages.types import ChatKind, Reply, Request


def leaves_the_chat(request: Request, reply: Reply) -> bool:
    """True when ``reply`` is personal and ``request`` came from a chat others read."""
    return reply.private and request.chat.kind is not ChatKind.PRIVATE
