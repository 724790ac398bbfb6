"""What Slack knows about a person (``users.info``): name, locale, time zone, admin rights.

Slash commands and events carry only a user id, so the adapter asks ``users.info`` (with
``include_locale``) and keeps the answer for a few minutes: one call per person, not per
message. Admin rights are asked fresh when they decide something (``bind``).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from .errors import error_code

log = logging.getLogger(__name__)
CACHE_SECONDS = 600.0
CACHE_SIZE = 5000


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: str
    display_name: str | None = None
    locale: str | None = None  # "pt-BR"
    timezone: str | None = None  # "America/Sao_Paulo"
    is_admin: bool = False  # workspace admin or owner
    is_bot: bool = False


def profile_from(user: dict[str, Any]) -> Profile:
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
    return Profile(
        user_id=str(user.get("id", "")),
        display_name=name or None,
        locale=user.get("locale") or None,
        timezone=user.get("tz") or None,
        is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        is_bot=bool(user.get("is_bot")),
    )


class Profiles:
    def __init__(self, client: AsyncWebClient, ttl: float = CACHE_SECONDS) -> None:
        self.client = client
        self.ttl = ttl
        self._cache: dict[str, tuple[float, Profile]] = {}

    async def get(self, user_id: str, *, fresh: bool = False) -> Profile:
        """The person's profile; a bare one (id only) when Slack cannot tell, never an exception."""
        now = time.monotonic()
        cached = self._cache.get(user_id)
        if cached and not fresh and now - cached[0] < self.ttl:
            return cached[1]
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
            profile = profile_from(response.get("user") or {"id": user_id})
        except SlackApiError as error:
            # error_code, not response.get: a malformed answer (HTML, broken JSON) has no dict to read
            log.info("users.info %s failed: %s", user_id, error_code(error) or "malformed answer")
            return cached[1] if cached else Profile(user_id=user_id)
        except Exception as error:  # noqa: BLE001 - network trouble: answer without the profile
            log.info("users.info %s failed: %s", user_id, type(error).__name__)
            return cached[1] if cached else Profile(user_id=user_id)
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[user_id] = (now, profile)
        return profile
