"""Replies to and from JSON, so a rendered push can wait in the outbox."""
from __future__ import annotations

from typing import Any

from core.messages.types import Button, Card, Field, Link, Reply


def _button(button: Button) -> dict[str, Any]:
    return {"label": button.label, "action": button.action, "selected": button.selected}


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """The parts of a reply that make sense in a push (no pager, file, edit or access grants)."""
    return {
        "text": reply.text,
        "title": reply.title,
        "language": reply.language,
        "rtl": reply.rtl,
        "cards": [
            {
                "title": card.title,
                "subtitle": card.subtitle,
                "fields": [[f.label, f.value] for f in card.fields],
                "body": card.body,
                "url": card.url,
                "buttons": [_button(b) for b in card.buttons],
            }
            for card in reply.cards
        ],
        "buttons": [[_button(b) for b in row] for row in reply.buttons],
        "links": [[link.label, link.url] for link in reply.links],
    }


def reply_from_json(data: dict[str, Any]) -> Reply:
    def button(raw: dict[str, Any]) -> Button:
        return Button(raw["label"], raw["action"], bool(raw.get("selected", False)))

    return Reply(
        text=data.get("text", ""),
        title=data.get("title"),
        language=data.get("language", "en"),
        rtl=bool(data.get("rtl", False)),
        cards=[
            Card(
                title=c["title"],
                subtitle=c.get("subtitle"),
                fields=tuple(Field(label, value) for label, value in c.get("fields", [])),
                body=c.get("body"),
                url=c.get("url"),
                buttons=tuple(button(b) for b in c.get("buttons", [])),
            )
            for c in data.get("cards", [])
        ],
        buttons=[[button(b) for b in row] for row in data.get("buttons", [])],
        links=[Link(label, url) for label, url in data.get("links", [])],
    )
