"""``newevent``: the guided creation of an event, one validated answer at a time.

The answers so far live in the conversation row (JSON), so the flow survives restarts.
Buttons send ``newevent !<choice>``; typed text arrives as the answer to the current step.
"""
from __future__ import annotations

import copy
import logging
from datetime import datetime

from babel.dates import format_datetime as babel_datetime

from core.commands.context import Context
from core.commands.registry import command
from core.messages.types import Button
from core.db.models import Event
from core.db.types import utcnow
from core.events import fields
from core.events.errors import EventError
from core.events.render import when
from core.events.service import may_create_any, validate
from core.events.times import end_note, example_start, example_text, parse_local_datetime, to_utc
from core.geo.countries import country_name
from core.geo.timezones import default_zone_for_country, match_zone, zones_for_country
from core.i18n import N_, SUPPORTED_LANGUAGES, _, current_language, language_name, match_language
from core.i18n.formatting import labelled
from core.i18n.region import format_locale
from core.memberships import channel_title
from core.roles import ambassador_countries
from core.text import isolate

from . import newevent_form  # the dialog version of this flow
from .event_draft import channel_choices, create_from, event_input, take_channel, take_end, texts_of
from .prompts import zone_label

log = logging.getLogger(__name__)

FLOW = "newevent"
SKIP, DONE, CONFIRM, ABORT = "!skip", "!done", "!confirm", "!abort"
DISCARD, KEEP = "!discard", "!keep"  # the answers to "throw away this event?"


async def _button(ctx: Context, label: str, value: str) -> Button:
    return await ctx.button(label, FLOW, value)


def _local_example() -> str:
    return babel_datetime(example_start(), format="short", locale=format_locale()).replace("\u202f", " ").replace("\u200f", "")


# ---------------------------------------------------------------- questions


async def ask(ctx: Context, step: str, data: dict[str, object], error: str | None = None) -> None:
    """Ask the question of ``step`` (after an error, say it first) and store the state."""
    lang = str(data.get("lang") or current_language())
    skip = await _button(ctx, _("Skip"), SKIP)
    buttons: list[list[Button]] = []
    if step == "title":
        if lang == data.get("language"):
            text = _("Let's create an event. What is its title?")
        else:
            text = _("What is the title in {language}?").format(language=language_name(lang, current_language(), in_sentence=True))
    elif step == "description":
        text = _("Describe the event in a few words (or skip).")
        buttons = [[skip]]
    elif step == "more":
        texts = data.get("texts") or {}
        # Every other language keeps its button (ticked once written): the choices never move.
        others = [code for code in SUPPORTED_LANGUAGES if code != data.get("language")]
        text = _("Would you like to add the title in another language? Pick one, or continue.")
        row = [await ctx.button(language_name(code, current_language()), FLOW, f"!lang {code}", selected=code in texts)
               for code in others]
        buttons = [row[i : i + 3] for i in range(0, len(row), 3)] + [[await _button(ctx, _("Continue"), DONE)]]
    elif step == "start":
        text = _("When does it start? Send the date and time, for example {example} or {local}.").format(
            example=example_text(), local=_local_example())
    elif step == "end":
        text = _("How long does it last (for example 2h or 90m), or when does it end (for example 20:30)? You can skip.")
        buttons = [[await _button(ctx, "1h", "1h"), await _button(ctx, "2h", "2h"), await _button(ctx, "3h", "3h")], [skip]]
    elif step == "zone":
        default = str(data.get("default_zone") or "")
        text = _("In which time zone is that time? Type a city, or pick one.")
        zones = [z for z in [default, *data.get("zones", [])] if z]  # type: ignore[list-item]
        seen: list[str] = []
        for zone in zones:
            if zone not in seen:
                seen.append(zone)
        row = [await _button(ctx, zone_label(z), z) for z in seen[:12]]
        buttons = [row[i : i + 2] for i in range(0, len(row), 2)]
    elif step == "place":
        text = _("Where does it take place? Send an address, or an online link (https://…).")
    elif step == "place2":
        text = (_("Is there also an online link? Send it, or skip.") if data.get("place")
                else _("Is there also a place to meet? Send the address, or skip."))
        buttons = [[skip]]
    elif step == "where":
        text = _("In which channel should it appear? Pick one, or type a country or a topic.")
        row = [await _button(ctx, channel_title(slug), f"!channel {slug}") for slug in await channel_choices(ctx)]
        buttons = [row[i : i + 2] for i in range(0, len(row), 2)]
    elif step == "capacity":
        # No buttons here: on the console a typed number would pick a button instead.
        text = _("How many places are there? Send a number, or 0 if there is no limit.")
    else:
        text = ""
    if error:
        text = error + "\n" + text
    ctx.reply(text, buttons=buttons)
    await ctx.set_conversation(FLOW, step, data)


