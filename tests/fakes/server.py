"""What every fake platform shares: an aiohttp app on 127.0.0.1, on a free port, and an outage switch.

``await fake.outage(kind)`` makes the platform misbehave for every request until
``await fake.restore()``. The request is then not processed at all (nothing is recorded,
nothing is "received"), the way a platform that is down or broken behaves:

- ``refused``: the port is closed (connection refused); open keep-alive connections are cut;
- ``timeout``: the connection is accepted and the request read, but never answered
  (until the outage ends, when the hung request is dropped unanswered);
- ``5xx``: an HTML error page with a 503 status, as a load balancer in front would send;
- ``invalid_json``: 200, ``Content-Type: application/json``, a truncated body;
- ``wrong_shape``: 200 and valid JSON, but not what the API documents;
- ``html``: 200 with an HTML page (a captive portal, a misrouted proxy).

``outage_hits`` counts the requests that met an outage (connection attempts in ``refused``
mode never reach us, so they are not counted).

``fault(path, kind, after=n)`` hits one request only: the one after the first ``n`` whose
path matches (a regular expression), e.g. the second message of a long push. Its kinds:
``reset`` (the connection is closed without an answer, as a connection reset), ``5xx``,
``429`` (one second's wait, said the way each platform's client reads it), and ``hang`` (the
request is never answered nor processed: the one on the wire when a process dies).
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from tests.fakes.ports import PortHold

OUTAGES = ("refused", "timeout", "5xx", "invalid_json", "wrong_shape", "html")
ERROR_PAGE = "<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FAULTS = ("reset", "5xx", "429", "hang")
# A 429 every platform's client understands: Telegram's parameters.retry_after, Slack's
# Retry-After header and ``ratelimited``, Discord's retry_after (no ``Via`` header: discord.py
# then leaves the wait to us rather than sleeping itself).
TOO_MANY = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1}, "error": "ratelimited", "message": "You are being rate limited.",
            "retry_after": 1, "global": False, "code": 0}


@dataclass
class Fault:
    path: str  # a regular expression searched in the request's path
    kind: str
    after: int  # matching requests let through first
    times: int  # then this many meet the fault


class LocalServer:
    """Subclasses add their routes (``routes``) and close what they hold open (``closing``)."""

    _runner: web.AppRunner | None = None
    _site: web.TCPSite | None = None
    port: int | None = None
    down: str | None = None  # the current outage, or None
    outage_hits: int = 0
    _up: asyncio.Event | None = None
    faults: list[Fault] | None = None
    fault_hits: int = 0
    _hung: asyncio.Event | None = None  # set when the server stops: hung requests are dropped
    _hold: PortHold | None = None  # keeps the port ours while it is closed (``refused``)

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def closing(self) -> None:
        """Before the server stops: close websockets, release long polls."""

    async def closing_connections(self) -> None:
        """When the platform goes away (``refused``): close websockets and the like too."""
        await self.closing()

    async def start(self) -> Self:
        app = web.Application(middlewares=[self._outage_middleware])
        self.routes(app)
        self._up = asyncio.Event()
        self._up.set()
        self._hung = asyncio.Event()
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await self._listen(0)
        return self

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        self._site = site
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._up is not None:
            self._up.set()
        if self._hung is not None:
            self._hung.set()
        await self.closing()
        if self._runner is not None:
            await self._runner.cleanup()
        self._release_port()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    # ------------------------------------------------------------ the outage switch

    async def outage(self, kind: str) -> None:
        """The platform goes down (or starts answering nonsense) until ``restore()``."""
        if kind not in OUTAGES:
            raise ValueError(f"unknown outage {kind!r}: one of {OUTAGES}")
        await self.restore()
        assert self._up is not None
        self._up.clear()
        self.down = kind
        if kind == "refused" and self._site is not None:
            await self._site.stop()  # the listening socket closes: new connections are refused
            self._site = None
            if self.port is not None:  # and no other process may take the port before restore()
                self._hold = PortHold(self.port)
            await self.closing_connections()

    async def restore(self) -> None:
        """The platform is back, on the same port."""
        kind, self.down = self.down, None
        if kind == "refused" and self._site is None and self.port is not None:
            await self._listen(self.port)
            self._release_port()
        if self._up is not None:
            self._up.set()

    def _release_port(self) -> None:
        if self._hold is not None:
            self._hold.release()
            self._hold = None

    def fault(self, path: str, kind: str = "reset", *, after: int = 0, times: int = 1) -> None:
        """The request after the first ``after`` ones whose path matches ``path`` (and the next
        ``times - 1``) meet ``kind``: nothing is processed, as in an outage."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}: one of {FAULTS}")
        if self.faults is None:
            self.faults = []
        self.faults.append(Fault(path, kind, after, times))

    def _fault_for(self, request: web.Request) -> str | None:
        for fault in self.faults or []:
            if fault.times > 0 and re.search(fault.path, request.path):
                if fault.after > 0:
                    fault.after -= 1
                    return None
                fault.times -= 1
                self.fault_hits += 1
                return fault.kind
        return None

    @web.middleware
    async def _outage_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = self._fault_for(request)
        if fault == "reset":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=503)
        if fault == "5xx":
            return web.Response(status=503, text=ERROR_PAGE, content_type="text/html")
        if fault == "429":
            return web.json_response(TOO_MANY, status=429, headers={"Retry-After": "1"})
        if fault == "hang":
            assert self._hung is not None
            await self._hung.wait()
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=503)
        kind = self.down
        if kind is None:
            return await handler(request)
        self.outage_hits += 1
        if kind == "refused":  # a request on a connection opened before the port closed
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=503)
        if kind == "timeout":
            assert self._up is not None
            await request.read()
            await self._up.wait()
            if request.transport is not None:  # the outage is over: this request is dropped unanswered
                request.transport.close()
            return web.Response(status=503)
        if kind == "5xx":
            return web.Response(status=503, text=ERROR_PAGE, content_type="text/html")
        if kind == "invalid_json":
            return web.Response(status=200, body=b'{"ok": true, "result": {"message_id": 1, "da',
                                headers={"Content-Type": "application/json"})
        if kind == "wrong_shape":
            return web.Response(status=200, body=b'{"status": "maintenance", "result": null}',
                                headers={"Content-Type": "application/json"})
        return web.Response(status=200, text=ERROR_PAGE, content_type="text/html")
