"""Hostile text through the real renderers of every platform (hypothesis).

A Reply is plain text by contract; whatever a person typed may end up in any of its
fields. The renderers must keep it plain: Telegram HTML stays well-formed with our tags
only, Discord and Slack never get a live mention, link or markup from it, the console
never gets a terminal escape. Platform limits hold whatever the length.
"""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bots.console.render import render as console_render
from bots.discord.render import render as discord_render
from bots.slack.modals import form_view
from bots.slack.render import render as slack_render
from bots.telegram.render import MAX_MESSAGE, render as telegram_render, utf16_len
from core.messages.forms import Choice, FieldKind, Form, FormField
from core.messages.types import Button, Card, Field, Link, Pager, Reply
from tests.hostile_inputs import DERANDOMIZE, HOSTILE, count
from tests.test_telegram_render import TagChecker

SETTINGS = settings(max_examples=50, deadline=None, database=None, derandomize=DERANDOMIZE, suppress_health_check=list(HealthCheck))
URLS = st.one_of(
    HOSTILE,
    st.sampled_from([
        "https://example.org/a_b*c~d`e|f", "javascript:alert(1)", "https://x.org/<!channel>", 'https://x.org/"><b>',
        "https://x.org/|<@U1>", "tg://user?id=1", "http://x.org/ @everyone", "https://x.org/&amp;<#C1>", "mailto:a@b.c",
    ]),
)


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    """A Reply whose every text comes from the hostile strategy (button payloads stay the core's: short)."""
    text = st.one_of(st.none(), HOSTILE)
    buttons = st.lists(st.builds(Button, HOSTILE, st.sampled_from(["help", "join tn", "event 12"]), st.booleans()), max_size=3)
    cards = st.lists(
        st.builds(Card, HOSTILE, text, st.lists(st.builds(Field, HOSTILE, HOSTILE), max_size=3).map(tuple), text,
                  st.one_of(st.none(), URLS), buttons.map(tuple)),
        max_size=3,
    )
    return Reply(
        text=draw(HOSTILE),
        title=draw(text),
        cards=draw(cards),
        buttons=[draw(buttons)],
        links=draw(st.lists(st.builds(Link, HOSTILE, URLS), max_size=2)),
        pager=draw(st.one_of(st.none(), st.builds(Pager, st.integers(1, 9), st.integers(1, 9),
                                                 st.just(Button("◀", "page 1")), st.just(Button("▶", "page 3"))))),
    )


# ---------------------------------------------------------------- Telegram

_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});)")


@given(replies())
@SETTINGS
def test_telegram_html_is_well_formed_with_our_tags_only(reply: Reply) -> None:
    count("rendered replies")
    for chunk in telegram_render(reply):
        assert utf16_len(chunk.html) <= MAX_MESSAGE
        assert not _ENTITY.search(chunk.html), chunk.html[:200]  # only the entities Telegram knows
        checker = TagChecker()
        checker.feed(chunk.html)
        checker.close()
        assert not checker.stack, checker.stack
        if chunk.markup is not None:
            for row in chunk.markup.inline_keyboard:
                for button in row:
                    assert button.text and "\n" not in button.text
                    if button.url:
                        assert button.url.startswith(("http://", "https://", "tg://"))


# ---------------------------------------------------------------- Discord

_DISCORD_LIVE = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>|</[^>\n]+:\d+>|<a?:\w+:\d+>|<t:-?\d+(:\w)?>")


def discord_texts(message: Any) -> list[str]:
    texts = [message.content or ""]
    for embed in message.embeds:
        data = embed.to_dict()
        texts += [data.get("title", ""), data.get("description", "")]
        texts += [f["name"] + "\n" + f["value"] for f in data.get("fields", [])]
    return texts


