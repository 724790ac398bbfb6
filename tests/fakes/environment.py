"""The environment of a real bot process (``python -m bots.cli run ...``) pointed at our fakes."""
from __future__ import annotations

import os
from pathlib import Path

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import SIGNING_SECRET, FakeSlack
from tests.fakes.telegram_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]


def bot_environment(database_url: str, *, telegram: FakeBotAPI | None = None, slack: FakeSlack | None = None,
                    discord: FakeDiscord | None = None, **extra: str) -> dict[str, str]:
    """This process's environment, with the given fakes' tokens and URLs, Slack over HTTP (no
    ``SLACK_APP_TOKEN``) and no health port unless ``extra`` sets one."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ALUMNI_DATABASE_URL": database_url, **extra}
    for name in ("SLACK_APP_TOKEN", "ALUMNI_HEALTH_PORT"):
        if name not in extra:
            env.pop(name, None)
    if telegram is not None:
        env.update(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_BASE_URL=telegram.base_url)
    if slack is not None:
        env.update(SLACK_BOT_TOKEN=slack.token, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.base_url)
    if discord is not None:
        env.update(DISCORD_BOT_TOKEN=discord.token, DISCORD_API_BASE_URL=discord.api_base_url,
                   DISCORD_GATEWAY_URL=discord.gateway_url)
    return env
