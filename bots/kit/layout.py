"""The shape of a Reply, the same on every platform; each platform supplies only its markup.

Every renderer lays a ``Reply`` out the same way: one-line titles and labels, a card's lines
(subtitle, fields, body, a URL that may not be a link shown as text), a link line, the rows of
buttons (each card's, then the reply's), the pager's ◀ n/m ▶ row, payloads checked against the
platform's limit. What differs is the markup (HTML, markdown, mrkdwn), given as a ``Markup``;
the native structure (keyboards, embeds, blocks) stays in each platform's ``render.py``.
A right-to-left reply (``Reply.rtl``) gets its direction marks here, on the plain text before
any markup, so that every platform marks the same lines (see ``bots.kit.direction``).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bots.kit.direction import directed, mark_for
from core.i18n.formatting import labelled
from core.messages.types import Button, Card, Link, Pager, Reply

PREVIOUS_LABEL = "◀"
NEXT_LABEL = "▶"


def one_line(text: str | None) -> str:
    """A text that must stay on one line (titles, labels): line breaks become spaces."""
    return " ".join((text or "").split())


def line(text: str | None, rtl: bool) -> str:
    """A one-line text (title, label) marked to read right to left when ``rtl``."""
    return directed(one_line(text), rtl)


def clip(text: str, limit: int, *, tidy: bool = False) -> str:
    """``text`` within ``limit`` characters, an ellipsis marking a cut (``tidy``: no space before it)."""
    if len(text) <= limit:
        return text
    kept = text[: limit - 1]
    return (kept.rstrip() if tidy else kept) + "…"


@dataclass(frozen=True)
class SafeUrls:
    """Which URLs a platform may put in a link: those its pattern matches whole."""

    pattern: re.Pattern[str]

    def __call__(self, url: str | None) -> str | None:
        """The URL, trimmed, if it may be used in a link, else None."""
        if url and self.pattern.match(url.strip()):
            return url.strip()
        return None


def checked_payload(payload: str, limit: int, unit: str = "characters",
                    measure: Callable[[str], int] = len) -> str:
    """A button's payload as is, or ValueError: the core keeps payloads short (64 bytes), so one over
    the platform's limit is a bug to see, never a request the platform refuses."""
    if measure(payload) > limit:
        raise ValueError(f"button payload over {limit} {unit}: {payload[:20]!r}…")
    return payload


@dataclass(frozen=True)
class Markup:
    """A platform's markup: each takes plain text and returns it escaped and marked up."""

    esc: Callable[[str], str]
    italic: Callable[[str], str]
    link: Callable[[str, str | None], str]  # the label, linked to the URL when the platform may link it
    safe_url: Callable[[str | None], str | None]


def field_line(label: str, value: str, markup: Markup, rtl: bool = False) -> str:
    """"label: value", escaped; the mark (if any) goes before it, decided on the plain text."""
    label, value = one_line(label), one_line(value)
    mark = mark_for(labelled(label, value)) if rtl else ""
    return mark + labelled(markup.esc(label), markup.esc(value))


def card_lines(card: Card, markup: Markup, *, fields: bool = True, rtl: bool = False) -> list[str]:
    """A card's lines below its title: subtitle, fields (unless the platform shows them natively),
    body, and a URL that could not be the title's link, as text (a URL is never marked)."""
    lines: list[str] = []
    if card.subtitle:
        lines.append(markup.italic(line(card.subtitle, rtl)))
    if fields:
        lines.extend(field_line(f.label, f.value, markup, rtl) for f in card.fields)
    if card.body:
        lines.extend(markup.esc(directed(card.body, rtl)).split("\n"))
    if card.url and markup.safe_url(card.url) is None:
        lines.append(markup.esc(card.url))
    return lines


def link_line(link: Link, markup: Markup, rtl: bool = False) -> str:
    """A link: its label linked, or "label: url" when the URL may not be linked."""
    if markup.safe_url(link.url) is None:
        label = one_line(link.label)
        mark = mark_for(labelled(label, link.url)) if rtl else ""
        return mark + labelled(markup.esc(label), markup.esc(link.url))
    return markup.link(line(link.label, rtl), link.url)


def button_rows(reply: Reply, per_row: int | None = None) -> list[list[Button]]:
    """Each card's buttons, then the reply's rows; rows longer than ``per_row`` wrapped."""
    rows = [list(card.buttons) for card in reply.cards if card.buttons]
    rows += [list(row) for row in reply.buttons if row]
    if per_row is None:
        return rows
    return [row[i : i + per_row] for row in rows for i in range(0, len(row), per_row)]


@dataclass(frozen=True, slots=True)
class PagerItem:
    """One element of the pager's row; the page counter has no action (the adapter answers it)."""

    label: str
    action: str | None


def page_counter(pager: Pager) -> str:
    return f"{pager.page}/{pager.pages}"


def pager_items(pager: Pager) -> list[PagerItem]:
    """◀, the page counter, ▶: the previous and next only where there is such a page."""
    items = [PagerItem(PREVIOUS_LABEL, pager.previous.action)] if pager.previous else []
    items.append(PagerItem(page_counter(pager), None))
    if pager.next:
        items.append(PagerItem(NEXT_LABEL, pager.next.action))
    return items


def has_pager_row(reply: Reply) -> bool:
    """A pager with somewhere to go gets its row of buttons."""
    return bool(reply.pager and (reply.pager.previous or reply.pager.next))
