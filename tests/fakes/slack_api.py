"""A small fake of the Slack Web API (aiohttp, 127.0.0.1), and a signed-request sender for the app.

``FakeSlack`` serves ``{base_url}{method}`` (``base_url`` ends in ``/api/``), reading
parameters from the query string, a form or a JSON body, with the bot token checked on
every call. It also serves ``response_url`` endpoints and file upload URLs. Every call is
recorded in ``calls``; errors (429 with ``Retry-After``, ``channel_not_found``...) are
injected with ``fail``. ``enforce_limits`` keeps Slack's rate limit on ``chat.postMessage``
(``SlackLimits``: about one message a second per channel), answering 429 as Slack does.

``SlackSender`` plays Slack towards the app under test: it posts slash commands,
``block_actions`` and Events API payloads to the app's HTTP endpoint, signed with the
signing secret (or forged / stale on demand), as Slack does.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from tests.fakes.limits import Bucket
from tests.fakes.server import LocalServer

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
SIGNING_SECRET = "8f742231b10e8888abcd99000111a5a5"  # 32 hexadecimal characters, like a real one
BOT_USER = "UBOT"
TEAM = "T0001"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        view = self.params.get("view")
        if view and not blocks:
            if isinstance(view, str):
                view = json.loads(view)
            blocks = view.get("blocks", [])
        return blocks

    def elements(self) -> list[dict[str, Any]]:
        """Every interactive element (buttons, selects) of the call's blocks and accessories."""
        found = []
        for block in self.blocks:
            found.extend(block.get("elements", []) if block.get("type") == "actions" else [])
            if block.get("accessory"):
                found.append(block["accessory"])
        return found

    def values(self) -> list[str]:
        """The action payloads a person can choose: button values and select options."""
        values = []
        for element in self.elements():
            if "value" in element:
                values.append(element["value"])
            for option in element.get("options", []):
                values.append(option["value"])
        return values

    def element_with(self, value: str) -> dict[str, Any]:
        for element in self.elements():
            if element.get("value") == value or any(o["value"] == value for o in element.get("options", [])):
                return element
        raise AssertionError(f"no element with value {value!r} in {self.values()}")

    def _texts(self, kind: str) -> list[str]:
        found = []
        for block in self.blocks:
            for obj in [block.get("text"), *(block.get("fields") or []), *(block.get("elements") or [])]:
                if isinstance(obj, dict):
                    inner = obj.get("text")
                    if isinstance(inner, dict):  # a button: its label object
                        obj, inner = inner, inner.get("text")
                    if obj.get("type") == kind:
                        found.append(str(inner or ""))
        return found

    def mrkdwn(self) -> str:
        """What Slack parses: the top-level text and every mrkdwn object of the blocks."""
        return "\n".join([str(self.params.get("text") or ""), *self._texts("mrkdwn")])

    def plain(self) -> str:
        """What Slack shows as typed (headers, buttons, options): plain_text objects."""
        return "\n".join(self._texts("plain_text"))


@dataclass
class Failure:
    method: str
    status: int = 200
    error: str = "internal_error"
    retry_after: int | None = None
    times: int = 1
    match: dict[str, str] = field(default_factory=dict)


@dataclass
class SlackLimits:
    """Slack's limit on ``chat.postMessage`` (https://api.slack.com/methods/chat.postMessage, "special"
    tier): one message a second per channel, short bursts tolerated; over it, HTTP 429 with
    ``"error": "ratelimited"`` and a ``Retry-After`` header in whole seconds (at least 1, also
    when scaled: slack_sdk reads it as an integer). ``scale`` runs the clock faster; ``jitter``
    (real seconds) is how early a message may arrive for its turn."""

    chat_per_second: float = 1.0
    burst: float = 1.0
    jitter: float = 0.05
    scale: float = 1.0


