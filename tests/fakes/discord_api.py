"""A small fake of Discord (aiohttp, 127.0.0.1) for running the real discord.py client.

Gateway (``/gateway``, websocket): HELLO, IDENTIFY (a wrong token closes with 4004),
READY, GUILD_CREATE, heartbeats and their ACKs, RESUME; tests push INTERACTION_CREATE and
MESSAGE_CREATE with ``dispatch``. REST under ``/api/v10``: login, application, command sync,
interaction callbacks and webhooks (follow-ups, edits), DMs, channel messages, role changes,
guild scheduled events (create, edit, delete, list; at most 100 per server).
Every answer carries ``Content-Type: application/json`` exactly (discord.py decodes nothing
else); a 429 carries a ``Via`` header and a JSON ``retry_after``. Every REST call is recorded in
``calls``; failures are injected with ``fail``. ``enforce_limits`` keeps Discord's rate limits
(``DiscordLimits``: 50 requests a second overall, per-route buckets announced in X-RateLimit-*
headers), answering 429 as Discord does when they are exceeded.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.limits import Bucket, FixedWindow
from tests.fakes.server import LocalServer

API = "/api/v10"
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
MANAGE_ROLES = 1 << 28
SEND_MESSAGES = 1 << 11
VIEW_CHANNEL = 1 << 10
MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44
MAX_SCHEDULED_EVENTS = 100  # per server


@dataclass
class Call:
    method: str
    path: str
    json: Any = None
    files: dict[str, bytes] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any]:
        """The message-like payload: an interaction callback's ``data`` or the body itself."""
        body = self.json or {}
        if "type" in body and "data" in body and self.path.endswith("/callback"):
            return body.get("data") or {}
        return body

    def components(self) -> list[dict[str, Any]]:
        found = []
        for row in self.data.get("components") or []:
            found.extend(row.get("components", []))
        return found

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in self.components() if "custom_id" in c]

    def text(self) -> str:
        data = self.data
        parts = [data.get("content") or ""]
        for embed in data.get("embeds") or []:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
        return "\n".join(p for p in parts if p)


@dataclass
class Failure:
    method: str
    path: str  # a regex searched in the path
    status: int
    body: dict[str, Any]
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class DiscordLimits:
    """Discord's rate limits (https://discord.com/developers/docs/topics/rate-limits): 50 requests a
    second for the bot overall (interaction callbacks and webhooks excepted), and per-route
    buckets, keyed by route and major parameter (channel, guild, webhook), announced with every
    answer (X-RateLimit-Limit, -Remaining, -Reset, -Reset-After, -Bucket). Discord does not
    publish each route's size; this fake gives every route 5 per 5 s, what a channel's messages
    get. A 429 carries ``retry_after`` (seconds, fractional) and says whether it is global
    (``X-RateLimit-Global``, ``X-RateLimit-Scope``). ``scale`` runs the clock faster."""

    per_second: float = 50.0
    route_limit: int = 5
    route_window: float = 5.0
    scale: float = 1.0


UNLIMITED = ("/interactions/", "/webhooks/")
_MINOR_ID = re.compile(r"(?<!channels/)(?<!guilds/)(?<!webhooks/)\b\d{5,}\b")


