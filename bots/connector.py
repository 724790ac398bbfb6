"""What the composition root (``bots/host.py``) needs of a chat platform: a connector.

A connector owns its platform's client (the Telegram Application, the discord.py client, the
bolt app) and nothing of the core's machinery: the root opens the app, runs the one delivery
engine with every connector's ``transport``, serves health and handles SIGTERM.

Order, kept by the root: ``await start(app)`` (connect; a problem that stops the bot is a
``ConnectorError`` whose message is one line of stderr), then the engine starts with the
``transport``; ``healthy()`` is asked while it runs; ``closed()`` returns (or raises
``ConnectorError``) if the platform connection ends on its own; on the way down the engine stops
first (in-flight sends finish through a live client), then ``await stop()``, which must be
safe after a failed or partial start.
"""
from __future__ import annotations

import asyncio
from typing import Any, Generic, Protocol, TypeVar

from core.app import App
from core.config import Settings
from core.delivery.transport import Transport


T = TypeVar("T")


class ConnectorError(Exception):
    """What stops a bot (a rejected token, a lost connection), said in one line of stderr."""


class Connector(Protocol):
    name: str  # the platform: "telegram", "discord", "slack" (health, metrics, workers)

    @property
    def transport(self) -> Transport:
        """The sender the delivery engine pushes through (valid once started)."""
        ...

    async def start(self, app: App) -> None:
        """Connect and serve the core's command service; ConnectorError when it cannot."""
        ...

    async def stop(self) -> None:
        """Disconnect (after the engine stopped); safe after a failed or partial start."""
        ...

    def healthy(self) -> bool:
        """Receiving from the platform right now."""
        ...

    async def closed(self) -> None:
        """Return or raise ConnectorError when the connection ends on its own (most never do)."""
        ...


async def never_closed() -> None:
    """``closed`` of a connector whose library reconnects by itself: only a stop ends it."""
    await asyncio.Future()


class MadeOnStart(Generic[T]):
    """A connector's ``transport``, made in ``start`` (with the platform's client) and asked for after it."""

    _transport: T | None = None

    @property
    def transport(self) -> T:
        assert self._transport is not None, "start the connector first"
        return self._transport


class PlatformConnector(MadeOnStart[T]):
    """What every platform's connector shares: made from the settings and ``alumni run``'s arguments
    (``args``: an argparse Namespace, or None), connected in ``start``; its library reconnects by
    itself, so ``closed`` waits for a stop unless the platform says otherwise."""

    def __init__(self, settings: Settings, args: Any = None) -> None:
        self.settings = settings
        self.args = args

    async def closed(self) -> None:
        await never_closed()