class FakeSlack(LocalServer):
    def __init__(self, token: str = BOT_TOKEN, app_token: str = APP_TOKEN) -> None:
        self.token = token
        self.app_token = app_token
        self.sockets: list[web.WebSocketResponse] = []
        self.delays: dict[str, float] = {}  # method -> seconds to wait before answering (a slow Slack)
        self.acks: dict[str, dict[str, Any]] = {}  # envelope_id -> the app's acknowledgement
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}  # id -> {"is_member": bool, "members": [...]}
        self._ts = itertools.count(1)
        self._responses = itertools.count(1)
        self._files = itertools.count(1)
        self.uploads: dict[str, bytes] = {}
        self._changed = asyncio.Condition()
        self.limits: SlackLimits | None = None
        self.too_many: list[Call] = []  # chat.postMessage calls answered 429 by the limits
        self.clock: Callable[[], float] = time.monotonic
        self._channel_buckets: dict[str, Bucket] = {}

    # ------------------------------------------------------------ lifecycle

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/api/"

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_post("/upload/{id}", self._upload)
        app.router.add_get("/socket", self._socket)

    async def closing(self) -> None:
        for socket in list(self.sockets):
            await socket.close()


    # ------------------------------------------------------------ test helpers

    def user(self, user_id: str = "U1001", name: str = "Amel", locale: str | None = "fr-FR",
             tz: str | None = "Africa/Tunis", *, admin: bool = False) -> dict[str, Any]:
        user = {"id": user_id, "team_id": TEAM, "name": name.lower(), "real_name": name, "is_admin": admin,
                "is_owner": False, "is_bot": False, "profile": {"display_name": name, "real_name": name}}
        if locale:
            user["locale"] = locale
        if tz:
            user["tz"] = tz
        self.users[user_id] = user
        return user

    def channel(self, channel_id: str, *, app_is_member: bool = True) -> dict[str, Any]:
        channel = {"id": channel_id, "name": channel_id.lower(), "is_member": app_is_member, "members": []}
        self.channels[channel_id] = channel
        return channel

    def response_url(self) -> str:
        return f"{self.root}/respond/{next(self._responses)}"

    def fail(self, method: str, error: str = "internal_error", *, status: int = 200, retry_after: int | None = None,
             times: int = 1, **match: str) -> None:
        self.failures.append(Failure(method, status, error, retry_after, times, match))

    def enforce_limits(self, limits: SlackLimits | None = None) -> SlackLimits:
        """From now on, chat.postMessage over one a second in a channel is answered 429."""
        self.limits = limits or SlackLimits()
        self._channel_buckets = {}
        return self.limits

    def _over_limit(self, method: str, params: dict[str, Any]) -> int:
        """0 if the call may go (counted), else the Retry-After to answer (whole seconds)."""
        if self.limits is None or method != "chat.postMessage":
            return 0
        now = self.clock()
        channel = str(params.get("channel"))
        bucket = self._channel_buckets.get(channel)
        if bucket is None:
            rate = self.limits.chat_per_second * self.limits.scale
            bucket = self._channel_buckets[channel] = Bucket(rate, self.limits.burst, self.limits.jitter * rate, now)
        wait = bucket.wait(now)
        if wait > 0:
            return max(1, math.ceil(wait))
        bucket.take()
        return 0

    def calls_to(self, *methods: str) -> list[Call]:
        return [c for c in self.calls if c.method in methods]

    def sent(self) -> list[Call]:
        """Everything that showed a message to someone."""
        return self.calls_to("chat.postMessage", "chat.postEphemeral", "chat.update", "respond")

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async def waiter() -> None:
            async with self._changed:
                await self._changed.wait_for(condition)

        await asyncio.wait_for(waiter(), timeout)

    async def settle(self, quiet: float = 0.15, timeout: float = 10.0) -> None:
        """Wait until no call arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count = len(self.calls)
            await asyncio.sleep(quiet)
            if len(self.calls) == count:
                return

    # ------------------------------------------------------------ the server

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    def _failure_for(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and failure.times > 0 and all(str(params.get(k)) == v for k, v in failure.match.items()):
                failure.times -= 1
                return failure
        return None

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        call = Call(method, params)
        token = self.app_token if method == "apps.connections.open" else self.token
        if request.headers.get("Authorization") != f"Bearer {token}" and params.get("token") != token:
            call.result = {"ok": False, "error": "invalid_auth"}
            await self._record(call)
            return web.json_response(call.result)
        failure = self._failure_for(method, params)
        if failure is not None:
            call.result = {"ok": False, "error": failure.error}
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            await self._record(call)
            if failure.status >= 500:
                return web.Response(status=failure.status, text="upstream trouble", headers=headers)
            return web.json_response(call.result, status=failure.status, headers=headers)
        retry_after = self._over_limit(method, params)
        if retry_after:
            call.result = {"ok": False, "error": "ratelimited"}
            self.too_many.append(call)
            await self._record(call)
            return web.json_response(call.result, status=429, headers={"Retry-After": str(retry_after)})
        call.result = self._answer(method, params)
        await self._record(call)
        return web.json_response(call.result)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return {**ok, "url": "https://alumni.slack.com/", "team": "Alumni", "user": "alumni", "team_id": TEAM,
                    "user_id": BOT_USER, "bot_id": "BBOT"}
        if method == "apps.connections.open":
            return {**ok, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "chat.postMessage":
            ts = f"{time.time():.0f}.{next(self._ts):06d}"
            return {**ok, "channel": params.get("channel"), "ts": ts, "message": {"ts": ts, "text": params.get("text")}}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": f"{time.time():.0f}.{next(self._ts):06d}"}
        if method == "chat.update":
            return {**ok, "channel": params.get("channel"), "ts": params.get("ts")}
        if method in ("views.publish", "views.open", "views.update"):
            return {**ok, "view": {"id": "V1", "type": "home"}}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            return {**ok, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "conversations.open":
            return {**ok, "channel": {"id": "D" + str(params.get("users", "")).lstrip("U")}}
        if method == "conversations.info":
            channel = self.channels.get(str(params.get("channel")))
            if channel is None or not channel["is_member"] and channel["id"].startswith("G"):
                return {"ok": False, "error": "channel_not_found"}
            return {**ok, "channel": {k: v for k, v in channel.items() if k != "members"}}
        if method == "conversations.members":
            channel = self.channels.get(str(params.get("channel")))
            return {**ok, "members": list(channel["members"]) if channel else []}
        if method == "conversations.invite":
            channel = self.channels.get(str(params.get("channel")))
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            if not channel["is_member"]:
                return {"ok": False, "error": "not_in_channel"}
            users = str(params.get("users", "")).split(",")
            if all(u in channel["members"] for u in users):
                return {"ok": False, "error": "already_in_channel"}
            channel["members"].extend(u for u in users if u not in channel["members"])
            return {**ok, "channel": {"id": channel["id"]}}
        if method == "conversations.kick":
            channel = self.channels.get(str(params.get("channel")))
            user = str(params.get("user"))
            if channel is None or user not in channel["members"]:
                return {"ok": False, "error": "not_in_channel"}
            channel["members"].remove(user)
            return ok
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._files):04d}"
            return {**ok, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {**ok, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
        return {"ok": False, "error": "unknown_method"}

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then read the app's acknowledgements of the envelopes we push."""
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        try:
            async for message in socket:
                if message.type == aiohttp.WSMsgType.TEXT:
                    ack = json.loads(message.data)
                    self.acks[str(ack.get("envelope_id"))] = ack
                    await self._record(Call("socket.ack", ack))
        finally:
            self.sockets.remove(socket)
        return socket

    async def push_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Send one Socket Mode envelope ("slash_commands", "interactive", "events_api") to the app."""
        await self.wait_for(lambda: bool(self.sockets))
        envelope_id = f"env-{next(self._responses)}"
        await self.sockets[-1].send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                          "accepts_response_payload": kind != "events_api", "retry_attempt": 0,
                                          "retry_reason": ""})
        return envelope_id

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._record(Call("respond", body, {"url": str(request.url)}))
        return web.Response(text="ok", content_type="text/plain")

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        self.uploads[request.match_info["id"]] = data
        await self._record(Call("upload", {"file_id": request.match_info["id"], "size": len(data)}))
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")


# ---------------------------------------------------------------- Slack -> the app


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackSender:
    """Posts signed Slack requests to the app's endpoint, as Slack does."""

    def __init__(self, url: str, slack: FakeSlack, secret: str = SIGNING_SECRET) -> None:
        self.url = url
        self.slack = slack
        self.secret = secret

    async def post(self, body: bytes, content_type: str, *, forge: bool = False, age: int = 0) -> aiohttp.ClientResponse:
        timestamp = str(int(time.time()) - age)
        secret = "0" * 32 if forge else self.secret
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature(secret, timestamp, body),
        }
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url, data=body, headers=headers) as response:
                await response.read()
                return response

    async def command(self, text: str, user: str = "U1001", channel: str = "D1001", **options: Any) -> aiohttp.ClientResponse:
        form = self.command_form(text, user, channel)
        return await self.post(urlencode(form).encode(), "application/x-www-form-urlencoded", **options)

    async def press(self, value: str, call: Call, user: str = "U1001", channel: str | None = None,
                    **options: Any) -> aiohttp.ClientResponse:
        """Press the button (or choose the option) with ``value`` on the message that ``call`` showed."""
        element = call.element_with(value)
        channel = channel or str(call.params.get("channel") or "D1001")
        action: dict[str, Any] = {"action_id": element["action_id"], "block_id": "b", "type": element["type"],
                                  "action_ts": str(time.time())}
        if element["type"] == "static_select":
            action["selected_option"] = next(o for o in element["options"] if o["value"] == value)
        else:
            action["value"] = value
        ts = (call.result or {}).get("ts") or "1.000001"
        payload = {
            "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user}, "api_app_id": "A1",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel,
                          "is_ephemeral": call.params.get("response_type") == "ephemeral"},
            "channel": {"id": channel}, "message": {"ts": ts, "text": ""},
            "response_url": self.slack.response_url(), "trigger_id": "1.2.3", "actions": [action],
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}).encode(),
                               "application/x-www-form-urlencoded", **options)

    async def press_home(self, value: str, view_call: Call, user: str = "U1001") -> aiohttp.ClientResponse:
        element = view_call.element_with(value)
        payload = {
            "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user}, "api_app_id": "A1",
            "container": {"type": "view", "view_id": "V1"}, "view": {"id": "V1", "type": "home"},
            "trigger_id": "1.2.3",
            "actions": [{"action_id": element["action_id"], "type": "button", "value": value, "block_id": "b"}],
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded")

    async def submit_view(self, view: dict[str, Any], values: dict[str, str], user: str = "U1001",
                          **options: Any) -> dict[str, Any]:
        """Submit the modal ``view`` (as the app opened it) with {block_id: typed text or chosen value};
        returns the app's acknowledgement body ({} for a plain ack)."""
        state: dict[str, Any] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            typed = values.get(block["block_id"])
            if element["type"] == "static_select":
                option = next((o for o in element["options"] if o["value"] == typed), None)
                option = option or element.get("initial_option")
                state[block["block_id"]] = {element["action_id"]: {"type": "static_select", "selected_option": option}}
            else:
                value = typed if typed is not None else element.get("initial_value")
                state[block["block_id"]] = {element["action_id"]: {"type": "plain_text_input", "value": value}}
        payload = {
            "type": "view_submission", "team": {"id": TEAM}, "user": {"id": user}, "api_app_id": "A1",
            "trigger_id": "1.2.4",
            "view": {**view, "id": "V9", "state": {"values": state}, "hash": "h"},
        }
        response = await self.post(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded",
                                   **options)
        if response.status != 200:
            return {"status": response.status}
        body = response._body or b""  # read (and kept) by post
        return json.loads(body) if body.strip() else {}

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        return {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                "event_id": event_id or f"Ev{time.time_ns()}", "event_time": int(time.time()), "event": event}

    def command_form(self, text: str, user: str = "U1001", channel: str = "D1001") -> dict[str, str]:
        return {
            "token": "legacy", "team_id": TEAM, "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else channel.lower(),
            "user_id": user, "user_name": user.lower(), "command": "/alumni", "text": text,
            "response_url": self.slack.response_url(), "trigger_id": "1.2.3", "api_app_id": "A1",
        }

    async def event(self, event: dict[str, Any], event_id: str | None = None, **options: Any) -> aiohttp.ClientResponse:
        body = self.event_body(event, event_id)
        return await self.post(json.dumps(body).encode(), "application/json", **options)

    async def dm(self, text: str, user: str = "U1001", event_id: str | None = None) -> aiohttp.ClientResponse:
        return await self.event({"type": "message", "channel_type": "im", "channel": "D" + user.lstrip("U"),
                                 "user": user, "text": text, "ts": f"{time.time():.6f}"}, event_id)

    async def mention(self, text: str, user: str = "U1001", channel: str = "C0100") -> aiohttp.ClientResponse:
        return await self.event({"type": "app_mention", "channel": channel, "user": user,
                                 "text": f"<@{BOT_USER}> {text}", "ts": f"{time.time():.6f}"})

    async def home_opened(self, user: str = "U1001") -> aiohttp.ClientResponse:
        return await self.event({"type": "app_home_opened", "user": user, "channel": "D" + user.lstrip("U"),
                                 "tab": "home"})