@given(replies())
@SETTINGS
def test_discord_never_makes_a_live_mention_and_keeps_limits(reply: Reply) -> None:
    count("rendered replies")
    for message in discord_render(reply):
        assert len(message.content or "") <= 2000
        assert len(message.embeds) <= 10 and sum(len(e) for e in message.embeds) <= 6000
        for embed in message.embeds:
            data = embed.to_dict()
            assert len(data.get("title", "")) <= 256 and len(data.get("description", "")) <= 4096
            assert len(data.get("fields", [])) <= 25
            assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in data.get("fields", []))
            assert data.get("url") is None or data["url"].startswith(("http://", "https://"))
        for text in discord_texts(message):
            assert not _DISCORD_LIVE.search(text), _DISCORD_LIVE.search(text)
        if message.view is not None:
            for item in message.view.children:
                assert len(getattr(item, "label", None) or "") <= 80


_MARKDOWN = set("*_`")  # a single ~ or | is shown as is; their pairs are checked below


@given(HOSTILE)
@SETTINGS
def test_discord_markdown_from_user_text_is_inert(text: str) -> None:
    """Every markdown character of the text is escaped, except inside a bare link Discord shows as is."""
    count("rendered replies")
    content = "\n".join(m.content for m in discord_render(Reply(text=text)))
    without_links = re.sub(r"https?://\S+", "", content)
    unescaped = re.sub(r"\\.", "", without_links, flags=re.S)
    assert not (_MARKDOWN & set(unescaped)) and "~~" not in unescaped and "||" not in unescaped, (text[:80], content[:200])
    masked = re.sub(r"\\.", "", content, flags=re.S)
    assert not re.search(r"\[[^\]\n]*\]\(\s*<?\w+:", masked), content[:200]  # no masked link
    for line in unescaped.split("\n"):
        assert not re.match(r"\s*(#{1,3}\s|>\s|-#\s)", line), line[:80]  # no heading, quote or subtext line


# ---------------------------------------------------------------- Slack

_SLACK_LIVE = re.compile(r"<[!@#]|<(https?|mailto|tel|slack):|(?<![\u2060])@(here|channel|everyone)\b")


def slack_objects(value: Any, kind: str) -> list[str]:
    """Every text of the given type ("mrkdwn" / "plain_text") in a Block Kit structure."""
    found = []
    if isinstance(value, dict):
        if value.get("type") == kind and isinstance(value.get("text"), str):
            found.append(value["text"])
        for item in value.values():
            found += slack_objects(item, kind)
    elif isinstance(value, list):
        for item in value:
            found += slack_objects(item, kind)
    return found


def our_links_removed(text: str) -> str:
    """Links the renderer writes for a safe URL: ``<https://…|label>``; the label must be inert."""
    def check(match: re.Match[str]) -> str:
        url, label = match.group(1), match.group(2) or ""
        assert not re.search(r"[<>|\s]", url), url
        assert "<" not in label and ">" not in label and "|" not in label
        return label

    return re.sub(r"<(https?://[^|>]*)(?:\|([^>]*))?>", check, text)


@given(replies())
@SETTINGS
def test_slack_never_makes_a_live_mention_or_link(reply: Reply) -> None:
    count("rendered replies")
    for message in slack_render(reply):
        assert len(message.blocks) <= 50
        texts = slack_objects(message.blocks, "mrkdwn") + [message.text]
        for text in texts:
            assert not _SLACK_LIVE.search(our_links_removed(text)), text[:200]
        for element in _elements(message.blocks):
            if "url" in element:
                assert element["url"].startswith(("http://", "https://"))
        json.dumps(message.blocks)


# mrkdwn delimiters Slack may take as formatting: any *, ~ or backtick, an _ unless it sits between two
# ASCII letters or digits (snake_case, first_last@example.org: Slack never formats inside a word).
_LIVE_DELIMITER = re.compile(r"[*~`]|_(?<![A-Za-z0-9]_)|_(?![A-Za-z0-9])")
_QUOTE_LINE = re.compile(r"^\s*(?:>|&gt;)", re.MULTILINE)


