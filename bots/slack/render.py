"""Reply -> Slack Block Kit messages. Pure; no I/O.

Every string of a Reply is plain text (see ``core.messages.types``). Here it is either
put in a ``plain_text`` object (headers, buttons, options: Slack never parses those) or
escaped for mrkdwn by ``esc`` inside a ``verbatim`` mrkdwn object, so that no name,
description or answer can write ``<!channel>``, ``<!here>``, ``<@U123>``, a link, bold,
italics, strike-through, code or a quote, and Slack's automatic parsing of "@here" or
"#general" is off. The only markup in a message is the markup this module writes.

Block Kit's limits are respected by construction: section text 3000 characters (longer
texts are split at line breaks into several sections), header 150, button text 75,
option text 75, button value 2000, option value 150, 25 elements per actions block, 100 options per
select, 50 blocks per message (more blocks give several messages).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bots.kit.direction import directed
from bots.kit.layout import (Markup, SafeUrls, card_lines, checked_payload, clip as layout_clip, line, link_line,
                             one_line, pager_items)
from bots.kit.splitting import Splitter, before_entity
from core.messages.types import Button, Card, Reply

MAX_SECTION_TEXT = 3000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_OPTION_TEXT = 75
MAX_ACTION_VALUE = 2000
MAX_OPTION_VALUE = 150
MAX_ELEMENTS = 25
MAX_OPTIONS = 100
MAX_BLOCKS = 50
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_FALLBACK = 3000  # the notification text; Slack allows more, nobody reads more
MAX_CARD_TITLE = 300  # characters of a card title (before escaping): bold and link stay in one section
MAX_CARD_SUBTITLE = 300
MAX_FIELD_LABEL = 150
BUTTONS_BEFORE_SELECT = 10  # more choices than this in one reply become a select menu

ACTION_PREFIX = "alumni:"  # every interactive element's action_id starts with it (routing)
NOOP_ACTION = "_"  # the page counter: answered by the adapter, never sent to the core
linkable = SafeUrls(re.compile(r"^https?://[^\s<>|]+$", re.IGNORECASE))
_MENTION_WORDS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
WORD_JOINER = "\u2060"

Block = dict[str, Any]


@dataclass(slots=True)
class Message:
    """One Slack message: its blocks and the plain fallback text (notifications, screen readers)."""

    blocks: list[Block]
    text: str
    element_count: int = field(default=0)


# ---------------------------------------------------------------- escaping


# mrkdwn has no escape character for its markup (a backslash shows as is), so a user's
# markup character becomes a look-alike that no Slack client reads as markup.
LOOK_ALIKES = {
    "*": "\u2217",  # ∗ ASTERISK OPERATOR: bold
    "_": "\uff3f",  # ＿ FULLWIDTH LOW LINE: italics
    "~": "\u223c",  # ∼ TILDE OPERATOR: strike-through
    "`": "\u02cb",  # ˋ MODIFIER LETTER GRAVE ACCENT: code and code blocks
}
QUOTE_LOOK_ALIKE = "\uff1e"  # ＞ FULLWIDTH GREATER-THAN SIGN: a ">" that starts a line would quote it
_MARKUP = re.compile(r"[*~`]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINE_QUOTE = re.compile(r"^([^\S\n]*)>", re.MULTILINE)


def esc_entities(text: str | None) -> str:
    """``&``, ``<``, ``>`` as entities (Slack's control sequences) and inert "@here" words: enough
    inside a code block, where Slack applies no other markup."""
    escaped = (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION_WORDS.sub(lambda m: "@" + WORD_JOINER + m.group(1), escaped)


def esc(text: str | None) -> str:
    """Plain text -> mrkdwn that shows exactly that text, with no formatting of its own.

    ``&``, ``<``, ``>`` are the only characters Slack lets an app escape (as entities); the
    bare words "@here", "@channel", "@everyone" get an invisible word joiner after the "@"
    in case a client parses them anyway.

    ``*``, ``_``, ``~``, backticks and a ``>`` that starts a line have no escape in mrkdwn (a
    backslash stays visible). Three ways around that were weighed:

    - ``plain_text`` objects are never parsed, but cannot hold the bold titles, bold labels and
      links this module writes around user text (only headers, buttons and whole sections can be
      plain), so a name inside a bold title would still need escaping;
    - an invisible zero-width space next to the character is unreliable: Slack treats it as a
      word boundary (it is the usual trick to make a bold *inside* a word), so it can create
      formatting instead of preventing it, and it hides in copied text;
    - a look-alike character (``∗ ＿ ∼ ˋ ＞``) cannot be markup for any client, is visible, reads
      as the original, and copies as a visible character rather than a hidden one.

    So look-alikes, and only where Slack could read markup: an ``_`` between two ASCII letters or
    digits (``first_last@example.org``, ``snake_case``) can neither open nor close italics (Slack
    never formats inside a word) and stays as typed, so addresses copy exactly.
    """
    text = _MARKUP.sub(lambda m: LOOK_ALIKES[m.group()], text or "")
    text = _LINE_QUOTE.sub(lambda m: m.group(1) + QUOTE_LOOK_ALIKE, text)
    return esc_entities(text)


def clip(text: str, limit: int) -> str:
    return layout_clip(text, limit, tidy=True)


def clip_escaped(text: str, limit: int) -> str:
    """``clip`` for escaped mrkdwn: never cuts inside an ``&amp;`` entity."""
    if len(text) <= limit:
        return text
    cut = limit - 1
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return text[:cut].rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    """The URL if it may be used in a link (http, https, no Slack control characters), else None."""
    target = linkable(url)
    return None if target is None else target.replace("&", "&amp;")


def link(label: str, url: str | None) -> str:
    """``<url|label>`` when the URL is safe, else the escaped label."""
    target = safe_url(url)
    shown = esc(one_line(label)).replace("|", "∣")
    if target is None:
        return shown
    return f"<{target}|{shown}>" if shown else f"<{target}>"


MARKUP = Markup(esc=esc, italic=lambda text: f"_{esc(clip(text, MAX_CARD_SUBTITLE))}_", link=link,
                safe_url=safe_url)


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object that is already escaped; ``verbatim`` turns automatic parsing off."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(one_line(text) or "·", limit), "emoji": True}


def plain_fallback(reply: Reply) -> str:
    """The top-level ``text`` of a message: escaped too (it is mrkdwn), short."""
    return clip(esc(reply.plain_text()) or "…", MAX_FALLBACK)


# ---------------------------------------------------------------- text splitting


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Escaped mrkdwn lines joined into pieces of at most ``limit`` characters.

    Cuts only between lines; a single line over the limit is cut at a space (never inside
    an ``&amp;`` entity).
    """
    return Splitter(limit, safe_cut=before_entity).text(text)


# ---------------------------------------------------------------- elements


def action_value(action: str, limit: int = MAX_ACTION_VALUE) -> str:
    return checked_payload(action, limit)


def button_label(button: Button, rtl: bool = False) -> str:
    return line(button.label, rtl)


class ActionIds:
    """Unique action_ids within a message (Slack refuses duplicates in a block)."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"{ACTION_PREFIX}{self.count}"


def button_element(button: Button, ids: ActionIds, rtl: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": ids.next(),
        "text": plain(button_label(button, rtl), MAX_BUTTON_TEXT),
        "value": action_value(button.action),
    }
    if button.selected:  # the current choice: Slack's native emphasis
        element["style"] = "primary"
    return element


def url_button(label: str, url: str, ids: ActionIds) -> dict[str, Any] | None:
    target = linkable(url)
    if target is None:
        return None
    return {"type": "button", "action_id": ids.next(), "text": plain(label or "➜", MAX_BUTTON_TEXT), "url": target}


def select_elements(buttons: list[Button], ids: ActionIds, placeholder: str = "…",
                    rtl: bool = False) -> list[dict[str, Any]]:
    """A long choice list as static_select menus (100 options each); the selected choice is preselected."""
    elements = []
    for start in range(0, len(buttons), MAX_OPTIONS):
        chunk = buttons[start : start + MAX_OPTIONS]
        options = [
            {"text": plain(button_label(b, rtl), MAX_OPTION_TEXT), "value": action_value(b.action, MAX_OPTION_VALUE)}
            for b in chunk
        ]
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": ids.next(),
            "placeholder": plain(placeholder, MAX_OPTION_TEXT),
            "options": options,
        }
        selected = [option for option, b in zip(options, chunk) if b.selected]
        if selected:
            element["initial_option"] = selected[0]
        elements.append(element)
    return elements


def actions_blocks(elements: list[dict[str, Any]]) -> list[Block]:
    return [
        {"type": "actions", "elements": elements[i : i + MAX_ELEMENTS]} for i in range(0, len(elements), MAX_ELEMENTS)
    ]


# ---------------------------------------------------------------- blocks


def text_sections(text: str, rtl: bool = False) -> list[Block]:
    """A plain text as sections of escaped mrkdwn."""
    return [{"type": "section", "text": mrkdwn(piece)} for piece in split_text(esc(directed(text, rtl)))]


def field_text(label: str, value: str, rtl: bool = False) -> str:
    """``*label*`` and the value below it; only the value is clipped, so the bold label stays closed."""
    head = f"*{esc(clip(line(label, rtl), MAX_FIELD_LABEL))}*\n"
    return head + clip_escaped(esc(line(value, rtl)), MAX_FIELD_TEXT - len(head))


def card_blocks(card: Card, ids: ActionIds, rtl: bool = False) -> list[Block]:
    # Title and subtitle are clipped so that each stays one whole bold or italic line of one section.
    title = clip(line(card.title, rtl), MAX_CARD_TITLE)
    linked = link(title, card.url)
    lines = [f"*{linked if len(linked) < MAX_SECTION_TEXT - 2 else esc(title)}*"]
    lines += card_lines(card, MARKUP, fields=False, rtl=rtl)  # the fields are a section of their own
    pieces = split_text("\n".join(lines))
    blocks: list[Block] = [{"type": "section", "text": mrkdwn(piece)} for piece in pieces]
    if card.fields:
        fields = [mrkdwn(field_text(f.label, f.value, rtl)) for f in card.fields[:MAX_FIELDS]]
        blocks.append({"type": "section", "fields": fields})
    if card.buttons:
        blocks.extend(actions_blocks([button_element(b, ids, rtl) for b in card.buttons]))
    return blocks


def reply_blocks(reply: Reply, placeholder: str = "…") -> list[Block]:
    """Every block of a reply, in order (not yet cut to 50 per message)."""
    ids = ActionIds()
    blocks: list[Block] = []
    if reply.title:
        blocks.append({"type": "header", "text": plain(line(reply.title, reply.rtl), MAX_HEADER)})
    if reply.text:
        blocks.extend(text_sections(reply.text, reply.rtl))
    for index, card in enumerate(reply.cards):
        if index or blocks:
            blocks.append({"type": "divider"})
        blocks.extend(card_blocks(card, ids, reply.rtl))
    if reply.links:
        lines = [link_line(item, MARKUP, reply.rtl) for item in reply.links]
        blocks.extend({"type": "section", "text": mrkdwn(p)} for p in split_text("\n".join(lines)))
    choices = [b for row in reply.buttons for b in row]
    if len(choices) > BUTTONS_BEFORE_SELECT:
        blocks.extend(actions_blocks(select_elements(choices, ids, placeholder, reply.rtl)))
    else:
        for row in reply.buttons:
            if row:
                blocks.extend(actions_blocks([button_element(b, ids, reply.rtl) for b in row]))
    pager = reply.pager
    if pager and pager.pages > 1:
        elements = [{"type": "button", "action_id": ids.next(), "text": plain(item.label),
                     "value": NOOP_ACTION if item.action is None else action_value(item.action)}
                    for item in pager_items(pager)]
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def render(reply: Reply, placeholder: str = "…", extra_blocks: list[Block] | None = None) -> list[Message]:
    """The messages of a reply: at most 50 blocks each. A file-only reply with no text gives []."""
    blocks = list(extra_blocks or []) + reply_blocks(reply, placeholder)
    if not blocks:
        return []
    fallback = plain_fallback(reply)
    return [Message(blocks[i : i + MAX_BLOCKS], fallback) for i in range(0, len(blocks), MAX_BLOCKS)]


def code_block(filename: str, content: bytes, limit: int = MAX_SECTION_TEXT) -> list[Block] | None:
    """A small text file shown inline (the fallback when a file cannot be uploaded); None when too big."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    body = esc_entities(text).replace("```", "`\u200b``")  # shown as is: no markup applies in a code block
    framed = f"*{esc(one_line(filename))}*\n```{body}```"
    if len(framed) > limit:
        return None
    return [{"type": "section", "text": mrkdwn(framed)}]
