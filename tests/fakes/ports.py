"""Ports on 127.0.0.1 that no other test process can take, for servers that must be told a number.

Our fakes bind port 0 and read back what they got. A few servers under test cannot: the Telegram
webhook and the health server take their port from the command line, where 0 means "the default".
Picking a free port by binding and closing a probe leaves it free for anyone until the server
binds it: with several test workers at once (pytest-xdist), another process's ``bind(0)`` or
outgoing connection may get it first.

``reserved_port()`` closes its port so that the closing side keeps it in TIME_WAIT: the kernel
then hands it to no ``bind(0)`` for a minute, while a server that sets SO_REUSEADDR (aiohttp,
tornado and asyncio all do) can still listen on it. ``PortHold`` keeps a port that a fake stopped
listening on (the ``refused`` outage) bound, so that nothing else takes it before the fake listens
again: connections to it are refused meanwhile.
"""
from __future__ import annotations

import socket

HOST = "127.0.0.1"


def reserved_port() -> int:
    """A port on 127.0.0.1 reserved for the caller's server for about a minute (see the module)."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        listener.listen(1)
        address = listener.getsockname()
        with socket.socket() as client:
            client.connect(address)
            accepted, _peer = listener.accept()
            accepted.close()  # this side closes first, so the port stays in TIME_WAIT on our side
    return int(address[1])


class PortHold:
    """A socket bound to ``port`` but not listening: the port stays ours, connections are refused."""

    def __init__(self, port: int) -> None:
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((HOST, port))
        except OSError:
            self._socket.close()
            raise

    def release(self) -> None:
        """After the server listens again on the port (it may, with SO_REUSEADDR)."""
        self._socket.close()
