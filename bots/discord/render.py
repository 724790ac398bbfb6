"""Reply -> Discord messages: escaped markdown text, embeds for cards, buttons or select menus.

Pure, no I/O. Every string of a Reply is plain text (``core.messages.types``), so every one
goes through ``esc``: markdown is escaped and anything that could mention or render as a
mention (``@everyone``, ``@here``, ``<@id>``, ``<@&role>``, ``<#channel>``, ``</cmd:id>``)
is broken with a zero-width space. The messages are also sent with
``AllowedMentions.none()``, so even a mention that slipped through could not ping.

Limits kept: 2000 characters of content (split at line breaks), 10 embeds and 6000 embed
characters per message, embed title 256 / description 4096 / 25 fields of 256 + 1024,
5 rows of 5 buttons, 25 options per select menu, 80 characters per label, custom ids of 100.

Buttons carry the core's action payload in their custom id (``al<index>:<action>``), select
menus carry it in their options' values: nothing is kept in memory, so a button sent before a
restart still works after it (``components.py`` dispatches them).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.utils import escape_markdown, escape_mentions

from bots.kit.direction import directed
from bots.kit.layout import (NEXT_LABEL, Markup, SafeUrls, button_rows, card_lines, checked_payload, clip,
                             has_pager_row, line, link_line, one_line, page_counter, pager_items)
from bots.kit.splitting import Splitter, before_escape
from core.i18n.formatting import labelled
from core.messages.types import Button, Card, Reply

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_OPTIONS = 25
MAX_LABEL = 80
MAX_OPTION_VALUE = 100
MAX_CUSTOM_ID = 100
BUTTON_PREFIX = "al"
SELECT_PREFIX = "als"
NOOP_ID = "al:page"
SELECTED_MARK = "✓ "
EMPTY_TEXT = "…"
EMBED_COLOUR = discord.Colour(0x2B6CB0)
safe_url = SafeUrls(re.compile(r"^https?://[^\s<>]+$", re.IGNORECASE))
_BRACKET = "\uffff"  # a noncharacter: never text anyone means to show
_ANGLE = re.compile(r"<(?=[@#/:]|a:|t:)")


@dataclass
class Outgoing:
    """One Discord message: content, embeds, components, file."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    file: tuple[str, bytes] | None = None

    def discord_file(self) -> discord.File | None:
        if self.file is None:
            return None
        return discord.File(io.BytesIO(self.file[1]), filename=self.file[0])

    def send_kwargs(self) -> dict[str, Any]:
        """What ``send`` takes for this message (a fresh ``discord.File`` each time: one is read once)."""
        kwargs: dict[str, Any] = {"content": self.content or None, "embeds": self.embeds}
        if self.view is not None:
            kwargs["view"] = self.view
        file = self.discord_file()
        if file is not None:
            kwargs["file"] = file
        return kwargs


def esc(text: str | None) -> str:
    """Plain text made inert for Discord: no markdown, no mention, no mention-like syntax."""
    # discord.py takes "[label](target)" for a masked link and escapes only its "[", leaving the
    # markdown inside active ("[x](**bold**)" showed bold): the brackets are set aside while
    # escaping, so everything in them is escaped like the rest, and come back escaped.
    text = (text or "").replace(_BRACKET, "").replace("[", _BRACKET)
    text = escape_markdown(text, ignore_links=True).replace(_BRACKET, "\\[")
    text = escape_mentions(text)
    return _ANGLE.sub("<\u200b", text)


def _link(label: str, url: str | None) -> str:
    """"label: <url>": the angle brackets keep Discord from unfurling a preview of the page."""
    target = safe_url(url)
    return labelled(esc(one_line(label)), f"<{target}>") if target else esc(one_line(label))


MARKUP = Markup(esc=esc, italic=lambda text: f"*{esc(text)}*", link=_link, safe_url=safe_url)


# ---------------------------------------------------------------- text


def reply_lines(reply: Reply) -> list[str]:
    lines: list[str] = []
    if reply.title:
        lines.append(f"**{esc(line(reply.title, reply.rtl))}**")
    if reply.text:
        lines.extend(esc(text) for text in directed(reply.text, reply.rtl).split("\n"))
    lines.extend(link_line(link, MARKUP, reply.rtl) for link in reply.links)
    return lines


def split_lines(lines: list[str], limit: int = MAX_CONTENT) -> list[str]:
    """Join lines into texts of at most ``limit`` characters, breaking between lines."""
    return Splitter(limit, safe_cut=before_escape).lines(lines)


# ---------------------------------------------------------------- embeds


