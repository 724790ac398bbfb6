"""A small driver that talks to the command layer as one person would, for tests."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.commands.service import CommandService
from core.messages.types import Button, Chat, ChatKind, Reply, Request, Sender


@dataclass
class Person:
    service: CommandService
    user_id: str = "1"
    platform: str = "console"
    locale: str | None = None
    chat: Chat = field(default_factory=lambda: Chat("dm-1", ChatKind.PRIVATE))
    last: list[Reply] = field(default_factory=list)

    @property
    def sender(self) -> Sender:
        return Sender(self.platform, self.user_id, f"user {self.user_id}", self.locale)

    async def send(self, line: str) -> list[Reply]:
        if line.startswith("/"):
            name, _, args = line[1:].partition(" ")
            request = Request(self.sender, self.chat, command=name, args=args)
        else:
            request = Request(self.sender, self.chat, text=line)
        self.last = await self.service.handle(request)
        return self.last

    async def press(self, label_part: str, *, page_through: bool = False) -> list[Reply]:
        while page_through and not any(label_part in b.label for b in self.buttons()):
            await self.press("▶")
        button = self.button(label_part)
        self.last = await self.service.handle(Request(self.sender, self.chat, action=button.action))
        return self.last

    async def press_action(self, prefix: str) -> list[Reply]:
        """Press the button whose command starts with ``prefix`` ("join tn"), whatever its label."""
        matches = [b for b in self.buttons() if b.action.startswith(prefix)]
        assert matches, f"no button running {prefix!r} among {[b.action for b in self.buttons()]}"
        self.last = await self.service.handle(Request(self.sender, self.chat, action=matches[0].action))
        return self.last

    def buttons(self) -> list[Button]:
        found = []
        for reply in self.last:
            for row in reply.buttons:
                found.extend(row)
            for card in reply.cards:
                found.extend(card.buttons)
            if reply.pager:
                found.extend(b for b in (reply.pager.previous, reply.pager.next) if b)
        return found

    def button(self, label_part: str) -> Button:
        matches = [b for b in self.buttons() if label_part in b.label]
        assert matches, f"no button with {label_part!r} among {[b.label for b in self.buttons()]}"
        return matches[0]

    def text(self) -> str:
        return "\n".join(reply.plain_text() for reply in self.last)
