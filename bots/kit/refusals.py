"""The bound chats where a platform refused an access change, within one delivery row.

A member's access row (``core.access``: join or ``forget`` typed on another platform) names
several chats. Every platform tries them all; the ones it may not change (no right there, the
chat gone) are named together once the others were done, and the row then fails for good with a
short reason (transient trouble is raised at once instead: the whole row is retried later).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core.delivery.transport import PermanentError

MAX_REASON = 300  # characters of the row's error: enough to name the chats, short in a log line


@dataclass
class Refusals:
    reasons: list[str] = field(default_factory=list)

    def add(self, channel_slug: str, reason: object) -> None:
        self.reasons.append(f"{channel_slug}: {reason}")

    def raise_any(self) -> None:
        """PermanentError naming every refused chat, if there was one."""
        if self.reasons:
            raise PermanentError("; ".join(self.reasons)[:MAX_REASON])
