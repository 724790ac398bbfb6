"""Reply -> Discord messages (bots/discord/render.py): escaping, limits, components. Pure."""
from __future__ import annotations

import json

from core.messages.types import Button, Card, Field, FileAttachment, Pager, Reply
from bots.discord.render import MAX_CONTENT, build_view, esc, render, split_lines
from tests.reply_checks import unbalanced_isolates
from tests.rtl_samples import ARABIC, ENGLISH, LRM, MARKS, RLM, URL, tappable


def test_escaping_makes_mentions_and_markdown_inert() -> None:
    text = esc("@everyone @here <@&123456789012345678> <@!123456789012345678> <#1> </help:1> *x* `y` __z__ https://a.b/c_d")
    assert "@everyone" not in text and "@here" not in text
    assert "<@" not in text and "<#" not in text and "</" not in text
    assert "\\*x\\*" in text and "\\`y\\`" in text
    assert "https://a.b/c_d" in text  # links stay usable


def test_split_keeps_lines_and_limit() -> None:
    lines = ["a" * 1500, "b" * 1500, "c" * 4500]
    chunks = split_lines(lines)
    assert all(len(c) <= MAX_CONTENT for c in chunks)
    assert "".join(chunks).replace("\n", "") == "".join(lines)


def test_cards_become_embeds_within_limits() -> None:
    cards = [Card(title=f"Assoc {i} " + "t" * 300, subtitle="Tunis", body="d" * 5000,
                  fields=tuple(Field(f"f{j}", "v" * 2000) for j in range(30)), url="javascript:alert(1)")
             for i in range(12)]
    messages = render(Reply(text="12 associations", cards=cards))
    embeds = [e for m in messages for e in m.embeds]
    assert len(embeds) == 12
    for message in messages:
        assert len(message.embeds) <= 10 and sum(len(e) for e in message.embeds) <= 6000 or len(message.embeds) == 1
    first = embeds[0]
    assert len(first.title) <= 256 and len(first.description) <= 4096 and len(first.fields) == 25
    assert first.url is None and all(len(f.value) <= 1024 for f in first.fields)


def test_many_buttons_become_select_menus_and_pager_stays() -> None:
    buttons = [[Button(f"Country {i}", f"country C{i}"), Button(f"Country {i}b", f"country D{i}")] for i in range(20)]
    reply = Reply(text="pick", buttons=buttons,
                  pager=Pager(1, 3, next=Button("▶", "country @002 #2")))
    view = build_view(reply)
    assert view is not None
    payload = view.to_components()
    assert len(payload) <= 5
    kinds = [c["components"][0]["type"] for c in payload]
    assert kinds[:2] == [3, 3]  # two select menus of at most 25 options
    assert all(len(c["components"][0]["options"]) <= 25 for c in payload if c["components"][0]["type"] == 3)
    pager = payload[-1]["components"]
    assert [b.get("label") for b in pager] == ["1/3", "▶"] and pager[0]["disabled"] is True


def test_buttons_carry_the_action_in_unique_custom_ids() -> None:
    action = "join " + "x" * 59  # 64 bytes: the core's limit
    view = build_view(Reply(buttons=[[Button("a", action), Button("b", action, selected=True)]]))
    ids = [c["custom_id"] for row in view.to_components() for c in row["components"]]
    assert len(set(ids)) == 2 and all(len(i) <= 100 and i.endswith(action) for i in ids)
    styles = [c["style"] for row in view.to_components() for c in row["components"]]
    assert styles == [2, 3]  # the selected one is green


def test_file_rides_on_the_last_message() -> None:
    messages = render(Reply(text="your data", file=FileAttachment("me.json", b"{}"), private=True))
    assert messages[-1].file == ("me.json", b"{}")


def test_hints_name_commands_as_the_reader_s_discord_client_shows_them() -> None:
    import bots.discord.translator  # noqa: F401 - registers Discord's way of writing commands
    from core.commands.syntax import command_hint
    from core.i18n import use_language

    with use_language("fr"):
        assert command_hint("discord", "leave", "tn") == "/quitter tn"
    with use_language("ar"):  # no Discord locale: the client shows the English names
        assert command_hint("discord", "leave", "tn") == "/leave tn"
    with use_language("fr"):  # other platforms keep their own spelling
        assert command_hint("telegram", "leave", "tn") == "/leave tn"
        assert command_hint("slack", "leave", "tn") == "/alumni leave tn"


def test_an_rtl_reply_reads_right_to_left_commands_and_links_still_work() -> None:
    (message,) = render(ARABIC)
    lines = message.content.split("\n")
    assert lines[0] == f"**{RLM}Alumni ألمانيا**"
    assert RLM + LRM + "/start — ابدأ من هنا" in lines and tappable(message.content)
    assert RLM + "München، ألمانيا" in lines and "مرحبا بك" in lines
    assert f"{RLM}Site الموقع: <{URL}>" in lines  # the URL itself untouched
    embed = message.embeds[0].to_dict()
    assert embed["title"] == RLM + "München، ألمانيا" and embed["url"] == URL
    assert embed["description"].split("\n") == [f"*{RLM}TU München — خريجون*", RLM + "Berlin ثم ألمانيا"]
    assert embed["fields"][0]["name"] == RLM + "Web الموقع" and embed["fields"][0]["value"] == "aae.de"
    assert [item.label for item in message.view.children] == [RLM + "RSVP نعم", RLM + "OK موافق"]
    assert not unbalanced_isolates(message.content)


def test_an_ltr_reply_gets_no_direction_mark() -> None:
    (message,) = render(ENGLISH)
    shown = message.content + json.dumps([e.to_dict() for e in message.embeds], ensure_ascii=False)
    shown += "".join(item.label for item in message.view.children)
    assert not any(mark in shown for mark in MARKS) and tappable(message.content)
