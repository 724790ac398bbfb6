"""Reply -> Block Kit: escaping, plain_text where Slack must not parse, and Block Kit's limits."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bots.slack.render import (
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_SECTION_TEXT,
    NOOP_ACTION,
    code_block,
    esc,
    link,
    render,
    split_text,
)
from core.messages.types import Button, Card, Field, Link, Pager, Reply
from tests.rtl_samples import ARABIC, ENGLISH, LRM, MARKS, RLM, URL, tappable

INJECTIONS = ("<!channel>", "<!here>", "<!everyone>", "<@U", "<#C", "<http", "<mailto")


def mrkdwn_texts(blocks: list[dict]) -> list[str]:
    found = []
    for block in blocks:
        for obj in [block.get("text"), *(block.get("fields") or []), *(block.get("elements") or [])]:
            if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
                found.append(obj["text"])
    return found


def test_escape_and_mentions() -> None:
    assert esc("a & <b> <!here>") == "a &amp; &lt;b&gt; &lt;!here&gt;"
    assert "@here" not in esc("hi @here and @channel")  # a word joiner keeps them inert
    assert link("x|y", "https://a.example/?q=1&r=2") == "<https://a.example/?q=1&amp;r=2|x∣y>"
    assert link("label", "javascript:alert(1)") == "label"
    assert link("label", "https://a.example/>|<!channel>") == "label"


def test_card_with_hostile_fields_and_url() -> None:
    card = Card(title="<@U1> Club", subtitle="<!here>", fields=(Field("<b>", "<!channel>"),), body="x\n<#C1>",
                url="https://club.example/a&b", buttons=(Button("Join <!here>", "join tn"),))
    (message,) = render(Reply(cards=[card]))
    texts = "\n".join(mrkdwn_texts(message.blocks))
    assert "<https://club.example/a&amp;b|&lt;@U1&gt; Club>" in texts
    assert not any(i in texts.replace("<https://club.example/a&amp;b|", "") for i in INJECTIONS)
    button = message.blocks[-1]["elements"][0]
    assert button["text"] == {"type": "plain_text", "text": "Join <!here>", "emoji": True}  # plain_text: never parsed


def test_long_text_is_split_into_sections_and_messages() -> None:
    text = "\n".join(f"line {i} " + "é&" * 40 for i in range(2000))
    messages = render(Reply(text=text, title="T"))
    assert len(messages) > 1
    for message in messages:
        assert len(message.blocks) <= MAX_BLOCKS
        for piece in mrkdwn_texts(message.blocks):
            assert len(piece) <= MAX_SECTION_TEXT
            assert not piece.endswith("&")  # never cut inside an entity
    joined = "\n".join(p for m in messages for p in mrkdwn_texts(m.blocks))
    assert joined.count("line ") == 2000


def test_a_single_huge_line_is_cut_at_spaces() -> None:
    pieces = split_text(" ".join(["word"] * 3000))
    assert len(pieces) > 1 and all(len(p) <= MAX_SECTION_TEXT for p in pieces)
    assert sum(p.count("word") for p in pieces) == 3000


def test_many_choices_become_a_select_and_few_stay_buttons() -> None:
    few = render(Reply(text="?", buttons=[[Button("A", "a"), Button("B", "b", selected=True)]]))[0]
    (row,) = [b for b in few.blocks if b["type"] == "actions"]
    assert [e["type"] for e in row["elements"]] == ["button", "button"]
    assert row["elements"][1]["style"] == "primary" and row["elements"][1]["text"]["text"] == "B"
    assert "style" not in row["elements"][0]

    many = [Button(f"Country {i} " + "x" * 100, f"country {i}", selected=i == 7) for i in range(150)]
    message = render(Reply(text="?", buttons=[many[i : i + 3] for i in range(0, 150, 3)]))[0]
    selects = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [s["type"] for s in selects] == ["static_select", "static_select"]
    assert [len(s["options"]) for s in selects] == [100, 50]
    assert selects[0]["initial_option"]["value"] == "country 7"
    assert all(len(o["text"]["text"]) <= 75 for s in selects for o in s["options"])


def test_pager_buttons_and_unique_action_ids() -> None:
    reply = Reply(text="p", cards=[Card("a", buttons=(Button("x", "x"),)), Card("b", buttons=(Button("y", "y"),))],
                  pager=Pager(2, 5, Button("◀", "associations #1"), Button("▶", "associations #3")))
    (message,) = render(reply)
    pager = message.blocks[-1]["elements"]
    assert [e["value"] for e in pager] == ["associations #1", NOOP_ACTION, "associations #3"]
    assert pager[1]["text"]["text"] == "2/5"
    ids = [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(set(ids)) and all(i.startswith("alumni:") for i in ids)


def test_button_text_is_clipped_to_slacks_limit() -> None:
    (message,) = render(Reply(buttons=[[Button("long " * 40, "a")]]))
    assert len(message.blocks[0]["elements"][0]["text"]["text"]) <= MAX_BUTTON_TEXT


def test_links_and_code_block_fallback() -> None:
    (message,) = render(Reply(links=[Link("Site", "https://a.example"), Link("<!here>", "ftp://x")]))
    text = "\n".join(mrkdwn_texts(message.blocks))
    assert "<https://a.example|Site>" in text and "&lt;!here&gt;: ftp://x" in text
    blocks = code_block("data.json", json.dumps({"name": "<!channel> ```"}).encode())
    assert blocks is not None and "&lt;!channel&gt;" in blocks[0]["text"]["text"]
    assert code_block("big.json", b"x" * 10_000) is None and code_block("bin", b"\xff\xfe") is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>&!@|#*_~`\n abcUC:/.")) | st.characters(), max_size=400))
def test_no_text_can_produce_a_control_sequence(text: str) -> None:
    reply = Reply(text=text, title=text, cards=[Card(title=text, subtitle=text, body=text, fields=(Field(text, text),))])
    for message in render(reply):
        for piece in [*mrkdwn_texts(message.blocks), message.text]:
            assert "<" not in piece and ">" not in piece.replace("&gt;", "")


def test_user_text_is_shown_literally_and_keeps_the_bold_title_whole() -> None:
    card = Card(title="Evil* _x_", subtitle="~gone~ `x`", body="> not a quote\n*b* _i_ ~s~ `c` ```p```",
                fields=(Field("a*b", "_i_ first_last@example.org"),))
    (message,) = render(Reply(text=">>> all quoted?", cards=[card]))
    texts = mrkdwn_texts(message.blocks)
    assert texts[0] == "＞&gt;&gt; all quoted?"
    title, subtitle, *body = texts[1].split("\n")
    assert title == "*Evil∗ ＿x＿*"  # one bold span, the whole name, with look-alike marks
    assert subtitle == "_∼gone∼ ˋxˋ_"
    assert body == ["＞ not a quote", "∗b∗ ＿i＿ ∼s∼ ˋcˋ ˋˋˋpˋˋˋ"]
    assert mrkdwn_texts([message.blocks[-1]]) == ["*a∗b*\n＿i＿ first_last@example.org"]


def test_escaping_keeps_ordinary_text_copyable() -> None:
    for text in ("first_last@example.org", "ALUMNI_DATABASE_URL", "2 > 1 and 1 < 2", "Saint-Louis (Sénégal)"):
        assert esc(text) == text.replace("<", "&lt;").replace(">", "&gt;")
    blocks = code_block("export.csv", b"name\n*x* _y_ `z`\n")
    assert blocks is not None and "*x* _y_ `z`" in blocks[0]["text"]["text"]  # a code block shows text as it is


def test_an_rtl_reply_reads_right_to_left_commands_and_links_still_work() -> None:
    (message,) = render(ARABIC)
    blocks = message.blocks
    assert blocks[0]["text"]["text"] == RLM + "Alumni ألمانيا"  # the header
    text = blocks[1]["text"]["text"].split("\n")
    assert text[:3] == [RLM + LRM + "/start — ابدأ من هنا", RLM + "München، ألمانيا", "مرحبا بك"]
    assert tappable(blocks[1]["text"]["text"])
    card = blocks[3]["text"]["text"].split("\n")
    assert card == [f"*<{URL}|{RLM}München، ألمانيا>*", f"_{RLM}TU München — خريجون_", RLM + "Berlin ثم ألمانيا"]
    assert blocks[4]["fields"][0]["text"] == f"*{RLM}Web الموقع*\naae.de"
    shown = json.dumps(blocks, ensure_ascii=False)
    assert f"<{URL}|{RLM}Site الموقع>" in shown
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == [RLM + "RSVP نعم", RLM + "OK موافق"]


def test_an_ltr_reply_gets_no_direction_mark() -> None:
    (message,) = render(ENGLISH)
    shown = json.dumps(message.blocks, ensure_ascii=False)
    assert not any(mark in shown for mark in MARKS) and tappable(shown)