# ---------------------------------------------------------------- the flow


@command("newevent", N_("Create an event (ambassadors and administrators)"), conversational=True, form=True)
async def newevent(ctx: Context, args: str) -> None:
    conversation = await ctx.conversation()
    running = conversation is not None and conversation.flow == FLOW
    if running and (ctx.answering or ctx.pressed):
        # A deep copy: the stored JSON is compared with the new value to decide whether to write it.
        await answer(ctx, conversation.step, copy.deepcopy(dict(conversation.data or {})), args)  # type: ignore[union-attr]
        return
    if ctx.pressed:
        ctx.reply(_("This button has expired. Send {hint} to start again.").format(hint=ctx.hint("newevent")))
        return
    if not await may_create_any(ctx.session, ctx.member.id):
        log.warning("refused: member %s may not create events", ctx.member.id)
        ctx.reply(_("Only ambassadors and administrators can create events. Send {hint} to see upcoming ones.").format(
            hint=ctx.hint("events")))
        return
    if ctx.request.form_values is not None or ctx.request.forms:
        await (newevent_form.submit(ctx) if ctx.request.form_values is not None else newevent_form.offer(ctx))
        return
    language = current_language()
    countries = await ambassador_countries(ctx.session, ctx.member.id)
    country = countries[0] if countries else ctx.member.country_code
    zones: list[str] = []
    for code in countries or ([country] if country else []):
        zones += zones_for_country(code)[:6]
    default_zone = ctx.member.timezone or (default_zone_for_country(country) if country else None) or (zones[0] if zones else "UTC")
    data: dict[str, object] = {
        "language": language, "lang": language, "texts": {}, "default_zone": default_zone, "zones": zones[:11],
    }
    await ask(ctx, "title", data)


async def answer(ctx: Context, step: str, data: dict[str, object], text: str) -> None:
    value = text.strip()
    if value == ABORT:  # the answers given so far are thrown away only when the author says so
        ctx.reply(_("Throw away this event? It has not been created yet."), buttons=[[
            await _button(ctx, _("Yes, throw it away"), DISCARD), await _button(ctx, _("No, keep it"), KEEP)]])
        return
    if value == KEEP:
        await (preview(ctx, data) if step == "preview" else ask(ctx, step, data))
        return
    if value == DISCARD:
        await ctx.end_conversation()
        ctx.reply(_("Cancelled: no event was created."), edit=ctx.pressed)
        return
    try:
        following = await _apply(ctx, step, data, value)
    except EventError as error:
        await ask(ctx, step, data, error.translated())
        return
    if following == "preview":
        await preview(ctx, data)
    elif following in ("created", "start-asked"):
        return
    else:
        await ask(ctx, following, data)


