"""Which requests need the chat's rights from the platform before they reach the core.

The core decides who may bind a chat to a channel (``core/commands/handlers/bind.py``) from two
facts only the platform knows: does the sender administer the chat, may the bot add people to
it. They are asked for ``bind`` and ``unbind`` typed in a group, and for any press in a group: a
button may be a bind suggestion, and a long one is stored under a key that hides its command.
"""
from __future__ import annotations

from core.messages.types import ChatKind, Request

BIND_COMMANDS = frozenset({"bind", "unbind"})


def asks_chat_rights(request: Request) -> bool:
    """True when the platform must tell the core the sender's and the bot's rights in the chat."""
    if request.chat.kind is ChatKind.PRIVATE:
        return False  # in a private chat the core answers "send this in the group" by itself
    return request.command in BIND_COMMANDS or request.action is not None
