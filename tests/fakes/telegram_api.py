"""A small fake of the Telegram Bot API (aiohttp, 127.0.0.1), for running the real python-telegram-bot.

Requests arrive at ``{base_url}{token}/{method}``, form-encoded, multipart (files) or JSON.
Every call is recorded in ``calls``; updates pushed by a test are served by ``getUpdates``
(long polling); errors are injected with ``fail``. ``enforce_limits`` makes sendMessage keep
Telegram's published limits as strictly as documented (overall, per chat, per group; 429 with
``retry_after`` when exceeded, refused requests counted, longer penalties for repeated floods:
see ``TelegramLimits``) and ``block`` answers 403 "bot was blocked by the user" for a chat, as
Telegram does. Tests that do not call ``enforce_limits`` get no limits at all.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.limits import Bucket, Window
from tests.fakes.server import LocalServer

JSON_PARAMS = {"reply_markup", "commands", "scope", "allowed_updates", "link_preview_options", "entities"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    result: Any = None  # what the fake answered (the sent Message for sendMessage)
    at: float = field(default_factory=time.monotonic)  # when it arrived

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Every inline button of the call's keyboard, row after row."""
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass
class Failure:
    method: str
    status: int
    description: str
    retry_after: int | None = None
    chat_id: str | None = None
    times: int = 1


@dataclass
class TelegramLimits:
    """Telegram's broadcasting limits as documented (https://core.telegram.org/bots/faq): about 30
    messages a second overall, no more than one a second in one chat (private or group), 20 a minute
    in one group. ``scale`` runs the clock that many times faster (scale 10: 300/s overall, one
    message per 0.1 s per chat, 20 per 6 s per group; bursts keep their size).

    The platform's penalties come with them: a refused request still counts against the limits
    (``count_refused``); after a 429 the scope that was exceeded (the bot, the chat or the group)
    is closed for the ``retry_after`` it announced, requests meanwhile being refused again; each new
    flood within ``quiet`` seconds after the previous penalty doubles ``retry_after``, up to
    ``penalty_cap`` seconds. ``retry_after`` is whole seconds, at least 1, like Telegram's; scaled,
    whole seconds divided by ``scale`` (0.1 s at scale 10), as are ``quiet`` and ``penalty_cap``.
    ``jitter`` (real seconds, not scaled: the network's) is how early a request may arrive for its
    turn; the one-second burst of 30 is not scaled either (the clock runs faster, bursts keep their
    size). Telegram tolerates short bursts in one chat; this fake does not (``chat_burst`` 1)."""

    per_second: float = 30.0
    burst: float = 30.0  # requests the overall bucket saves up (one second's worth)
    chat_per_second: float = 1.0
    chat_burst: float = 1.0
    group_per_minute: int = 20
    jitter: float = 0.05
    count_refused: bool = True
    penalty_cap: float = 32.0
    quiet: float = 60.0
    scale: float = 1.0


@dataclass
class _Scope:
    """One limit's flood state: closed until ``closed_until``; ``strikes`` repeated floods."""

    closed_until: float = float("-inf")
    strikes: int = 0