def card_embed(card: Card, rtl: bool = False) -> discord.Embed:
    description = card_lines(card, MARKUP, fields=False, rtl=rtl)  # the fields are the embed's own
    url = safe_url(card.url)
    embed = discord.Embed(
        title=clip(esc(line(card.title, rtl)) or EMPTY_TEXT, MAX_TITLE),
        url=url,
        description=clip("\n".join(description), MAX_DESCRIPTION) or None,
        colour=EMBED_COLOUR,
    )
    for item in card.fields[:MAX_FIELDS]:
        embed.add_field(
            name=clip(esc(line(item.label, rtl)) or EMPTY_TEXT, MAX_FIELD_NAME),
            value=clip(esc(directed(item.value, rtl)) or EMPTY_TEXT, MAX_FIELD_VALUE),
            inline=True,
        )
    return embed


def embed_groups(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds in groups that one message may carry (10 embeds, 6000 characters)."""
    groups: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        length = len(embed)
        if current and (len(current) == MAX_EMBEDS or size + length > MAX_EMBED_TOTAL):
            groups.append(current)
            current, size = [], 0
        current.append(embed)
        size += length
    if current:
        groups.append(current)
    return groups


# ---------------------------------------------------------------- components


def _label(button: Button, rtl: bool = False) -> str:
    label = clip(line(button.label, rtl), MAX_LABEL)
    return label or "·"


def button_id(index: int, action: str) -> str:
    return checked_payload(f"{BUTTON_PREFIX}{index}:{action}", MAX_CUSTOM_ID)


def _pager_row(reply: Reply, start: int) -> list[discord.ui.Item]:
    if reply.pager is None or not has_pager_row(reply):
        return []
    items: list[discord.ui.Item] = []
    for item in pager_items(reply.pager):
        if item.action is None:
            items.append(discord.ui.Button(label=item.label, custom_id=NOOP_ID, disabled=True))
        else:  # ◀ and ▶ keep their own indexes, whether or not the other one is there
            index = start + (item.label == NEXT_LABEL)
            items.append(discord.ui.Button(label=item.label, custom_id=button_id(index, item.action)))
    return items


def build_view(reply: Reply) -> discord.ui.View | None:
    """Buttons when they fit in the rows left by the pager; otherwise select menus of 25 options."""
    rows = button_rows(reply, MAX_PER_ROW)
    pager_items = _pager_row(reply, start=sum(len(r) for r in rows))
    free_rows = MAX_ROWS - (1 if pager_items else 0)
    if not rows and not pager_items:
        return None
    view = discord.ui.View(timeout=None)
    if len(rows) <= free_rows:
        index = 0
        for row_number, row in enumerate(rows):
            for button in row:
                style = discord.ButtonStyle.success if button.selected else discord.ButtonStyle.secondary
                view.add_item(discord.ui.Button(label=_label(button, reply.rtl), custom_id=button_id(index, button.action),
                                                style=style, row=row_number))
                index += 1
    else:
        buttons = [b for row in rows for b in row]
        seen: set[str] = set()
        unique = [b for b in buttons if not (b.action in seen or seen.add(b.action))]
        for number in range(min(free_rows, -(-len(unique) // MAX_OPTIONS))):
            part = unique[number * MAX_OPTIONS : (number + 1) * MAX_OPTIONS]
            select = discord.ui.Select(
                custom_id=f"{SELECT_PREFIX}{number}",
                placeholder=clip(f"{_label(part[0], reply.rtl)} … {_label(part[-1], reply.rtl)}", 150),
                options=[
                    discord.SelectOption(label=(SELECTED_MARK if b.selected else "") + _label(b, reply.rtl), value=b.action[:MAX_OPTION_VALUE])
                    for b in part
                ],
                row=number,
            )
            view.add_item(select)
    pager_row = min(MAX_ROWS - 1, len(view.children) and max((i.row or 0) for i in view.children) + 1)
    for item in pager_items:
        item.row = pager_row
        view.add_item(item)
    view.stop()  # nothing to remember: the dispatcher reads the custom id (and survives restarts)
    return view


# ---------------------------------------------------------------- messages


def render(reply: Reply, extra_lines: list[str] | None = None) -> list[Outgoing]:
    """The messages of a reply: text chunks, then embeds; components and file ride on the last one."""
    lines = reply_lines(reply) + [esc(line) for line in extra_lines or []]
    if reply.pager and reply.pager.pages > 1 and not (reply.pager.previous or reply.pager.next):
        lines.append(page_counter(reply.pager))
    messages = [Outgoing(content=text) for text in split_lines(lines)]
    groups = embed_groups([card_embed(card, reply.rtl) for card in reply.cards])
    for index, group in enumerate(groups):
        if index == 0 and messages and not messages[-1].embeds:
            messages[-1].embeds = group
        else:
            messages.append(Outgoing(embeds=group))
    view = build_view(reply)
    if reply.file is not None:
        if not messages:
            messages.append(Outgoing())
        messages[-1].file = (reply.file.filename, reply.file.content)
    if view is not None:
        if not messages:
            messages.append(Outgoing(content=EMPTY_TEXT))
        messages[-1].view = view
    return messages
