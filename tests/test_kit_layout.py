"""The shape of a Reply shared by the renderers (bots/kit/layout.py), with a markup of its own.

Each platform's markup through its real library is in test_*_render.py and test_hostile_rendering.py.
"""
from __future__ import annotations

import re

import pytest

from bots.kit.direction import LRM, RLM, directed, mark_for
from bots.kit.layout import (Markup, PagerItem, SafeUrls, button_rows, card_lines, checked_payload, clip, has_pager_row,
                             link_line, one_line, pager_items)
from bots.slack.render import MARKUP as SLACK
from bots.telegram.render import MARKUP as TELEGRAM
from core.messages.types import Button, Card, Field, Link, Pager, Reply

safe = SafeUrls(re.compile(r"^https://\S+$"))


BRACKETS = Markup(  # a markup that shows what it did: {escaped}, /italic/, [label](url)
    esc=lambda text: "{" + text + "}",
    italic=lambda text: "/" + text + "/",
    link=lambda label, url: f"[{label}]({safe(url)})",
    safe_url=safe,
)


def test_a_card_is_subtitle_fields_body_then_an_unlinkable_url() -> None:
    card = Card(title="T", subtitle="sub\ntitle", fields=(Field("Role\n", "Chair"),), body="one\ntwo",
                url="javascript:alert(1)")
    assert card_lines(card, BRACKETS) == ["/sub title/", "{Role}: {Chair}", "{one", "two}", "{javascript:alert(1)}"]
    linked = Card(title="T", fields=(Field("a", "b"),), url=" https://example.org ")
    assert card_lines(linked, BRACKETS, fields=False) == []


def test_a_link_is_linked_only_when_its_url_is_safe() -> None:
    assert link_line(Link("Site", "https://example.org"), BRACKETS) == "[Site](https://example.org)"
    assert link_line(Link("Site\nmap", "ftp://x"), BRACKETS) == "{Site map}: {ftp://x}"


def test_button_rows_are_the_cards_then_the_replys_wrapped_to_the_platform() -> None:
    b = [Button(str(n), f"a{n}") for n in range(7)]
    reply = Reply(cards=(Card("c", buttons=(b[0],)), Card("no buttons")), buttons=((), tuple(b[1:])))
    assert button_rows(reply) == [[b[0]], b[1:]]
    assert button_rows(reply, per_row=5) == [[b[0]], b[1:6], b[6:]]


def test_the_pager_row_goes_only_where_there_is_another_page() -> None:
    middle = Pager(2, 3, previous=Button("p", "page 1"), next=Button("n", "page 3"))
    assert pager_items(middle) == [PagerItem("◀", "page 1"), PagerItem("2/3", None), PagerItem("▶", "page 3")]
    assert pager_items(Pager(1, 3, next=Button("n", "page 2"))) == [PagerItem("1/3", None), PagerItem("▶", "page 2")]
    assert has_pager_row(Reply(pager=middle)) and not has_pager_row(Reply(pager=Pager(1, 1)))


def test_one_line_clip_safe_urls_and_payloads() -> None:
    assert one_line(" a\n b\t c ") == "a b c" and one_line(None) == ""
    assert clip("abc def", 5) == "abc …" and clip("abc def", 5, tidy=True) == "abc…" and clip("ab", 5) == "ab"
    assert safe(" https://x.org ") == "https://x.org" and safe("http://x.org") is None and safe(None) is None
    assert checked_payload("é" * 32, 64, "bytes", measure=lambda s: len(s.encode())) == "é" * 32
    with pytest.raises(ValueError, match="over 64 bytes"):
        checked_payload("é" * 33, 64, "bytes", measure=lambda s: len(s.encode()))


@pytest.mark.parametrize("markup", [TELEGRAM, SLACK], ids=["telegram", "slack"])
def test_the_platforms_markups_escape_every_piece(markup: Markup) -> None:
    card = Card(title="x", subtitle="<b>*s*</b>", body="<i>_b_</i>", url="javascript:x")
    lines = card_lines(card, markup)
    assert len(lines) == 3 and not any("<b>" in line or "<i>_" in line for line in lines)
    assert "&lt;b&gt;" in lines[0] and "&lt;i&gt;" in lines[1] and lines[2].endswith("javascript:x")


def test_lines_that_start_with_latin_get_a_right_to_left_mark_only_in_an_rtl_reply() -> None:
    assert mark_for("München، ألمانيا") == RLM and mark_for("1. München ألمانيا") == RLM
    assert mark_for("/start — ابدأ") == RLM + LRM  # the slash stays with its command
    assert mark_for("ألمانيا München") == mark_for("\u2068Bob\u2069 ينتظرك") == ""  # already right to left
    assert mark_for("https://example.org/a/") == mark_for("/start") == mark_for("12:30") == ""  # nothing to turn
    assert directed("Berlin ثم\nمرحبا\n/help ساعدني", True) == f"{RLM}Berlin ثم\nمرحبا\n{RLM}{LRM}/help ساعدني"
    assert directed("Berlin ثم", False) == "Berlin ثم"
    card = Card(title="T", subtitle="TU ألمانيا", fields=(Field("Web الموقع", "aae.de"),), body="a ب\nب", url="ftp://x")
    assert card_lines(card, BRACKETS, rtl=True) == [f"/{RLM}TU ألمانيا/", f"{RLM}{{Web الموقع}}: {{aae.de}}",
                                                   f"{{{RLM}a ب", "ب}", "{ftp://x}"]
    assert card_lines(card, BRACKETS)[0] == "/TU ألمانيا/"
    assert link_line(Link("Site الموقع", "https://e.org"), BRACKETS, rtl=True) == f"[{RLM}Site الموقع](https://e.org)"
