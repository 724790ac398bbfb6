"""The answers that make a new event, shared by the chat flow (``newevent``), its form
(``newevent_form``) and ``editevent`` (an end given as a duration or a time).

The answers so far are a plain dict (stored as JSON in the conversation row); these helpers
read it, check the channel against the member's rights, and turn it into the stored event.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from core.channels import THEMES
from core.commands.context import Context
from core.events.errors import EventError
from core.events.render import pick_text
from core.events.service import EventInput, create_event
from core.events.times import parse_clock, parse_duration, parse_local_datetime, parse_minutes
from core.i18n import N_, _
from core.i18n.region import format_locale
from core.memberships import channel_title, resolve_channel
from core.roles import ambassador_countries, is_administrator
from core.text import isolate

log = logging.getLogger(__name__)


async def channel_choices(ctx: Context) -> list[str]:
    """The channels the member may create an event in: their countries, then the topics."""
    countries = await ambassador_countries(ctx.session, ctx.member.id)
    if await is_administrator(ctx.session, ctx.member.id) and ctx.member.country_code and ctx.member.country_code not in countries:
        countries.append(ctx.member.country_code)
    return [c.lower() for c in countries] + list(THEMES)


def texts_of(data: dict[str, object]) -> dict[str, dict[str, str]]:
    texts = data.setdefault("texts", {})
    assert isinstance(texts, dict)
    return texts  # type: ignore[return-value]


def end_from(start: datetime, value: str) -> datetime | timedelta:
    """The end of an event that starts at ``start``: a duration ("2h", "90m": real time, resolved once the
    zone is known), or an end typed as a date and time or as a clock time (the next day when it is not
    after the start), kept as that clock time."""
    minutes = parse_minutes(value)
    # a duration, unless it reads as a date or a clock ("18.30"); "3 Std." keeps its abbreviation's dot
    if minutes is not None and minutes > 0 and not any(ch in value for ch in ":/-") and not re.search(r"\d\.\d", value):
        return parse_duration(value)
    try:
        end = parse_local_datetime(value, format_locale())
    except EventError:
        try:
            clock = parse_clock(value)
        except EventError:
            raise EventError(N_("I couldn't read the duration “{value}”. Write it like 2h or 90m."), value=value[:40]) from None
        end = datetime.combine(start.date(), clock)
        end = end if end > start else end + timedelta(days=1)
    if end <= start:
        raise EventError(N_("The end must come after the start."))
    return end


def take_end(data: dict[str, object], value: str) -> None:
    """The answer about the end: a duration ("2h") is kept as real time, a clock time ("20:30") as that
    clock time; which one was meant is said in the preview when the clocks change in between."""
    end = end_from(datetime.fromisoformat(str(data["start"])), value)
    if isinstance(end, timedelta):
        data["duration"] = int(end.total_seconds()) // 60
    else:
        data["end"] = end.isoformat(timespec="minutes")


async def take_channel(ctx: Context, data: dict[str, object], value: str) -> None:
    """Store the channel (and its country) typed or picked, if the member may create events there."""
    lookup = resolve_channel(value)
    if lookup.slug is None:
        raise EventError(N_("There is no channel “{value}”."), value=value[:60])
    countries = await ambassador_countries(ctx.session, ctx.member.id)
    admin = await is_administrator(ctx.session, ctx.member.id)
    if lookup.slug in THEMES:
        country = countries[0] if countries and not admin else None
        if not admin and not countries:
            raise EventError(N_("Only administrators can create or change events that belong to no country."))
        data["channel"], data["country"] = lookup.slug, country
        return
    code = lookup.slug.upper()
    if not admin and code not in countries:
        log.warning("refused: member %s may not create an event in %s", ctx.member.id, code)
        raise EventError(N_("Only the ambassadors of this country and the administrators can create or change its events."))
    data["channel"], data["country"] = lookup.slug, code


def event_input(data: dict[str, object]) -> EventInput:
    return EventInput(
        texts=texts_of(data),
        language=str(data["language"]),
        starts_local=datetime.fromisoformat(str(data["start"])),
        ends_local=datetime.fromisoformat(str(data["end"])) if data.get("end") else None,
        duration=timedelta(minutes=int(data["duration"])) if data.get("duration") else None,  # type: ignore[call-overload]
        timezone=str(data["zone"]),
        place=str(data.get("place") or ""),
        online_url=str(data.get("url") or ""),
        country_code=data.get("country") or None,  # type: ignore[arg-type]
        channel_slug=data.get("channel") or None,  # type: ignore[arg-type]
        capacity=data.get("capacity"),  # type: ignore[arg-type]
    )


async def create_from(ctx: Context, data: dict[str, object]) -> None:
    """Create the event the answers describe, end the conversation and say so."""
    created, valid = await create_event(ctx.session, event_input(data), ctx.actor)
    await ctx.end_conversation()
    title = pick_text(created)[0]
    text = _("Event #{id} created: “{title}”. Members can now see it with {hint}.").format(
        # the channel by its name, as /join and /events show it ("/events de" reads as a word in French)
        id=created.id, title=isolate(title), hint=ctx.hint("events", channel_title(valid.data.channel_slug)
                                                            if valid.data.channel_slug else ""))
    if valid.ambiguous:
        text += "\n" + _("That time happens twice that night, when the clocks go back: I take the first one.")
    ctx.reply(text, buttons=[[await ctx.button(_("Details"), "event", str(created.id))]], edit=ctx.pressed)
