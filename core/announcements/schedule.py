"""Reading a sending time typed as wall-clock time in the sender's zone ("2026-12-01 18:30")."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from core.db.types import utcnow
from core.i18n import N_

from .texts import TextError

FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M")
MAX_AHEAD = timedelta(days=366)


def example_time(zone_name: str | None, now: datetime | None = None) -> str:
    """An example sending time that is ahead, never a fixed date gone by: tomorrow at 18:30 in the zone."""
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    tomorrow = (now or utcnow()).astimezone(zone) + timedelta(days=1)
    return tomorrow.strftime("%Y-%m-%d") + " 18:30"


def parse_send_at(value: str, zone_name: str | None, now: datetime | None = None) -> datetime:
    """The UTC instant of a local date and time; must exist in the zone and lie ahead (within a year)."""
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
        raise TextError(N_("“{value}” is not a time zone I know."), value=str(zone_name)[:64]) from None
    text = " ".join(value.split())
    local = None
    for fmt in FORMATS:
        try:
            local = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if local is None:
        raise TextError(N_("“{value}” is not a date and time. Write it as {example}."), value=value[:40],
                        example=example_time(zone_name, now))
    aware = local.replace(tzinfo=zone)
    # A time skipped by a daylight-saving change does not survive the round trip.
    if aware.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != local:
        raise TextError(N_("{value} does not exist in your time zone (the clocks change then). Pick another time."), value=text)
    instant = aware.astimezone(timezone.utc)
    now = now or utcnow()
    if instant <= now:
        raise TextError(N_("That time has already passed. Pick a time in the future."))
    if instant > now + MAX_AHEAD:
        raise TextError(N_("That is more than a year ahead. Pick a nearer time."))
    return instant
