"""Announcement texts: cleaning what the sender wrote, choosing a reader's version, rendering it.

The core never puts text into markup: a version is a plain ``Reply`` (a localized header as
its title, the sender's text as its body) that every adapter escapes for its platform.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from core.messages.types import Reply
from core.i18n import N_, SUPPORTED_LANGUAGES, _, is_rtl, use_language
from core.memberships import channel_title
from core.text import clean_line, echo, isolate

# Leaves room for the header under Telegram's 4,096 characters and Discord's 2,000 is the adapter's
# business (it splits); 3,000 is a long announcement already.
MAX_TEXT_LENGTH = 3000
MAX_SENDER_NAME_LENGTH = 80
MAX_BLANK_LINES = 2


class TextError(ValueError):
    """An unusable text; ``message`` is a catalog msgid, ``params`` its arguments."""

    def __init__(self, message: str, **params: object) -> None:
        params = {key: echo(value) for key, value in params.items()}  # what was typed, quoted back: short and clean
        super().__init__(message.format(**params))
        self.message = message
        self.params = params

    def localized(self) -> str:
        return _(self.message).format(**self.params)


def clean_text(text: str) -> str:
    """Several lines kept; control characters dropped and bidi overrides removed on each line,
    runs of blank lines shortened, surrounding space trimmed. Raises TextError when empty or too long."""
    lines: list[str] = []
    blank = 0
    normalized = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    for raw in normalized.split("\n"):
        line = clean_line(raw, MAX_TEXT_LENGTH + 1)
        if not line:
            blank += 1
            if blank > MAX_BLANK_LINES - 1 or not lines:
                continue
        else:
            blank = 0
        lines.append(line)
    cleaned = "\n".join(lines).strip()
    if not cleaned:
        raise TextError(N_("The announcement is empty. Write its text."))
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise TextError(
            N_("The announcement is too long ({length} characters); the maximum is {maximum}."),
            length=len(cleaned),
            maximum=MAX_TEXT_LENGTH,
        )
    return cleaned


def clean_sender_name(name: str | None) -> str:
    return clean_line(name or "", MAX_SENDER_NAME_LENGTH)


def clean_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """Every version cleaned; languages must be supported ones."""
    cleaned: dict[str, str] = {}
    for language, text in texts.items():
        if language not in SUPPORTED_LANGUAGES:
            raise TextError(N_("Unsupported language {language}."), language=language)
        cleaned[language] = clean_text(text)
    if not cleaned:
        raise TextError(N_("The announcement is empty. Write its text."))
    return cleaned


def fallback_order(texts: Mapping[str, str], fallback: Sequence[str] | None) -> list[str]:
    """The sender's order restricted to the given texts, then any text not named in it (given order)."""
    order = [language for language in (fallback or ()) if language in texts]
    order += [language for language in texts if language not in order]
    return list(dict.fromkeys(order))


def version_for(language: str | None, texts: Mapping[str, str], fallback: Sequence[str]) -> str:
    """The language a reader gets: their own when written, else the first of the fallback order."""
    if language and language in texts:
        return language
    return fallback[0] if fallback else next(iter(texts))


def header(sender_name: str, channel_slug: str) -> str:
    """Who sends it and to which channel, in the current (reader's) language."""
    channel = channel_title(channel_slug)
    name = clean_sender_name(sender_name)
    if name:
        return _("Announcement from {sender} to the {channel} channel").format(sender=isolate(name), channel=channel)
    return _("Announcement to the {channel} channel").format(channel=channel)


def body(text_language: str, text: str) -> Reply:
    """A version without its header: what an outbox row keeps (the header is added when sending).

    ``text_language`` sets the direction of the body (an Arabic text reads right to left)."""
    return Reply(text=text, language=text_language, rtl=is_rtl(text_language))


def with_header(version: Reply, language: str, sender_name: str, channel_slug: str) -> Reply:
    """The version with the header in the reader's ``language``."""
    with use_language(language):
        version.title = header(sender_name, channel_slug)
    return version


def render_version(language: str, text_language: str, text: str, sender_name: str, channel_slug: str) -> Reply:
    """The message a reader of ``language`` sees: the header in their language, the text as written."""
    return with_header(body(text_language, text), language, sender_name, channel_slug)