class FakeBotAPI(LocalServer):
    def __init__(self, token: str = "123456:TEST-token", username: str = "alumni_test_bot", bot_id: int = 123456) -> None:
        self.token = token
        self.bot = {"id": bot_id, "is_bot": True, "first_name": "Alumni", "username": username,
                    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.chat_members: dict[tuple[str, str], dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Event()
        self._changed = asyncio.Condition()
        self._chats: dict[str, dict[str, Any]] = {}
        self._closing = False
        self.blocked: set[str] = set()
        self.limits: TelegramLimits | None = None
        self.too_many: list[Call] = []  # sendMessage calls answered 429 by the limits
        self.refused_by: list[str] = []  # which limit each 429 was for
        self._overall: Bucket | None = None
        self._chat_limits: dict[str, tuple[Bucket, Window | None]] = {}
        self._scopes: dict[str, _Scope] = {}  # "overall" or a chat id
        self.clock: Callable[[], float] = time.monotonic  # what the limits count time with
        self.delay = 0.0  # seconds each sendMessage takes (a slow network)
        self._gate = asyncio.Event()
        self._gate.set()
        self.held = 0  # sendMessage requests waiting at a closed gate
        self._hold_after: tuple[int, Callable[[Call], bool]] | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    async def closing(self) -> None:
        self._closing = True
        self._new_update.set()

    async def closing_connections(self) -> None:
        """An outage closes the port only: a long poll already held finishes as usual."""


    # ------------------------------------------------------------ test helpers

    def user(self, user_id: int = 1001, first_name: str = "Amel", language_code: str | None = "fr", **extra: Any) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": first_name, **extra}
        if language_code:
            user["language_code"] = language_code
        return user

    def chat(self, chat_id: int, kind: str = "private", title: str | None = None) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if title:
            chat["title"] = title
        self._chats[str(chat_id)] = chat
        return chat

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._new_update.set()
        return update

    def push_message(self, text: str, user: dict[str, Any] | None = None, chat: dict[str, Any] | None = None,
                     reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        user = user or self.user()
        chat = chat or self.chat(user["id"])
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                                   "chat": chat, "from": user, "text": text}
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0].split("\n", 1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return self.push_update({"message": message})

    def push_callback(self, data: str, message: dict[str, Any], user: dict[str, Any] | None = None) -> dict[str, Any]:
        user = user or self.user()
        query = {"id": f"cb{next(self._message_ids)}", "from": user, "chat_instance": "ci",
                 "message": message, "data": data}
        return self.push_update({"callback_query": query})

    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None,
             chat_id: str | int | None = None, times: int = 1) -> None:
        self.failures.append(Failure(method, status, description, retry_after,
                                     None if chat_id is None else str(chat_id), times))

    def block(self, chat_id: int | str) -> None:
        """From now on sendMessage to this chat answers 403, as when the person blocked the bot."""
        self.blocked.add(str(chat_id))

    def enforce_limits(self, limits: TelegramLimits | None = None) -> TelegramLimits:
        """Answer 429 (with retry_after, whole seconds like Telegram) to sends over the limits."""
        self.limits = limits or TelegramLimits()
        rate = self.limits.per_second * self.limits.scale
        self._overall = Bucket(rate, self.limits.burst, self.limits.jitter * rate, self.clock())
        self._chat_limits = {}
        self._scopes = {}
        return self.limits

    def _limits_of(self, chat_id: str) -> tuple[Bucket, Window | None]:
        found = self._chat_limits.get(chat_id)
        if found is None:
            limits = self.limits
            assert limits is not None
            rate = limits.chat_per_second * limits.scale
            group = Window(limits.group_per_minute, 60.0 / limits.scale, limits.jitter) \
                if chat_id.startswith("-") else None
            found = self._chat_limits[chat_id] = (Bucket(rate, limits.chat_burst, limits.jitter * rate, self.clock()), group)
        return found

    def _over_limit(self, chat_id: str) -> float:
        """0 if a message to ``chat_id`` may go now (counted), else the retry_after to answer."""
        limits = self.limits
        if limits is None or self._overall is None:
            return 0
        now = self.clock()
        chat, group = self._limits_of(chat_id)
        for name in ("overall", chat_id):
            scope = self._scopes.get(name)
            if scope is not None and now < scope.closed_until:
                return self._refuse(name, chat, group, now, "closed " + ("overall" if name == "overall" else "chat"))
        waits = self._waits(chat, group, now)
        exceeded = max(waits, key=lambda name: waits[name])
        if waits[exceeded] <= 0:
            self._count(chat, group, now)
            return 0
        return self._refuse("overall" if exceeded == "overall" else chat_id, chat, group, now, exceeded)

    def _waits(self, chat: Bucket, group: Window | None, now: float) -> dict[str, float]:
        assert self._overall is not None
        return {"overall": self._overall.wait(now), "chat": chat.wait(now),
                "group": group.wait(now) if group is not None else 0.0}

    def _count(self, chat: Bucket, group: Window | None, now: float) -> None:
        assert self._overall is not None
        self._overall.take()
        chat.take()
        if group is not None:
            group.take(now)

    def _refuse(self, name: str, chat: Bucket, group: Window | None, now: float, why: str) -> float:
        """A 429 for scope ``name`` (the bot, or one chat): the request counted all the same
        (``count_refused``), the scope closed for the retry_after announced (whole platform
        seconds: seconds / scale), longer for a flood repeated within the quiet period after the
        previous penalty."""
        limits = self.limits
        assert limits is not None
        self.refused_by.append(why)
        if limits.count_refused:
            self._count(chat, group, now)
        scope = self._scopes.setdefault(name, _Scope())
        if now < scope.closed_until:  # sent while closed: told what is left, the closure unchanged
            seconds = max(1, math.ceil((scope.closed_until - now) * limits.scale - 1e-9))
        else:  # a new flood: closed until the limit has room again, longer if floods repeat
            waits = self._waits(chat, group, now)
            wait = waits["overall"] if name == "overall" else max(waits["chat"], waits["group"])
            seconds = max(1, math.ceil(wait * limits.scale - 1e-9))  # in platform seconds
            scope.strikes = scope.strikes + 1 if now - scope.closed_until < limits.quiet / limits.scale else 0
            seconds = max(seconds, min(math.floor(limits.penalty_cap), seconds * 2 ** scope.strikes))
            scope.closed_until = now + seconds / limits.scale
        return seconds if limits.scale == 1 else seconds / limits.scale

    def hold(self) -> None:
        """Stop answering sendMessage: requests wait, unprocessed, until ``open_gate``.

        A request whose client went away meanwhile (a killed process) is dropped unprocessed."""
        self._gate.clear()

    def hold_after(self, count: int, matching: Callable[[Call], bool] = lambda call: True) -> None:
        """Close the gate (see ``hold``) the moment ``count`` accepted messages match: decided
        inside the server, so however fast the bot sends, exactly ``count`` get through."""
        self._hold_after = (count, matching)

    def open_gate(self) -> None:
        self._hold_after = None
        self._gate.set()

    def messages(self) -> list[Call]:
        """sendMessage calls Telegram accepted (what people received), in order."""
        return [c for c in self.calls if c.method == "sendMessage" and c.result is not None]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | str | None = None) -> list[Call]:
        """sendMessage/editMessageText calls (optionally to one chat), in order."""
        return [c for c in self.calls if c.method in ("sendMessage", "editMessageText")
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        async def waiting() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)
        await asyncio.wait_for(waiting(), timeout)

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        await self.wait_for(lambda: len(self.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    def pending_updates(self) -> int:
        return len(self._updates)

    # ------------------------------------------------------------ the API

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            body = await request.text()
            if body:
                params.update(json.loads(body))
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                    params[key] = f"attach://{value.filename}"
                    params.setdefault("_filenames", {})[key] = value.filename
                else:
                    params[key] = value
        for key in JSON_PARAMS:
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params, files

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _failure_for(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and (failure.chat_id is None or failure.chat_id == str(params.get("chat_id"))):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params, files = await self._params(request)
        call = Call(method, params, files)
        failure = self._failure_for(method, params)
        if failure is not None:
            await self._record(call)
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        if method == "sendMessage" and not self._gate.is_set():
            self.held += 1
            try:
                await self._gate.wait()
            finally:
                self.held -= 1
            if request.transport is None or request.transport.is_closing():
                return web.json_response({"ok": False, "error_code": 499, "description": "client gone"}, status=499)
        if method == "sendMessage":
            chat_id = str(params.get("chat_id"))
            if chat_id in self.blocked:
                await self._record(call)
                forbidden = "Forbidden: bot was blocked by the user" if not chat_id.startswith("-") \
                    else "Forbidden: bot was kicked from the supergroup chat"
                return web.json_response({"ok": False, "error_code": 403, "description": forbidden}, status=403)
            seconds = self._over_limit(chat_id)
            if seconds:
                await self._record(call)
                self.too_many.append(call)
                return web.json_response({"ok": False, "error_code": 429,
                                          "description": f"Too Many Requests: retry after {seconds}",
                                          "parameters": {"retry_after": seconds}}, status=429)
            if self.delay:
                await asyncio.sleep(self.delay)
        handler = getattr(self, "api_" + method, None)
        if handler is None:
            await self._record(call)
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                                     status=404)
        try:
            result = await handler(params, files)
        except LookupError as error:
            await self._record(call)
            return web.json_response({"ok": False, "error_code": 400, "description": f"Bad Request: {error}"},
                                     status=400)
        call.result = result
        if method != "getUpdates":
            await self._record(call)
        if method == "sendMessage" and self._hold_after is not None:
            count, matching = self._hold_after
            if sum(1 for c in self.messages() if matching(c)) >= count:
                self._gate.clear()
        return web.json_response({"ok": True, "result": result})

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = str(params["chat_id"])
        chat = self._chats.get(chat_id) or {"id": int(chat_id), "type": "private" if int(chat_id) > 0 else "supergroup"}
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                   "from": self.bot, **content}
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.bot

    async def api_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if self._updates:
                limit = int(params.get("limit") or 100)
                return self._updates[:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or self._closing:
                return []
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except asyncio.TimeoutError:
                return []

    async def api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if not str(params.get("text", "")).strip():
            raise LookupError("message text is empty")
        return self._message(params, text=params["text"])

    async def api_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._message(params, text=params["text"])
        message["message_id"] = int(params["message_id"])
        message["edit_date"] = int(time.time())
        return message

    async def api_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        name = params.get("_filenames", {}).get("document", "file")
        return self._message(params, document={"file_id": "f1", "file_unique_id": "u1", "file_name": name})

    async def api_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def api_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def api_setMyDescription(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if len(params.get("description") or "") > 512:
            raise LookupError("description is too long")
        return True

    async def api_setMyShortDescription(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if len(params.get("short_description") or "") > 120:
            raise LookupError("short description is too long")
        return True

    async def api_deleteMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def api_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def api_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def api_createChatInviteLink(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        link = {"invite_link": f"https://t.me/+fake{next(self._message_ids)}", "creator": self.bot,
                "creates_join_request": False, "is_primary": False, "is_revoked": False}
        if params.get("member_limit"):
            link["member_limit"] = int(params["member_limit"])
        return link

    async def api_getChatMember(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        key = (str(params["chat_id"]), str(params["user_id"]))
        if key in self.chat_members:
            return self.chat_members[key]
        return {"status": "member", "user": self.user(int(params["user_id"]))}

    async def api_banChatMember(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def api_unbanChatMember(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    # ------------------------------------------------------------ chat-member fixtures

    def set_admin(self, chat_id: int, user_id: int, *, can_invite_users: bool = True, is_bot: bool = False) -> None:
        rights = {k: False for k in ("can_be_edited", "is_anonymous", "can_delete_messages", "can_manage_video_chats",
                                     "can_restrict_members", "can_promote_members", "can_change_info",
                                     "can_post_stories", "can_edit_stories", "can_delete_stories")}
        user = dict(self.bot) if is_bot else self.user(user_id)
        self.chat_members[(str(chat_id), str(user_id))] = {
            "status": "administrator", "user": user, "can_manage_chat": True,
            "can_invite_users": can_invite_users, **rights}


# ---------------------------------------------------------------- a stand-alone server (bench/)

async def _serve(scale: float) -> None:
    """Run the fake in its own process (its CPU apart from the client's); ``GET /_stats`` reports."""
    fake = FakeBotAPI()
    fake.enforce_limits(TelegramLimits(scale=scale))
    stamps: list[float] = []
    original = fake.api_sendMessage

    async def stamped(params: dict[str, Any], files: dict[str, bytes]) -> Any:
        stamps.append(time.monotonic())
        return await original(params, files)

    fake.api_sendMessage = stamped  # type: ignore[method-assign]

    async def stats(request: web.Request) -> web.Response:
        accepted = fake.messages()
        return web.json_response({
            "accepted": len(accepted),
            "too_many": len(fake.too_many),
            "texts": [str(c.params.get("text")) for c in accepted],
            "messages": [[str(c.params.get("chat_id")), str(c.params.get("text"))] for c in accepted],
            "refused_by": fake.refused_by,
            "first": stamps[0] if stamps else None,
            "last": stamps[-1] if stamps else None,
        })

    await fake.start()
    assert fake._runner is not None
    stats_app = web.Application()
    stats_app.router.add_get("/_stats", stats)
    stats_runner = web.AppRunner(stats_app, handle_signals=False, access_log=None)
    await stats_runner.setup()
    site = web.TCPSite(stats_runner, "127.0.0.1", 0)
    await site.start()
    stats_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"{fake.port} {stats_port} {fake.token}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await stats_runner.cleanup()
        await fake.stop()


if __name__ == "__main__":
    import sys

    try:
        asyncio.run(_serve(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0))
    except KeyboardInterrupt:
        pass
