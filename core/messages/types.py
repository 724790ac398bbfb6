"""What adapters hand to the core and what they get back.

Every string in a Reply is plain text, already translated: adapters escape all of
it for their markup (HTML, mrkdwn, markdown) and apply structure (titles, cards,
buttons) natively. There is no markup in the core, so no user text can inject any.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from core.messages.forms import Form


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class Sender:
    platform: str  # "telegram" | "discord" | "slack" | "console"
    user_id: str
    display_name: str | None = None
    locale: str | None = None  # the platform's locale for this user ("pt-BR"), used to guess a language
    timezone: str | None = None  # the platform's time zone for this user ("Europe/Paris"), kept for a new member


@dataclass(frozen=True, slots=True)
class Chat:
    chat_id: str
    kind: ChatKind = ChatKind.PRIVATE
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """One thing a person did: a command with arguments, a button press, or free text.

    ``command`` is None for free text (``text`` set), which goes to the running
    conversation if there is one. A button press arrives as ``action`` (the payload
    of a Button) and is decoded by the core.
    """

    sender: Sender
    chat: Chat
    command: str | None = None
    args: str = ""
    text: str | None = None
    action: str | None = None
    # What only the platform knows, for binding a chat to a channel (None: not asked / unknown):
    chat_admin: bool | None = None  # the sender administers this chat (group, workspace, server)
    bot_can_invite: bool | None = None  # the bot may give and take access in this chat
    binding: dict[str, str] | None = None  # platform extras kept with the binding (a Discord role id)
    # Dialogs (see core.messages.forms): the platform can show a Form; a submitted form's values.
    forms: bool = False
    form_values: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str  # opaque payload, at most 64 bytes of UTF-8 (Telegram's callback_data limit)
    # The current choice (my language, a channel I joined). The label never carries a mark:
    # each adapter shows it natively (a ✓ on Telegram, a primary button on Slack, green on Discord).
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Card:
    """An item of a list (an association, a channel): a title and details."""

    title: str
    subtitle: str | None = None
    fields: tuple[Field, ...] = ()
    body: str | None = None
    url: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Pager:
    page: int  # 1-based
    pages: int
    previous: Button | None = None
    next: Button | None = None


@dataclass(frozen=True, slots=True)
class FileAttachment:
    filename: str
    content: bytes
    mime_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class ChatAccess:
    """Access to a bound chat that the adapter must grant or take back.

    The core decides who may enter which chat; the adapter does it with its platform's
    API (a single-use invite link, a role, a channel invitation). ``close_invites``, when
    taking back for good (``forget``): an invitation handed out earlier and not used yet
    must not let the person in either.
    """

    channel_slug: str
    chat_id: str
    grant: bool
    title: str | None = None
    data: dict[str, object] = field(default_factory=dict)
    close_invites: bool = False


@dataclass(slots=True)
class Reply:
    """One message to show. ``buttons`` is a list of rows."""

    text: str = ""
    title: str | None = None
    cards: list[Card] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    pager: Pager | None = None
    file: FileAttachment | None = None
    language: str = "en"
    rtl: bool = False
    private: bool = False  # personal data: ephemeral where the platform allows
    edit: bool = False  # a button press: replace the message that carried the button, where possible
    access: list[ChatAccess] = field(default_factory=list)  # bound chats on the sender's platform
    form: Form | None = None  # show this dialog (only when the request said ``forms``)
    form_errors: dict[str, str] = field(default_factory=dict)  # a refused submission: {field id: message}

    def plain_text(self) -> str:
        """A simple text rendering, for logs of tests and the console's fallback."""
        parts = [p for p in (self.title, self.text) if p]
        for card in self.cards:
            parts.append(card.title + (f" — {card.subtitle}" if card.subtitle else ""))
        return "\n".join(parts)
