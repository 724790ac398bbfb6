"""The Bot API's HTTP client: python-telegram-bot's request interface over an aiohttp session.

PTB's default client (httpx) spends most of a busy bot's CPU in its connection pool: on every
request start and end it walks every connection, asks the kernel whether each idle socket is
readable, and drops idle connections past 20 (so a burst reconnects, and pays TLS again
against the real API). aiohttp takes a pooled connection in constant time and keeps up to
``connections`` of them alive; under a 200-member burst the bot's CPU per request fell from
5.7 to about 3 ms (bench/bench_load.py). aiohttp is already a dependency (the Slack and Discord
transports and the health server use it). ``getUpdates`` keeps PTB's own client (one connection).

Proxies from the environment (``HTTPS_PROXY``, ``NO_PROXY``...) are honoured as httpx honours them,
but looked up once per host: aiohttp's ``trust_env`` looks them up, and ``~/.netrc``, on every
request, each time in a thread of the executor (two thread hand-offs per message: a tenth of a
broadcast's CPU).
"""
from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# Concurrent connections to the Bot API. Telegram accepts about 30 messages a second per bot,
# which 32 connections carry even at a 1 s round trip; more only adds handshakes.
CONNECTIONS = 32
# With paid broadcast (1,000 messages a second): enough for a round trip up to about 0.12 s.
# Connections open only when that many requests are on the wire at once (the delivery engine
# sizes its sends in flight to the rate), so a quiet bot holds no more than before.
PAID_BROADCAST_CONNECTIONS = 128
FORM = "application/x-www-form-urlencoded"


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded, kept-alive connection pool.

    Timeouts keep PTB's meaning: ``connect`` covers waiting for a pooled connection plus
    opening one; ``read`` is the wait for each chunk of the answer. aiohttp has no write
    timeout: the whole call is bounded by the sum of the four instead (a stalled upload ends).
    """

    def __init__(
        self,
        connections: int = CONNECTIONS,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 20.0,  # PTB's media write timeout: uploads (a data export) take longest
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 10.0,
    ) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str | None], tuple[URL | None, dict[str, str] | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})
            self._proxies = {}

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        parts = [part for part in (read, write, connect, pool) if part is not None]
        timeout = aiohttp.ClientTimeout(
            total=sum(parts) if len(parts) == 4 else None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        proxy, proxy_headers = self._proxy(url)
        try:
            async with self._session.request(method, url, data=_body(request_data), timeout=timeout,
                                             proxy=proxy, proxy_headers=proxy_headers) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:  # the URL holds the token: never in the message
            raise NetworkError(f"aiohttp.{type(error).__name__}: {str(error).replace(url, '<Bot API URL>')}") from error


    def _proxy(self, url: str) -> tuple[URL | None, dict[str, str] | None]:
        """The environment's proxy for ``url``'s host (HTTPS_PROXY, NO_PROXY...), looked up once."""
        parsed = URL(url)
        key = (parsed.scheme, parsed.host)
        found = self._proxies.get(key)
        if found is None:
            found = (None, None)
            with suppress(LookupError):
                proxy, auth = get_env_proxy_for_url(parsed)
                found = (proxy, None if auth is None else {"Proxy-Authorization": auth.encode()})
            self._proxies[key] = found
        return found


def _given(value: Any, default: float | None) -> float | None:
    """A timeout the call passed, else the default (PTB passes ``DEFAULT_NONE`` for "not given")."""
    return default if value is BaseRequest.DEFAULT_NONE else value


def _body(request_data: RequestData | None) -> Any:
    """Form-encoded parameters (values JSON-encoded, as PTB's own client sends them), multipart when files go along."""
    if request_data is None:
        return None
    files = request_data.multipart_data
    if not files:  # encoded here: aiohttp's FormData draws a multipart boundary (os.urandom) even for a plain form
        return aiohttp.payload.BytesPayload(request_data.url_encoded_parameters().encode(), content_type=FORM)
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in files.items():
        filename, content, mimetype = part
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
