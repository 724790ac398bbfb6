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
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bots.kit.direction import directed
from bots.kit.layout import (Markup, SafeUrls, button_rows, card_lines as layout_card_lines, checked_payload,
                             has_pager_row, line, link_line, one_line, page_counter, pager_items)
from bots.kit.splitting import Splitter, before_entity
from core.messages.types import Button, Card, Reply

MAX_MESSAGE = 4096  # Telegram's limit for a message text
MAX_CALLBACK_DATA = 64  # bytes
NOOP_ACTION = "_"  # the page counter between ◀ and ▶: answered by the adapter, never sent to the core
SELECTED_MARK = "✓ "
EMPTY_TEXT = "…"  # Telegram refuses an empty message; used when a Reply carries only buttons
safe_url = SafeUrls(re.compile(r"^(https?://|tg://)[^\s]+$", re.IGNORECASE))


@dataclass(frozen=True, slots=True)
class Chunk:
    """One Telegram message: HTML text and, on the last chunk of a reply, its keyboard."""

    html: str
    markup: InlineKeyboardMarkup | None = None

    def message(self) -> dict[str, Any]:
        """What ``send_message`` and ``edit_message_text`` take for this chunk (no link previews)."""
        return {"text": self.html, "parse_mode": ParseMode.HTML, "reply_markup": self.markup,
                "disable_web_page_preview": True}


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def _link(label: str, url: str | None) -> str:
    target = safe_url(url)
    if target is None:
        return esc(one_line(label))
    return f'<a href="{html.escape(target, quote=True)}">{esc(one_line(label))}</a>'


MARKUP = Markup(esc=esc, italic=lambda text: f"<i>{esc(text)}</i>", link=_link, safe_url=safe_url)


def utf16_len(text: str) -> int:
    """Telegram counts lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def card_lines(card: Card, rtl: bool = False) -> list[str]:
    return [f"<b>{MARKUP.link(line(card.title, rtl), card.url)}</b>", *layout_card_lines(card, MARKUP, rtl=rtl)]


def reply_lines(reply: Reply) -> list[str]:
    """The HTML lines of a reply (each line self-contained), its parts apart by an empty line."""
    parts: list[list[str]] = []
    if reply.title:
        parts.append([f"<b>{esc(line(reply.title, reply.rtl))}</b>"])
    if reply.text:
        parts.append(esc(directed(reply.text, reply.rtl)).split("\n"))
    parts.extend(card_lines(card, reply.rtl) for card in reply.cards)
    if reply.links:
        parts.append([link_line(link, MARKUP, reply.rtl) for link in reply.links])
    if reply.pager and reply.pager.pages > 1:
        parts.append([esc(page_counter(reply.pager))])
    return [line for index, part in enumerate(parts) for line in ([""] if index else []) + part]


def _button(button: Button, rtl: bool = False) -> InlineKeyboardButton:
    label = (SELECTED_MARK if button.selected else "") + line(button.label, rtl)
    data = checked_payload(button.action, MAX_CALLBACK_DATA, "bytes", measure=lambda text: len(text.encode()))
    return InlineKeyboardButton(label or "·", callback_data=data)


def keyboard(reply: Reply, extra_rows: list[list[InlineKeyboardButton]] | None = None) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = list(extra_rows or [])
    rows += [[_button(b, reply.rtl) for b in row] for row in button_rows(reply)]
    if reply.pager and has_pager_row(reply):
        rows.append([InlineKeyboardButton(item.label, callback_data=item.action or NOOP_ACTION)
                     for item in pager_items(reply.pager)])
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
    return InlineKeyboardButton(one_line(label) or "➜", url=url)


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
