"""Reply -> Telegram messages: HTML text chunks and inline keyboards. Pure; no I/O.

Every string of a Reply is plain text (see ``core.messages.types``), so every one of
them goes through ``html.escape`` here; the only markup in a message is the markup
this module writes. Lines are kept self-contained (a tag never spans a line break),
so a message can be split at any line break without breaking the HTML.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bots.kit.splitting import Splitter, before_entity
from core.messages.types import Button, Card, Reply
from core.i18n.formatting import labelled

MAX_MESSAGE = 4096  # Telegram's limit for a message text
MAX_CALLBACK_DATA = 64  # bytes
NOOP_ACTION = "_"  # the page counter between ◀ and ▶: answered by the adapter, never sent to the core
PREVIOUS_LABEL = "◀"
NEXT_LABEL = "▶"
SELECTED_MARK = "✓ "
EMPTY_TEXT = "…"  # Telegram refuses an empty message; used when a Reply carries only buttons
_SAFE_URL = re.compile(r"^(https?://|tg://)[^\s]+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Chunk:
    """One Telegram message: HTML text and, on the last chunk of a reply, its keyboard."""

    html: str
    markup: InlineKeyboardMarkup | None = None


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def _one_line(text: str | None) -> str:
    """A text that must stay on one line (titles, labels): line breaks become spaces."""
    return " ".join((text or "").split())


def safe_url(url: str | None) -> str | None:
    """The URL if it may be used in an href (http, https, tg), else None."""
    if url and _SAFE_URL.match(url.strip()):
        return url.strip()
    return None


def _anchor(label: str, url: str | None) -> str:
    target = safe_url(url)
    if target is None:
        return esc(label)
    return f'<a href="{html.escape(target, quote=True)}">{esc(label)}</a>'


def utf16_len(text: str) -> int:
    """Telegram counts lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _plain_lines(text: str) -> list[str]:
    return [esc(line) for line in text.split("\n")]


def card_lines(card: Card) -> list[str]:
    lines = [f"<b>{_anchor(_one_line(card.title), card.url)}</b>"]
    if card.subtitle:
        lines.append(f"<i>{esc(_one_line(card.subtitle))}</i>")
    for field in card.fields:
        lines.append(labelled(esc(_one_line(field.label)), esc(_one_line(field.value))))
    if card.body:
        lines.extend(_plain_lines(card.body))
    if card.url and safe_url(card.url) is None:
        lines.append(esc(card.url))
    return lines


def reply_lines(reply: Reply) -> list[str]:
    """The HTML lines of a reply (each line self-contained)."""
    lines: list[str] = []
    if reply.title:
        lines.append(f"<b>{esc(_one_line(reply.title))}</b>")
    if reply.text:
        if lines:
            lines.append("")
        lines.extend(_plain_lines(reply.text))
    for card in reply.cards:
        if lines:
            lines.append("")
        lines.extend(card_lines(card))
    if reply.links:
        if lines:
            lines.append("")
        for link in reply.links:
            target = safe_url(link.url)
            if target is None:
                lines.append(labelled(esc(_one_line(link.label)), esc(link.url)))
            else:
                lines.append(_anchor(_one_line(link.label), target))
    if reply.pager and reply.pager.pages > 1:
        lines.append("")
        lines.append(esc(f"{reply.pager.page}/{reply.pager.pages}"))
    return lines


def _button(button: Button) -> InlineKeyboardButton:
    label = _one_line(button.label)
    if button.selected:
        label = SELECTED_MARK + label
    data = button.action
    if len(data.encode()) > MAX_CALLBACK_DATA:  # the core keeps payloads short; never send a request Telegram refuses
        raise ValueError(f"button payload over {MAX_CALLBACK_DATA} bytes: {data[:20]!r}…")
    return InlineKeyboardButton(label or "·", callback_data=data)


def keyboard(reply: Reply, extra_rows: list[list[InlineKeyboardButton]] | None = None) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = list(extra_rows or [])
    for card in reply.cards:
        if card.buttons:
            rows.append([_button(b) for b in card.buttons])
    for row in reply.buttons:
        if row:
            rows.append([_button(b) for b in row])
    pager = reply.pager
    if pager and (pager.previous or pager.next):
        row = []
        if pager.previous:
            row.append(InlineKeyboardButton(PREVIOUS_LABEL, callback_data=pager.previous.action))
        row.append(InlineKeyboardButton(f"{pager.page}/{pager.pages}", callback_data=NOOP_ACTION))
        if pager.next:
            row.append(InlineKeyboardButton(NEXT_LABEL, callback_data=pager.next.action))
        rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None


def plain_line(line: str) -> str:
    """A line's escaped visible text without its markup: what is left of a line too long to send
    whole (markup cannot survive a cut; this only happens to a line longer than a message)."""
    if "<" in line:
        return esc(html.unescape(re.sub(r"<[^>]*>", "", line)))
    return line


def split_lines(lines: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join lines into texts of at most ``limit`` UTF-16 units, breaking only between lines."""
    return Splitter(limit, measure=utf16_len, safe_cut=before_entity, flatten=plain_line).lines(lines)


def url_button(label: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(_one_line(label) or "➜", url=url)


def render(reply: Reply, limit: int = MAX_MESSAGE, extra_rows: list[list[InlineKeyboardButton]] | None = None) -> list[Chunk]:
    """The messages of a reply; the keyboard rides on the last one. A file-only reply gives [].

    ``extra_rows`` (the adapter's own buttons, e.g. invite links) go above the reply's buttons.
    """
    texts = split_lines(reply_lines(reply), limit)
    markup = keyboard(reply, extra_rows)
    if not texts:
        if markup is None:
            return []
        texts = [EMPTY_TEXT]
    chunks = [Chunk(text) for text in texts[:-1]]
    chunks.append(Chunk(texts[-1], markup))
    return chunks
