"""Settings read from the environment (names fixed by SPEC.md).

Secrets are held here and nowhere else; ``Settings.__repr__`` hides them so that
logging a settings object can never leak a token.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from core.redaction import redact_url

DEFAULT_SQLITE_FILE = "alumni.db"
# What one import may cost (core/imports.py): far above what a real network imports.
DEFAULT_IMPORT_MAX_BYTES = 20_000_000
DEFAULT_IMPORT_MAX_ROWS = 50_000
DEFAULT_IMPORT_MAX_EVENTS = 10_000
DEFAULT_ANNOUNCE_PER_DAY = 10
_SECRET_FIELDS = frozenset(
    {"telegram_bot_token", "discord_bot_token", "slack_bot_token", "slack_signing_secret", "slack_app_token"}
)


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


_ENV_NAMES = {
    "database_url": "ALUMNI_DATABASE_URL",
    "delivery_lease_seconds": "ALUMNI_DELIVERY_LEASE_SECONDS",
    "delivery_rate_scale": "ALUMNI_DELIVERY_RATE_SCALE",
    "telegram_paid_broadcast": "ALUMNI_TELEGRAM_PAID_BROADCAST",
    "log_format": "ALUMNI_LOG_FORMAT",
    "health_port": "ALUMNI_HEALTH_PORT",
    "data_dir": "ALUMNI_DATA_DIR",
    "retention_days": "ALUMNI_RETENTION_DAYS",
    "button_retention_days": "ALUMNI_BUTTON_RETENTION_DAYS",
    "audit_retention_days": "ALUMNI_AUDIT_RETENTION_DAYS",
    "import_max_bytes": "ALUMNI_IMPORT_MAX_BYTES",
    "import_max_rows": "ALUMNI_IMPORT_MAX_ROWS",
    "import_max_events": "ALUMNI_IMPORT_MAX_EVENTS",
    "rate_member_per_minute": "ALUMNI_RATE_MEMBER_PER_MINUTE",
    "rate_member_burst": "ALUMNI_RATE_MEMBER_BURST",
    "rate_chat_per_minute": "ALUMNI_RATE_CHAT_PER_MINUTE",
    "rate_chat_burst": "ALUMNI_RATE_CHAT_BURST",
    "announce_per_day": "ALUMNI_ANNOUNCE_PER_DAY",
}
_RATE_FIELDS = frozenset(name for name in _ENV_NAMES if name.startswith("rate_")) | {"announce_per_day"}
_YES = frozenset({"1", "true", "yes", "on"})
_NO = frozenset({"0", "false", "no", "off"})
DATA_DIR_NAME = "alumni-bots"  # under $XDG_DATA_HOME, else ~/.local/share


class SettingsError(ValueError):
    """An environment variable holds a value we cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}")
    telegram_bot_token: str | None = None
    telegram_api_base_url: str | None = None
    discord_bot_token: str | None = None
    discord_api_base_url: str | None = None
    discord_gateway_url: str | None = None
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    # Seconds a bot process holds the pushes it claimed; if it dies, another process sends them
    # after this long. Live processes renew their claims, so this only bounds recovery time.
    delivery_lease_seconds: float = 30.0
    # Multiplies every platform rate limit the delivery engine keeps (1 = the published limits).
    # Above 1 only for servers that allow more: a local test server, Telegram paid broadcasts.
    delivery_rate_scale: float = 1.0
    # Telegram paid broadcast: pushes carry allow_paid_broadcast, and the engine keeps Telegram's
    # paid ceiling (1,000 messages a second overall) instead of 30; per-chat limits are unchanged.
    # Telegram charges the bot's Stars for every message beyond 30 a second.
    telegram_paid_broadcast: bool = False
    # "text" (readable, the default) or "json": one JSON object per line, for production log collectors.
    log_format: str = "text"
    # Port of the health (/healthz) and metrics (/metrics) endpoint; unset: not served.
    health_port: int | None = None
    # Where files saved for a member (the console's mydata export, an event's .ics) go; unset: a
    # per-user data directory (see ``data_directory``), never the working directory (a checkout).
    data_dir: str | None = None
    # Days a finished delivery (sent, failed, unreachable, expired, skipped) is kept in the outbox,
    # and a conversation left half-way (core.retention).
    retention_days: int = 30
    # Days a stored button action (a button's long command) is kept after it was last shown.
    button_retention_days: int = 7
    # Days an audit entry (core.audit) is kept: longer than deliveries, an audit trail is read months later.
    audit_retention_days: int = 365
    # What one import may cost: file size in bytes, directory rows, calendar events.
    import_max_bytes: int = DEFAULT_IMPORT_MAX_BYTES
    import_max_rows: int = DEFAULT_IMPORT_MAX_ROWS
    import_max_events: int = DEFAULT_IMPORT_MAX_EVENTS
    # Command limits of each bot process (core.commands.throttle): requests a minute on average and
    # at once, per account and per chat. Far above what a person types; 0 per minute: no limit.
    rate_member_per_minute: int = 30
    rate_member_burst: int = 20
    rate_chat_per_minute: int = 120
    rate_chat_burst: int = 60
    # Announcements one member may create from chat in 24 hours (core.announcements.quota); 0: no limit.
    # The command line (an operator) is not counted.
    announce_per_day: int = DEFAULT_ANNOUNCE_PER_DAY

    @classmethod
    def from_env(cls) -> "Settings":
        values: dict[str, object] = {}
        for f in fields(cls):
            value = _env(_ENV_NAMES.get(f.name, f.name.upper()))
            if value is None:
                continue
            name = _ENV_NAMES.get(f.name, f.name.upper())
            if f.type in ("float", float):
                try:
                    number = float(value)
                except ValueError:
                    number = -1.0
                if not number > 0:
                    raise SettingsError(f"{name} must be a positive number")
                values[f.name] = number
            elif f.name in _RATE_FIELDS:
                if not (value.isascii() and value.isdigit()) or int(value) > 100000:
                    raise SettingsError(f"{name} must be a whole number (0-100000; 0: no limit)")
                values[f.name] = int(value)
            elif f.type in ("int", int):
                whole = value.isascii() and value.isdigit()
                if f.name.endswith("_days"):
                    if not whole or not 0 < int(value) <= 36500:
                        raise SettingsError(f"{name} must be a whole number of days (1-36500)")
                elif not whole or int(value) < 1:
                    raise SettingsError(f"{name} must be a positive whole number")
                values[f.name] = int(value)
            elif f.type in ("int | None", int | None):
                if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 65536:
                    raise SettingsError(f"{name} must be a port number (1-65535)")
                values[f.name] = int(value)
            elif f.type in ("bool", bool):
                if value.lower() not in _YES | _NO:
                    raise SettingsError(f"{name} must be true or false")
                values[f.name] = value.lower() in _YES
            elif f.name == "log_format":
                if value.lower() not in ("text", "json"):
                    raise SettingsError(f"{name} must be text or json")
                values[f.name] = value.lower()
            else:
                values[f.name] = value
        return cls(**values)  # type: ignore[arg-type]

    def data_directory(self) -> Path:
        """ALUMNI_DATA_DIR, else $XDG_DATA_HOME/alumni-bots, else ~/.local/share/alumni-bots (absolute)."""
        if self.data_dir:
            return Path(self.data_dir).expanduser().resolve()
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
        return (base / DATA_DIR_NAME).resolve()

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRET_FIELDS and value:
                value = "***"
            elif f.name == "database_url":
                value = redact_url(value)
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"