async def _apply(ctx: Context, step: str, data: dict[str, object], value: str) -> str:
    """Store one answer; returns the next step. EventError re-asks the same step."""
    lang = str(data.get("lang"))
    skip = value == SKIP
    if step == "title":
        if skip or not value:
            raise EventError(N_("The title cannot be empty."))
        texts_of(data)[lang] = {"title": fields.clean_title(value), "description": ""}
        return "description"
    if step == "description":
        if not skip:
            texts_of(data)[lang]["description"] = fields.clean_description(value)
        return "more"
    if step == "more":
        if value == DONE:
            return "start"
        code = match_language(value[6:] if value.startswith("!lang ") else value)
        if code is None:
            raise EventError(N_("Pick a language below, or continue."))
        data["lang"] = code
        return "title"
    if step == "start":
        if skip:
            raise EventError(N_("Please give the time too, for example {example}."), example=example_text())
        start = parse_local_datetime(value, format_locale())
        if _past_everywhere(start, data):
            raise EventError(N_("This time is already past. Give a time in the future."))
        data["start"] = start.isoformat(timespec="minutes")
        return "end"
    if step == "end":
        data["end"] = data["duration"] = None
        if not skip:
            take_end(data, value)
        return "zone"
    if step == "zone":
        zone = match_zone(value, ctx.member.country_code)
        if zone is None:
            raise EventError(N_("“{value}” is not a time zone I know."), value=value[:60])
        start = datetime.fromisoformat(str(data["start"]))
        try:
            resolved = to_utc(start, zone)
            if data.get("end"):
                to_utc(datetime.fromisoformat(str(data["end"])), zone)
        except EventError as error:
            await ask(ctx, "start", data, error.translated())
            return "start-asked"
        if resolved.instant <= utcnow():
            await ask(ctx, "start", data, _("This time is already past. Give a time in the future."))
            return "start-asked"
        data["zone"] = zone
        return "place"
    if step == "place":
        if skip or not value:
            raise EventError(N_("Give a place or an online link (or both)."))
        _place_or_link(data, value)
        return "place2"
    if step == "place2":
        if not skip:
            if data.get("place") and not fields.looks_like_url(value):
                raise EventError(N_("“{value}” is not a link. Send a link starting with https://, or skip."), value=value[:60])
            if data.get("url") and fields.looks_like_url(value):
                raise EventError(N_("You already gave a link. Send the address of the place, or skip."))
            _place_or_link(data, value)
        return "where"
    if step == "where":
        await take_channel(ctx, data, value[9:] if value.startswith("!channel ") else value)
        return "capacity"
    if step == "capacity":
        data["capacity"] = None if skip or value.strip() in ("0", "-") else fields.clean_capacity(value)
        return "preview"
    if step == "preview":
        if value == CONFIRM:
            await create_from(ctx, data)
            return "created"
        return "preview"
    return step


def _past_everywhere(start: datetime, data: dict[str, object]) -> bool:
    """Whether a start is past in every zone the flow offers (the zone is asked later): then it is
    refused at once, not after two more questions; a start past in some zone only is checked once the
    zone is known."""
    zones = [z for z in [data.get("default_zone"), *data.get("zones", [])] if z] or ["UTC"]  # type: ignore[list-item]
    now = utcnow()
    for zone in zones:
        try:
            if to_utc(start, str(zone)).instant > now:
                return False
        except EventError:
            return False
    return True


def _place_or_link(data: dict[str, object], value: str) -> None:
    if fields.looks_like_url(value):
        link = value if "://" in value else "https://" + value
        data["url"] = fields.clean_url(link)
    else:
        data["place"] = fields.clean_place(value)


async def preview(ctx: Context, data: dict[str, object]) -> None:
    try:
        valid = await validate(ctx.session, event_input(data))
    except EventError as error:
        await ask(ctx, "start", data, error.translated())
        return
    lines = [_("Here is the event. Shall I create it?"), ""]
    for code, entry in valid.data.texts.items():
        lines.append(labelled(language_name(code, current_language()), isolate(entry["title"])))
        if entry.get("description"):
            lines.append(f"  {entry['description']}")
    shown = Event(texts=valid.data.texts, language=valid.data.language, timezone=valid.data.timezone,
                  starts_at=valid.starts_at, ends_at=valid.ends_at)
    lines.append(_("{when} ({zone})").format(when=_("When: {when}").format(when=when(shown, valid.data.timezone)),
                                            zone=zone_label(valid.data.timezone)))
    note = end_note(valid.starts_at, valid.ends_at, valid.data.timezone, by_duration=bool(data.get("duration")))
    if note:
        lines.append(note)
    if valid.ambiguous:
        lines.append(_("That time happens twice that night, when the clocks go back: I take the first one."))
    if valid.data.place:
        lines.append(_("Where: {place}").format(place=isolate(valid.data.place)))
    if valid.data.online_url:
        lines.append(_("Online: {url}").format(url=valid.data.online_url))
    channel = valid.data.channel_slug
    lines.append(_("Channel: {channel}").format(channel=channel_title(channel) if channel else country_name(valid.data.country_code or "")))
    if valid.data.capacity:
        lines.append(_("Places: {count}").format(count=valid.data.capacity))
    ctx.reply("\n".join(lines), buttons=[[await _button(ctx, _("Create the event"), CONFIRM),
                                           await _button(ctx, _("Cancel"), ABORT)]])
    await ctx.set_conversation(FLOW, "preview", data)
