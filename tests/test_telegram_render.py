"""bots.telegram.render: escaping, structure, splitting. Pure: no network."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from bots.telegram.render import MAX_MESSAGE, NOOP_ACTION, esc, render, split_lines, utf16_len
from core.messages.types import Button, Card, Field, Link, Pager, Reply
from tests.reply_checks import unbalanced_isolates
from tests.rtl_samples import ARABIC, ENGLISH, LRM, MARKS, RLM, URL, tappable

HOSTILE = ['<b>Alumni</b> & Co', 'A < B', 'x&amp;y', '<a href="javascript:alert(1)">x</a>', "</i><script>", "&lt;"]
ALLOWED_TAGS = {"b", "i", "a"}


class TagChecker(HTMLParser):
    """Telegram's HTML subset: only the tags we write, balanced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        assert tag in ALLOWED_TAGS, tag
        if tag == "a":
            href = dict(attrs)["href"]
            assert href.startswith(("http://", "https://", "tg://")), href
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(markup: str) -> str:
    checker = TagChecker()
    checker.feed(markup)
    checker.close()
    assert checker.stack == [], checker.stack
    # Telegram rejects a bare "<" or "&" that does not start an entity
    assert not re.search(r"<(?![/]?(b|i|a)[ >])", markup), markup
    assert not re.search(r"&(?!(amp|lt|gt|quot|#\d+);)", markup), markup
    return "".join(checker.text)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_escaped_everywhere(name: str) -> None:
    reply = Reply(
        title=name,
        text=f"Hello {name}",
        cards=[Card(title=name, subtitle=name, fields=(Field(name, name),), body=name, url="https://ex.org/?a=1&b=<2>",
                    buttons=(Button(name, "join tn"),))],
        links=[Link(name, "https://ex.org/x?y=1&z=2"), Link(name, "javascript:alert(1)")],
    )
    chunks = render(reply)
    assert len(chunks) == 1
    text = visible(chunks[0].html)
    assert f"Hello {name}" in text
    assert text.count(name) >= 6  # title, text, card title, subtitle, field label+value, body, links
    button = chunks[0].markup.inline_keyboard[0][0]
    assert button.text == name and button.callback_data == "join tn"  # button labels are plain text for Telegram


def test_card_structure_bold_title_and_fields() -> None:
    reply = Reply(title="Associations", cards=[Card(title="AAE Tunis", subtitle="Tunis, Tunisia",
                                                    fields=(Field("Website", "aae.tn"),), url="https://aae.tn")])
    (chunk,) = render(reply)
    assert chunk.html.startswith("<b>Associations</b>\n\n")
    assert '<b><a href="https://aae.tn">AAE Tunis</a></b>' in chunk.html
    assert "<i>Tunis, Tunisia</i>" in chunk.html
    assert "Website: aae.tn" in chunk.html
    assert chunk.markup is None


def test_buttons_rows_selection_and_pager() -> None:
    reply = Reply(
        text="Choose",
        buttons=[[Button("English", "language en"), Button("Français", "language fr", selected=True)]],
        pager=Pager(page=2, pages=5, previous=Button("prev", "associations --page 1"), next=Button("next", "associations --page 3")),
    )
    (chunk,) = render(reply)
    rows = chunk.markup.inline_keyboard
    assert [b.text for b in rows[0]] == ["English", "✓ Français"]
    assert [b.callback_data for b in rows[0]] == ["language en", "language fr"]
    assert [b.text for b in rows[1]] == ["◀", "2/5", "▶"]
    assert [b.callback_data for b in rows[1]] == ["associations --page 1", NOOP_ACTION, "associations --page 3"]


def test_first_page_has_no_previous_button() -> None:
    (chunk,) = render(Reply(text="x", pager=Pager(page=1, pages=3, next=Button("n", "a 2"))))
    assert [b.text for b in chunk.markup.inline_keyboard[-1]] == ["1/3", "▶"]


def test_buttons_only_reply_gets_placeholder_text() -> None:
    (chunk,) = render(Reply(buttons=[[Button("ok", "help")]]))
    assert chunk.html and chunk.markup is not None


def test_empty_reply_renders_nothing() -> None:
    assert render(Reply()) == []


def test_oversized_payload_is_refused() -> None:
    with pytest.raises(ValueError):
        render(Reply(text="x", buttons=[[Button("x", "j" * 65)]]))


def test_long_message_is_split_at_line_breaks_keyboard_on_last() -> None:
    lines = [f"line {i} <&> " + "é" * 60 for i in range(300)]
    reply = Reply(title="Big", text="\n".join(lines), buttons=[[Button("more", "associations --page 2")]])
    chunks = render(reply)
    assert len(chunks) > 1
    for chunk in chunks:
        assert utf16_len(chunk.html) <= MAX_MESSAGE
        visible(chunk.html)
    assert all(c.markup is None for c in chunks[:-1]) and chunks[-1].markup is not None
    # nothing lost, nothing reordered, every cut is at a line break
    joined = "\n".join(html.unescape(c.html) for c in chunks)
    for line in lines:
        assert line in joined
    assert joined.index("line 10 ") < joined.index("line 200 ")


def test_many_cards_are_split_between_lines() -> None:
    cards = [Card(title=f"<Assoc {i}>", fields=(Field("City", "Tunis & Sfax"),), body="b" * 200) for i in range(60)]
    chunks = render(Reply(cards=cards))
    assert len(chunks) >= 3
    for chunk in chunks:
        assert utf16_len(chunk.html) <= MAX_MESSAGE
        visible(chunk.html)


def test_a_single_overlong_line_is_cut_without_breaking_entities() -> None:
    text = ("word & <tag> " * 1000).strip()
    pieces = split_lines([esc(text)])
    assert len(pieces) > 1
    for piece in pieces:
        assert utf16_len(piece) <= MAX_MESSAGE
        visible(piece)
    assert " ".join(html.unescape(p) for p in pieces).split() == text.split()


def test_emoji_count_as_two_utf16_units() -> None:
    chunks = split_lines(["😀" * 3000])  # 6000 UTF-16 units
    assert len(chunks) == 2 and all(utf16_len(c) <= MAX_MESSAGE for c in chunks)


def test_an_rtl_reply_reads_right_to_left_commands_and_links_still_work() -> None:
    (chunk,) = render(ARABIC)
    text = visible(chunk.html)
    lines = text.split("\n")
    assert lines[0] == RLM + "Alumni ألمانيا"
    assert RLM + LRM + "/start — ابدأ من هنا" in lines and tappable(text)  # "/start" stays in one piece
    assert lines.count(RLM + "München، ألمانيا") == 2  # a text line and a card title
    assert "مرحبا بك" in lines and "\u2068Bob\u2069 ينتظرك" in lines  # already right to left: no mark
    assert {RLM + "TU München — خريجون", RLM + "Web الموقع: aae.de", RLM + "Berlin ثم ألمانيا"} <= set(lines)
    assert f'<a href="{URL}">{RLM}Site الموقع</a>' in chunk.html  # the mark is in the label, never the URL
    assert f'<b><a href="{URL}">{RLM}München، ألمانيا</a></b>' in chunk.html
    assert [b.text for row in chunk.markup.inline_keyboard for b in row] == [RLM + "RSVP نعم", RLM + "OK موافق"]
    assert not unbalanced_isolates(chunk.html)


def test_an_ltr_reply_gets_no_direction_mark() -> None:
    (chunk,) = render(ENGLISH)
    shown = chunk.html + "".join(b.text for row in chunk.markup.inline_keyboard for b in row)
    assert not any(mark in shown for mark in MARKS) and tappable(visible(chunk.html))
