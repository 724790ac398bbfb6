"""What the core says to people, without a chat library: requests, replies, buttons, cards, forms.

It sits below everything that talks to members (commands, events, announcements, the delivery
engine renders pushes with it), so any of them may import it and it imports none of them.
"""
from .types import Button, Card, Chat, ChatAccess, ChatKind, Field, FileAttachment, Link, Pager, Reply, Request, Sender

__all__ = ["Button", "Card", "Chat", "ChatAccess", "ChatKind", "Field", "FileAttachment", "Link", "Pager", "Reply", "Request", "Sender"]