class FakeDiscord(LocalServer):
    def __init__(self, token: str = "fake.discord.token", app_id: int = 900000000000000001,
                 guild_id: int = 700000000000000001) -> None:
        self.token = token
        self.app_id = app_id
        self.bot = {"id": str(app_id), "username": "alumni", "discriminator": "0", "global_name": "Alumni",
                    "avatar": None, "bot": True, "flags": 0}
        self.guild_id = guild_id
        self.text_channel_id = guild_id + 10
        self.bot_role_id = guild_id + 20
        self.roles: list[dict[str, Any]] = [
            self._role(guild_id, "@everyone", 0, VIEW_CHANNEL | SEND_MESSAGES),
            self._role(self.bot_role_id, "Alumni bot", 5, MANAGE_ROLES | SEND_MESSAGES | VIEW_CHANNEL, managed=True),
        ]
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.commands: list[dict[str, Any]] = []
        self.member_roles: dict[int, set[int]] = {}  # user id -> role ids (members of the guild)
        self.scheduled_events: dict[str, dict[str, Any]] = {}  # id -> the guild scheduled event
        self.app_permissions = MANAGE_ROLES | CREATE_EVENTS | SEND_MESSAGES | VIEW_CHANNEL
        self.identified = asyncio.Event()
        self.identify_count = 0
        self.resumes = 0  # RESUMEs received (a client reconnecting after a dropped gateway)
        self._links: dict[web.WebSocketResponse, Any] = {}  # each gateway websocket's TCP transport
        self._ids = itertools.count(800000000000000001)
        self._sequence = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()
        self.limits: DiscordLimits | None = None
        self.too_many: list[Call] = []  # requests answered 429 by the limits
        self.refused_by: list[str] = []  # "global" or "route", for each of them
        self.clock: Callable[[], float] = time.monotonic
        self._global: Bucket | None = None
        self._routes: dict[str, FixedWindow] = {}

    # ------------------------------------------------------------ lifecycle

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{path:.*}", self._rest)

    async def closing(self) -> None:
        for ws in list(self._sockets):
            await ws.close()


    def drop_gateway(self) -> None:
        """The network drops every gateway connection (no close frame: the client sees 1006)."""
        for ws in list(self._sockets):
            transport = self._links.pop(ws, None)
            if transport is not None:
                transport.abort()

    # ------------------------------------------------------------ test helpers

    def snowflake(self) -> int:
        return next(self._ids)

    def _role(self, role_id: int, name: str, position: int, permissions: int, managed: bool = False) -> dict[str, Any]:
        role: dict[str, Any] = {"id": str(role_id), "name": name, "color": 0, "hoist": False, "position": position,
                                "permissions": str(permissions), "managed": managed, "mentionable": False, "flags": 0}
        if managed:
            role["tags"] = {"bot_id": str(self.app_id)}
        return role

    def add_role(self, name: str, position: int) -> int:
        role_id = self.snowflake()
        self.roles.append(self._role(role_id, name, position, 0))
        return role_id

    def user(self, user_id: int = 1001, name: str = "amel", global_name: str | None = "Amel") -> dict[str, Any]:
        return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": global_name, "avatar": None}

    def guild(self) -> dict[str, Any]:
        bot_member = {"user": self.bot, "roles": [str(self.bot_role_id)], "joined_at": "2026-01-01T00:00:00+00:00",
                      "deaf": False, "mute": False, "flags": 0}
        return {
            "id": str(self.guild_id), "name": "Alumni Server", "icon": None, "owner_id": "1", "region": "europe",
            "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "roles": self.roles, "emojis": [], "stickers": [], "features": [],
            "mfa_level": 0, "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
            "vanity_url_code": None, "description": None, "banner": None, "premium_tier": 0,
            "preferred_locale": "en-US", "public_updates_channel_id": None, "nsfw_level": 0,
            "premium_progress_bar_enabled": False, "unavailable": False, "member_count": 2, "large": False,
            "joined_at": "2026-01-01T00:00:00+00:00", "members": [bot_member], "voice_states": [], "presences": [],
            "threads": [], "stage_instances": [], "guild_scheduled_events": [],
            "channels": [{"id": str(self.text_channel_id), "type": 0, "name": "tunisia", "position": 0,
                          "permission_overwrites": [], "guild_id": str(self.guild_id), "nsfw": False,
                          "parent_id": None, "topic": None, "last_message_id": None, "rate_limit_per_user": 0}],
        }

    def fail(self, method: str, path: str, status: int, body: dict[str, Any] | None = None, *, times: int = 1,
             headers: dict[str, str] | None = None) -> None:
        self.failures.append(Failure(method, path, status, body or {"message": "error", "code": 0}, times, headers or {}))

    def fail_rate_limited(self, method: str, path: str, retry_after: float, *, times: int = 1, global_: bool = False) -> None:
        headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(retry_after))), "X-RateLimit-Scope": "user"}
        if global_:
            headers["X-RateLimit-Global"] = "true"
        self.fail(method, path, 429, {"message": "You are being rate limited.", "retry_after": retry_after,
                                      "global": global_}, times=times, headers=headers)

    def enforce_limits(self, limits: DiscordLimits | None = None) -> DiscordLimits:
        """From now on, REST requests over Discord's limits are answered 429."""
        self.limits = limits or DiscordLimits()
        rate = self.limits.per_second * self.limits.scale
        self._global = Bucket(rate, self.limits.per_second, 0.0, self.clock())
        self._routes = {}
        return self.limits

    def _limited(self, call: Call) -> tuple[web.Response | None, dict[str, str]]:
        """A 429 for a request over the limits (None if it may go), and the route's headers."""
        if self.limits is None or self._global is None or call.path.startswith(UNLIMITED):
            return None, {}
        now = self.clock()
        key = f"{call.method} {_MINOR_ID.sub('{id}', call.path)}"
        route = self._routes.get(key)
        if route is None:
            route = self._routes[key] = FixedWindow(self.limits.route_limit, self.limits.route_window / self.limits.scale)
        wait = self._global.wait(now)
        if wait > 0:
            self.too_many.append(call)
            self.refused_by.append("global")
            body = {"message": "You are being rate limited.", "retry_after": round(wait, 3), "global": True}
            return self._json(body, 429, {"Via": "1.1 google", "Retry-After": str(max(1, round(wait))),
                                          "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}), {}
        wait = route.take(now)
        reset_after = max(0.0, route.resets_at - now)
        headers = {"X-RateLimit-Limit": str(route.limit), "X-RateLimit-Remaining": str(route.remaining),
                   "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                   "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                   "X-RateLimit-Bucket": hashlib.sha1(re.sub(r"\d{5,}", "", key).encode()).hexdigest()[:16]}
        if wait > 0:
            self.too_many.append(call)
            self.refused_by.append("route")
            body = {"message": "You are being rate limited.", "retry_after": round(wait, 3), "global": False}
            return self._json(body, 429, {**headers, "Via": "1.1 google", "Retry-After": str(max(1, round(wait))),
                                          "X-RateLimit-Scope": "user"}), headers
        self._global.take()
        return None, headers

    def find(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.search(pattern, c.path)]

    async def wait_for(self, method: str, pattern: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        async def enough() -> list[Call]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.find(method, pattern)) >= count)
            return self.find(method, pattern)

        return await asyncio.wait_for(enough(), timeout)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one gateway DISPATCH to every connected client."""
        for ws in list(self._sockets):
            if not ws.closed:
                await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._sequence), "d": data}))

    def interaction(self, kind: int, data: dict[str, Any], *, user: dict[str, Any] | None = None, locale: str = "fr",
                    in_guild: bool = False, permissions: int = VIEW_CHANNEL | SEND_MESSAGES,
                    message: dict[str, Any] | None = None, dm_channel_id: int | None = None) -> dict[str, Any]:
        user = user or self.user()
        interaction_id = self.snowflake()
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(self.app_id), "type": kind, "data": data,
            "token": f"itoken{interaction_id}", "version": 1, "locale": locale, "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)} if in_guild else {"1": user["id"]},
            "app_permissions": str(self.app_permissions),
            "attachment_size_limit": 10485760,
        }
        if in_guild:
            payload.update(guild_id=str(self.guild_id), channel_id=str(self.text_channel_id), guild_locale="en-US",
                           context=0, channel={"id": str(self.text_channel_id), "type": 0, "name": "tunisia",
                                               "guild_id": str(self.guild_id)},
                           member={"user": user, "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False,
                                   "mute": False, "flags": 0, "permissions": str(permissions)})
        else:
            channel_id = dm_channel_id or int(user["id"]) + 5
            payload.update(user=user, channel_id=str(channel_id), context=1,
                           channel={"id": str(channel_id), "type": 1, "recipients": [user]})
        if message is not None:
            payload["message"] = message
        return payload

    async def slash(self, name: str, options: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """A slash command as Discord sends it (type 2), with string/role options."""
        command = next((c for c in self.commands if c["name"] == name), {"id": "0"})
        resolved: dict[str, Any] = {}
        opts = []
        for key, value in (options or {}).items():
            if isinstance(value, dict) and "position" in value:  # a role
                opts.append({"name": key, "type": 8, "value": value["id"]})
                resolved.setdefault("roles", {})[value["id"]] = value
            else:
                opts.append({"name": key, "type": 3, "value": value})
        data = {"id": command["id"], "name": name, "type": 1, "options": opts}
        if resolved:
            data["resolved"] = resolved
        payload = self.interaction(2, data, **kwargs)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def autocomplete(self, name: str, option: str, value: str, **kwargs: Any) -> dict[str, Any]:
        command = next((c for c in self.commands if c["name"] == name), {"id": "0"})
        data = {"id": command["id"], "name": name, "type": 1,
                "options": [{"name": option, "type": 3, "value": value, "focused": True}]}
        payload = self.interaction(4, data, **kwargs)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def press(self, message: dict[str, Any], custom_id: str, values: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        """A button press (or a select choice, with ``values``) on a message the bot sent."""
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 3 if values is not None else 2}
        if values is not None:
            data["values"] = values
        payload = self.interaction(3, data, message=message, **kwargs)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    def message_of(self, call: Call, channel_id: int | str = 0) -> dict[str, Any]:
        """The message object Discord would hold for a sent payload (to press its buttons later)."""
        data = call.data
        return {"id": str(self.snowflake()), "channel_id": str(channel_id or self.text_channel_id), "author": self.bot,
                "content": data.get("content") or "", "timestamp": "2026-01-01T00:00:00+00:00",
                "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
                "mention_roles": [], "attachments": [], "embeds": data.get("embeds") or [], "pinned": False,
                "type": 0, "flags": data.get("flags", 0), "components": data.get("components") or []}

    # ------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self._links[ws] = request.transport
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op = payload.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    if payload["d"].get("token") != self.token:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    self.identify_count += 1
                    await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._sequence), "d": {
                        "v": 10, "user": self.bot, "guilds": [{"id": str(self.guild_id), "unavailable": True}],
                        "session_id": f"session{self.identify_count}", "resume_gateway_url": self.gateway_url,
                        "application": {"id": str(self.app_id), "flags": 0}, "private_channels": [],
                        "relationships": [], "user_settings": {}, "shard": [0, 1]}}))
                    await ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE", "s": next(self._sequence),
                                                  "d": self.guild()}))
                    self.identified.set()
                elif op == 6:
                    self.resumes += 1
                    await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": next(self._sequence), "d": {}}))
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    # ------------------------------------------------------------ REST

    @staticmethod
    def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        if status == 204:
            return web.Response(status=204)
        return web.Response(body=json.dumps(body).encode(), status=status,
                            headers={"Content-Type": "application/json", **(headers or {})})

    async def _read(self, request: web.Request) -> tuple[Any, dict[str, bytes]]:
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            files: dict[str, bytes] = {}
            reader = await request.multipart()
            async for part in reader:
                content = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    payload = json.loads(content)
                else:
                    files[part.filename or part.name or "file"] = bytes(content)  # type: ignore[union-attr]
            return payload, files
        text = await request.text()
        return (json.loads(text) if text else None), {}

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body, files = await self._read(request)
        call = Call(request.method, path, body, files, dict(request.query))
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if request.headers.get("Authorization") != f"Bot {self.token}" and not path.startswith(("/interactions/", "/webhooks/")):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        for failure in self.failures:
            if failure.times > 0 and failure.method == request.method and re.search(failure.path, path):
                failure.times -= 1
                return self._json(failure.body, failure.status, failure.headers)
        refused, headers = self._limited(call)
        if refused is not None:
            return refused
        answer, status = self._answer(request.method, path, body)
        if status == 204:
            return web.Response(status=204, headers=headers)
        return self._json(answer, status, headers)

    def _answer(self, method: str, path: str, body: Any) -> tuple[Any, int]:
        if path == "/users/@me" and method == "GET":
            return self.bot, 200
        if path == "/oauth2/applications/@me":
            return {"id": str(self.app_id), "name": "Alumni", "icon": None, "description": "", "bot_public": True,
                    "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0, "bot": self.bot,
                    "owner": self.user(1, "owner", "Owner"), "team": None, "summary": "",
                    "interactions_endpoint_url": None}, 200
        if re.fullmatch(r"/applications/\d+/commands", path):
            if method == "PUT":
                self.commands = [{**c, "id": str(self.snowflake()), "application_id": str(self.app_id), "version": "1",
                                  "default_member_permissions": c.get("default_member_permissions")} for c in body]
            return self.commands, 200
        if path.startswith("/interactions/") and path.endswith("/callback"):
            interaction_id = path.split("/")[2]
            message = self._message(body.get("data") or {}, 0) if body.get("type") in (4, 7) else None
            resource: dict[str, Any] = {"type": body.get("type")}
            if message:
                resource["message"] = message
            return {"interaction": {"id": interaction_id, "type": 2, "response_message_id": message and message["id"],
                                    "response_message_loading": body.get("type") == 5,
                                    "response_message_ephemeral": bool((body.get("data") or {}).get("flags", 0) & 64)},
                    "resource": resource}, 200
        if path.startswith("/webhooks/"):
            if method == "DELETE":
                return None, 204
            return self._message(body or {}, 0), 200
        if path == "/users/@me/channels":
            user_id = int(body["recipient_id"])
            return {"id": str(user_id + 5), "type": 1, "recipients": [self.user(user_id)], "last_message_id": None}, 200
        match = re.fullmatch(r"/channels/(\d+)/messages", path)
        if match and method == "POST":
            return self._message(body or {}, int(match.group(1))), 200
        match = re.fullmatch(r"/guilds/(\d+)/members/(\d+)/roles/(\d+)", path)
        if match:
            user_id, role_id = int(match.group(2)), int(match.group(3))
            if user_id not in self.member_roles:
                return {"message": "Unknown Member", "code": 10007}, 404
            if method == "PUT":
                self.member_roles[user_id].add(role_id)
            else:
                self.member_roles[user_id].discard(role_id)
            return None, 204
        match = re.fullmatch(r"/guilds/(\d+)/scheduled-events(?:/(\d+))?", path)
        if match:
            return self._scheduled_event(method, match.group(1), match.group(2), body or {})
        return {"message": f"404: Not Found ({method} {path})", "code": 0}, 404

    def _scheduled_event(self, method: str, guild_id: str, event_id: str | None, body: dict[str, Any]) -> tuple[Any, int]:
        if event_id is None:
            if method == "GET":
                return list(self.scheduled_events.values()), 200
            if len(self.scheduled_events) >= MAX_SCHEDULED_EVENTS:
                return {"message": "Maximum number of uncompleted guild scheduled events reached (100)", "code": 30038}, 400
            missing = [k for k in ("name", "privacy_level", "scheduled_start_time", "entity_type") if k not in body]
            if body.get("entity_type") == 3 and (not body.get("scheduled_end_time")
                                                 or not (body.get("entity_metadata") or {}).get("location")):
                missing.append("scheduled_end_time/entity_metadata.location")
            if missing:
                return {"message": "Invalid Form Body", "code": 50035, "errors": missing}, 400
            event = {"id": str(self.snowflake()), "guild_id": guild_id, "channel_id": None, "creator_id": str(self.app_id),
                     "status": 1, "entity_id": None, "image": None, "description": None, "scheduled_end_time": None,
                     "entity_metadata": None, **body}
            self.scheduled_events[event["id"]] = event
            return event, 200
        event = self.scheduled_events.get(event_id)
        if event is None:
            return {"message": "Unknown Guild Scheduled Event", "code": 10070}, 404
        if method == "DELETE":
            del self.scheduled_events[event_id]
            return None, 204
        if method == "PATCH":
            event.update(body)
        return event, 200

    def _message(self, data: dict[str, Any], channel_id: int) -> dict[str, Any]:
        return {"id": str(self.snowflake()), "channel_id": str(channel_id or self.text_channel_id), "author": self.bot,
                "content": data.get("content") or "", "timestamp": "2026-01-01T00:00:00+00:00",
                "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
                "mention_roles": [], "attachments": [], "embeds": data.get("embeds") or [], "pinned": False,
                "type": 0, "flags": data.get("flags", 0), "components": data.get("components") or []}
