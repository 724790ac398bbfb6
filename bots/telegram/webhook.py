"""The webhook server: python-telegram-bot's own (tornado), refusing a request before reading its body.

PTB's handler reads the whole body, then checks the secret: anyone who finds the URL can make the
process hold ~100 MB per request (tornado's default limit). Here the handler streams the body
(``tornado.web.stream_request_body``), so ``prepare`` runs on the headers alone: a request without
the right ``X-Telegram-Bot-Api-Secret-Token`` gets 403 and one announcing more than ``max_body``
bytes 413, and the connection is closed without the body being read. A body without a
Content-Length (chunked) is cut off at ``max_body``. Telegram's updates are a few kilobytes.

Everything after that is PTB's: its ``TelegramHandler.post`` reads the update and queues it for
the ``Application``, and its ``WebhookServer`` serves the requests. (PTB keeps these classes in a
private module and lets ``Updater.start_webhook`` build them with its handler: so this module
builds the server itself and registers the webhook with ``set_webhook``, as the updater does.)
"""
from __future__ import annotations

import asyncio
import hmac
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Bot
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookServer

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000  # bytes; Telegram's updates are far smaller


@tornado.web.stream_request_body
class GuardedTelegramHandler(TelegramHandler):
    """PTB's handler, with the secret and the size checked on the headers, before any body byte."""

    def initialize(self, bot: Bot, update_queue: asyncio.Queue, secret_token: str,  # type: ignore[override]
                   max_body: int = MAX_BODY) -> None:
        super().initialize(bot, update_queue, secret_token)
        self.max_body = max_body
        self.chunks: list[bytes] = []
        self.received = 0

    def prepare(self) -> None:
        """Headers only: refuse here, and tornado closes the connection without reading the body."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not self.secret_token or not hmac.compare_digest(given.encode(), self.secret_token.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.strip().isdigit() or int(length) > self.max_body):
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.request.connection.set_max_body_size(self.max_body)  # type: ignore[union-attr]  # chunked bodies

    def data_received(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self.max_body:  # tornado's limit stops it first; never keep more anyway
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.chunks.append(chunk)

    async def post(self) -> None:
        self.request.body = b"".join(self.chunks)
        await super().post()


class GuardedWebhookApp(tornado.web.Application):
    """The tornado application of PTB's webhook server, with the guarded handler on the webhook path."""

    def __init__(self, path: str, bot: Bot, update_queue: asyncio.Queue, secret_token: str,
                 max_body: int = MAX_BODY) -> None:
        shared: dict[str, Any] = {"bot": bot, "update_queue": update_queue, "secret_token": secret_token,
                                  "max_body": max_body}
        super().__init__([(rf"/{path.strip('/')}/?", GuardedTelegramHandler, shared)])

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: our logging setup reports what matters."""


def build_server(listen: str, port: int, path: str, bot: Bot, update_queue: asyncio.Queue, secret_token: str,
                 max_body: int = MAX_BODY) -> WebhookServer:
    """PTB's webhook server (TLS is the reverse proxy's job) serving the guarded handler."""
    return WebhookServer(listen, port, GuardedWebhookApp(path, bot, update_queue, secret_token, max_body), None)
