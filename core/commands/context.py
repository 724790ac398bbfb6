"""What a handler works with: the request, the member, the open transaction, and reply helpers."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import Actor
from core.messages import actions
from core.commands.syntax import command_hint
from core.messages.types import Button, Reply, Request
from core.config import DEFAULT_ANNOUNCE_PER_DAY
from core.db.models import Conversation, Identity, Member
from core.directory.search import DirectorySearch
from core.i18n import current_language, is_rtl


_CONVERSATION = select(Conversation).where(
    Conversation.identity_id == bindparam("identity_id"), Conversation.chat_id == bindparam("chat_id")
)


@dataclass
class Context:
    session: AsyncSession
    request: Request
    identity: Identity
    member: Member
    directory: DirectorySearch
    is_new: bool = False
    announce_per_day: int = DEFAULT_ANNOUNCE_PER_DAY  # ALUMNI_ANNOUNCE_PER_DAY (core.announcements.quota)
    replies: list[Reply] = field(default_factory=list)
    # The conversation row, read once per request; _UNREAD until then.
    _conversation: "Conversation | None | object" = field(default=None, repr=False)
    _conversation_read: bool = field(default=False, repr=False)

    @property
    def platform(self) -> str:
        return self.request.sender.platform

    @property
    def actor(self) -> Actor:
        """Who acts, for the audit trail: this member through the account that sent the request."""
        return Actor.of(self.identity)

    @property
    def pressed(self) -> bool:
        """True when the request came from a button: replies may replace that message."""
        return self.request.action is not None

    @property
    def answering(self) -> bool:
        """True when free text answers the running conversation (not a typed command or a button)."""
        return self.request.command is None and self.request.action is None

    def hint(self, name: str, args: str = "") -> str:
        return command_hint(self.platform, name, args)

    def reply(self, text: str = "", **fields: object) -> Reply:
        language = current_language()
        reply = Reply(text=text, language=language, rtl=is_rtl(language), **fields)  # type: ignore[arg-type]
        self.replies.append(reply)
        return reply

    async def button(self, label: str, command: str, args: str = "", selected: bool = False) -> Button:
        action = await actions.encode(self.session, command, args, owner=self.member.id)
        return Button(label=label, action=action, selected=selected)

    # ------------------------------------------------------------ conversation state

    async def conversation(self) -> Conversation | None:
        if not self._conversation_read:
            self._conversation = await self.session.scalar(
                _CONVERSATION, {"identity_id": self.identity.id, "chat_id": self.request.chat.chat_id}
            )
            self._conversation_read = True
        return self._conversation  # type: ignore[return-value]

    async def set_conversation(self, flow: str, step: str, data: dict[str, object] | None = None) -> None:
        current = await self.conversation()
        if current is None:
            self._conversation = Conversation(
                identity_id=self.identity.id, chat_id=self.request.chat.chat_id, flow=flow, step=step, data=data or {}
            )
            self.session.add(self._conversation)
        else:
            current.flow, current.step, current.data = flow, step, dict(data or {})
        await self.session.flush()

    async def end_conversation(self) -> None:
        if self._conversation_read and self._conversation is None:
            return  # nothing to end: spare the DELETE
        self._conversation, self._conversation_read = None, True
        await self.session.execute(
            delete(Conversation).where(
                Conversation.identity_id == self.identity.id, Conversation.chat_id == self.request.chat.chat_id
            )
        )

