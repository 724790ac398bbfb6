"""The platform-neutral command layer: a Request in, structured Replies out."""
from .types import Button, Card, Chat, ChatAccess, ChatKind, Field, FileAttachment, Link, Pager, Reply, Request, Sender

__all__ = ["Button", "Card", "Chat", "ChatAccess", "ChatKind", "Field", "FileAttachment", "Link", "Pager", "Reply", "Request", "Sender"]
