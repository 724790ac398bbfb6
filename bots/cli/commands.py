"""``alumni run telegram|discord|slack|all``: the chat bots of this installation.

The parser and the handler of ``alumni run`` live together here, in one place.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.engine import make_url

from bots import health
from core.app import prepare_database
from core.config import Settings
from core.i18n import _

from .common import settings
from .errors import CliError

PLATFORMS = ("telegram", "discord", "slack")


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the ``run`` command to the ``alumni`` parser."""
    run = groups.add_parser(
        "run",
        help=_("run the chat bots"),
        description=_("Run a platform bot (tokens from the environment, see README), or all configured ones."),
    )
    run.add_argument("platform", choices=(*PLATFORMS, "all"), help=_("telegram, discord, slack or all"))
    run.add_argument(
        "--webhook-url", metavar="URL", help=_("telegram: public HTTPS URL for webhooks (default: long polling)")
    )
    run.add_argument(
        "--listen", metavar="ADDRESS", default="0.0.0.0", help=_("telegram webhook and slack HTTP server: listen address")
    )
    run.add_argument(
        "--port", type=int, default=8443, help=_("telegram webhook and slack HTTP server: listen port (default 8443)")
    )
    run.add_argument(
        "--health-port",
        type=int,
        metavar="PORT",
        help=_("serve /healthz and /metrics on this port (default: $ALUMNI_HEALTH_PORT; unset: not served)"),
    )
    run.set_defaults(handler=run_bots)


TOKENS = {"telegram": "telegram_bot_token", "discord": "discord_bot_token", "slack": "slack_bot_token"}


def _runner(platform: str) -> Callable[..., Any] | None:
    name = f"bots.{platform}.runner"
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:  # bots.<platform> itself is missing
        return None
    return getattr(importlib.import_module(name), "run", None)


def _not_available(platform: str) -> CliError:
    return CliError(_("the {platform} bot is not available in this version").format(platform=platform), 2)


def run_bots(args: argparse.Namespace) -> int:
    """Start ``bots.<platform>.runner.run(settings, args)`` (sync, or async: then run here)."""
    app_settings = settings()
    if args.platform != "all":
        run = _runner(args.platform)
        if run is None:
            raise _not_available(args.platform)
        server = _health_server(app_settings, args, [args.platform])
        return _finish(run(app_settings, args), server)
    chosen = [p for p in PLATFORMS if getattr(app_settings, TOKENS[p]) and _runner(p) is not None]
    if not chosen:
        raise CliError(
            _("no bot to run: set TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN or SLACK_BOT_TOKEN for an available bot"), 2
        )
    server = _health_server(app_settings, args, chosen)
    if len(chosen) == 1:
        return _finish(_runner(chosen[0])(app_settings, args), server)  # type: ignore[misc]

    runners = {platform: _runner(platform) for platform in chosen}
    for platform, run in runners.items():
        if not inspect.iscoroutinefunction(run):
            raise CliError(_("the {platform} bot cannot run beside others: run it alone").format(platform=platform), 2)

    async def together() -> int:
        # Migrate once, before the bots open the core side by side (on SQLite each would
        # otherwise create the same tables at the same moment).
        if make_url(app_settings.database_url).get_backend_name() == "sqlite":
            await prepare_database(app_settings.database_url)
        codes = await asyncio.gather(*(run(app_settings, args) for run in runners.values()))  # type: ignore[misc]
        return max(int(code or 0) for code in codes)

    return asyncio.run(_with_health(together(), server))


def _health_server(app_settings: Settings, args: argparse.Namespace, platforms: list[str]) -> Any:
    """The /healthz and /metrics server of this process, if a health port is set (not started yet).

    None when unset, or when the Slack HTTP server already listens on that port (it serves both paths)."""
    port = getattr(args, "health_port", None) or app_settings.health_port
    health.expect(platforms)
    if not port:
        return None
    if not 0 < int(port) < 65536:
        raise CliError(_("--health-port must be a port number (1-65535)"), 2)
    same_port = int(port) == int(getattr(args, "port", 0) or 0)
    if same_port and "telegram" in platforms and getattr(args, "webhook_url", None):
        raise CliError(_("--health-port must differ from --port: the Telegram webhook server serves only the webhook"), 2)
    if same_port and "slack" in platforms and not app_settings.slack_app_token:
        return None
    listen = getattr(args, "listen", None) or "0.0.0.0"
    return health.HealthServer(health.HealthService(database_url=app_settings.database_url), int(port), listen)


async def _with_health(work: Awaitable[Any], server: Any) -> Any:
    """Run a bot (or several) with the health server listening beside them."""
    if server is None:
        return await work
    try:
        await server.start()
    except OSError as error:
        if inspect.iscoroutine(work):
            work.close()
        raise CliError(_("cannot listen on port {port}: {error}").format(
            port=server.port, error=error.strerror or error)) from None
    try:
        return await work
    finally:
        await server.stop()


def _finish(result: Any, server: Any = None) -> int:
    if inspect.isawaitable(result):
        result = asyncio.run(_with_health(result, server))
    return int(result or 0)
