"""A small TCP proxy of ours, to take a shared server (PostgreSQL) away from one test only.

The app connects to the proxy (127.0.0.1, a free port), which forwards bytes both ways to the
real server. The shared server itself is never stopped; instead:

- ``cut()``: every open connection is closed at once (what the app sees when PostgreSQL
  restarts: its pooled connections are dead), new ones are still accepted;
- ``refuse()``: connections are cut and the port closed (connection refused), until ``restore()``;
- ``blackhole()``: connections are cut; new ones are accepted but nothing is ever forwarded
  (a server that hangs, a firewall dropping packets), until ``restore()``;
- ``restore()``: the port accepts again (same port, so the app's URL stays right).

``connections`` counts the connections accepted, ``cuts`` the live ones closed by a fault.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Self

from tests.fakes.ports import PortHold


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port: int | None = None
        self.connections = 0
        self.cuts = 0
        self.refusing = False
        self.swallowing = False
        self._held: set[asyncio.StreamWriter] = set()
        self._server: asyncio.base_events.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._hold: PortHold | None = None  # keeps the port ours while it is closed (``refuse()``)

    async def start(self) -> Self:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port or 0, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        self._release_port()
        return self

    def _release_port(self) -> None:
        if self._hold is not None:
            self._hold.release()
            self._hold = None

    async def stop(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._release_port()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    def url(self, database_url: str) -> str:
        """``database_url`` with host and port replaced by the proxy's."""
        from sqlalchemy.engine import make_url

        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    # ------------------------------------------------------------ faults

    def cut_now(self) -> None:
        """Close every live connection (both sides) at once; callable from synchronous code."""
        writers = list(self._writers)
        self.cuts += len(writers) // 2
        for writer in writers:
            writer.transport.abort()
        self._writers.clear()

    async def cut(self) -> None:
        """Close every live connection (both sides), as a server restart does."""
        self.cut_now()
        for task in list(self._pipes):
            task.cancel()
        if self._pipes:
            await asyncio.wait(list(self._pipes), timeout=2)

    async def refuse(self) -> None:
        """Cut everything and close the port: new connections are refused."""
        self.refusing = True
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
            self._hold = PortHold(self.port or 0)  # no other process may take the port before restore()
        await self.cut()

    async def blackhole(self) -> None:
        """Cut everything; from now on connections are accepted and then left unanswered."""
        self.swallowing = True
        await self.cut()

    async def restore(self) -> None:
        self.refusing = False
        self.swallowing = False
        for writer in list(self._held):  # the unanswered ones end now
            writer.transport.abort()
        self._held.clear()
        if self._server is None:
            await self.start()

    # ------------------------------------------------------------ forwarding

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.transport.abort()
            return
        if self.swallowing:
            self._held.add(writer)
            while self.swallowing and writer in self._held:
                await asyncio.sleep(0.05)
            writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._writers.update({writer, upstream_writer})
        pipes = [asyncio.ensure_future(self._pipe(reader, upstream_writer)),
                 asyncio.ensure_future(self._pipe(upstream_reader, writer))]
        self._pipes.update(pipes)
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pipe in pipes:
                pipe.cancel()
                self._pipes.discard(pipe)
            for side in (writer, upstream_writer):
                self._writers.discard(side)
                side.transport.abort()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