@given(replies())
@SETTINGS
def test_slack_user_text_never_formats_nor_breaks_our_bold(reply: Reply) -> None:
    """Every *, _, ~ or backtick Slack could read as markup is one the renderer wrote (bold titles and
    labels, italic subtitles), never one from the text: counted, and each bold line is one whole span."""
    count("rendered replies")
    expected = {"*": 0, "_": 0}
    for card in reply.cards:
        expected["*"] += 2 + 2 * min(len(card.fields), 10)
        expected["_"] += 2 if card.subtitle else 0
    found = {"*": 0, "_": 0, "~": 0, "`": 0}
    for message in slack_render(reply):
        assert not _LIVE_DELIMITER.search(message.text) and not _QUOTE_LINE.search(message.text)
        for text in slack_objects(message.blocks, "mrkdwn"):
            assert not _QUOTE_LINE.search(text), text[:200]
            for line in text.split("\n"):
                marks = _LIVE_DELIMITER.findall(line)
                for mark in marks:
                    found[mark] += 1
                if marks:  # a whole bold or italic line, opened and closed by us
                    assert len(marks) == 2 and line[0] == line[-1] == marks[0], line[:200]
    assert found == {**expected, "~": 0, "`": 0}


def _elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        found += [e for e in block.get("elements", []) if isinstance(e, dict)]
        if isinstance(block.get("accessory"), dict):
            found.append(block["accessory"])
    return found


@given(st.lists(HOSTILE, min_size=6, max_size=6))
@SETTINGS
def test_slack_modals_keep_user_text_inert(texts: list[str]) -> None:
    count("rendered replies")
    title, note, label, hint, initial, choice = texts
    form = Form(
        id="newevent", title=title, submit_label=label, command="newevent", args=initial[:40],
        fields=(
            FormField("title", label, FieldKind.TEXT, initial=initial, hint=hint),
            FormField("where", label, FieldKind.SELECT, choices=(Choice("fr", choice), Choice("tn", choice[::-1]))),
        ),
        notes=(note,),
    )
    view = form_view(form, {"channel": "D1"}, close_label=label)
    for text in slack_objects(view, "mrkdwn"):
        assert not _SLACK_LIVE.search(text), text[:200]
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    assert len(view["private_metadata"]) <= 3000
    json.loads(view["private_metadata"])  # comes back with the submission: must stay readable


# ---------------------------------------------------------------- console

_ALLOWED_FORMAT = set("\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200c\u200d")


@given(st.lists(replies(), min_size=1, max_size=2), st.booleans())
@SETTINGS
def test_console_output_has_no_terminal_escapes(shown: list[Reply], styled: bool) -> None:
    count("rendered replies")
    rendered = console_render(shown, styled=styled)
    for line in rendered.lines:
        plain_line = re.sub(r"\x1b\[[0-9;]*m", "", line) if styled else line
        assert "\n" not in plain_line
        bad = [ch for ch in plain_line if unicodedata.category(ch) in ("Cc", "Cf") and ch not in _ALLOWED_FORMAT]
        assert not bad, (bad, plain_line[:80])
        if not styled:
            assert "\x1b" not in line


def test_every_discord_send_turns_mentions_off() -> None:
    """Each call that posts or edits a message in the Discord adapter says ``allowed_mentions`` (the
    client's default is none too): a mention that slipped through escaping still could not ping."""
    import ast
    from pathlib import Path

    from bots.discord.client import AlumniBot

    sending = {"send", "send_message", "edit_message", "edit_original_response", "edit"}
    unguarded = []
    for path in sorted(Path("bots/discord").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in sending:
                names = {k.arg for k in node.keywords}
                posts_text = names & {"content", "embeds", "embed", "view"} or any(k.arg is None for k in node.keywords)
                if posts_text and "allowed_mentions" not in names:
                    unguarded.append(f"{path}:{node.lineno}")
    assert not unguarded, unguarded
    from tests.test_discord_bot import StubService

    client = AlumniBot(StubService(), sync_commands=False)
    assert client.allowed_mentions is not None and client.allowed_mentions.to_dict() == {"parse": []}
