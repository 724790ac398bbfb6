"""What every fake platform shares: an aiohttp app on 127.0.0.1, on a free port."""
from __future__ import annotations

from typing import Any, Self

from aiohttp import web


class LocalServer:
    """Subclasses add their routes (``routes``) and close what they hold open (``closing``)."""

    _runner: web.AppRunner | None = None
    port: int | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def closing(self) -> None:
        """Before the server stops: close websockets, release long polls."""

    async def start(self) -> Self:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        await self.closing()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()
