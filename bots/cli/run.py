"""``alumni run telegram|discord|slack|all``: the chat bots of this process.

One platform or all the configured ones take the same path: each platform's runner module
gives a connector, and the composition root (``bots/host.py``) runs them on one app and one
delivery engine, with /healthz and /metrics served once (``--health-port``).
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
from collections.abc import Callable
from types import ModuleType
from typing import Any

from bots import health, host
from bots.lifecycle import run_until_stopped
from core.config import Settings
from core.i18n import _

from .common import settings
from .errors import CliError

PLATFORMS = ("telegram", "discord", "slack")
TOKENS = {"telegram": "telegram_bot_token", "discord": "discord_bot_token", "slack": "slack_bot_token"}


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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


def _module(platform: str) -> ModuleType | None:
    """``bots.<platform>.runner``, or None when this installation lacks it."""
    name = f"bots.{platform}.runner"
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:  # bots.<platform> itself is missing
        return None
    return importlib.import_module(name)


def _runner(platform: str) -> Callable[..., Any] | None:
    """The platform's ``run(settings, args)``: its bot alone under the composition root."""
    module = _module(platform)
    return getattr(module, "run", None) if module is not None else None


def _not_available(platform: str) -> CliError:
    return CliError(_("the {platform} bot is not available in this version").format(platform=platform), 2)


def run_bots(args: argparse.Namespace) -> int:
    """Run one platform's bot, or every configured one, until SIGTERM or Ctrl-C; the exit code."""
    app_settings = settings()
    if args.platform != "all":
        run = _runner(args.platform)
        if run is None:
            raise _not_available(args.platform)
        args.health_port = _health_port(app_settings, args, [args.platform])
        return run_until_stopped(run, app_settings, args)
    chosen = [p for p in PLATFORMS if getattr(app_settings, TOKENS[p]) and _runner(p) is not None]
    if not chosen:
        raise CliError(
            _("no bot to run: set TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN or SLACK_BOT_TOKEN for an available bot"), 2
        )
    args.health_port = _health_port(app_settings, args, chosen)
    if len(chosen) == 1:
        return run_until_stopped(_runner(chosen[0]), app_settings, args)  # type: ignore[arg-type]
    factories = [getattr(_module(platform), "connector") for platform in chosen]
    return run_until_stopped(lambda s, a: host.run(s, a, factories), app_settings, args)


def _health_port(app_settings: Settings, args: argparse.Namespace, platforms: list[str]) -> int | None:
    """The port of this process's /healthz and /metrics, if any; the bots it must report on.

    None when unset, or when the Slack HTTP server already listens on that port (it serves both paths)."""
    health.expect(platforms)
    port = getattr(args, "health_port", None) or app_settings.health_port
    if not port:
        return None
    if not 0 < int(port) < 65536:
        raise CliError(_("--health-port must be a port number (1-65535)"), 2)
    same_port = int(port) == int(getattr(args, "port", 0) or 0)
    if same_port and "telegram" in platforms and getattr(args, "webhook_url", None):
        raise CliError(_("--health-port must differ from --port: the Telegram webhook server serves only the webhook"), 2)
    if same_port and "slack" in platforms and not app_settings.slack_app_token:
        return None
    return int(port)
