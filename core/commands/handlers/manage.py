"""``editevent`` and ``cancelevent``: changing an event, for its country's ambassadors and administrators.

``editevent 12 start 2027-03-14 19:00`` changes one field at once; ``editevent 12`` offers
the fields as buttons and asks for the value (a short conversation stored in the database).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from core.commands.context import Context
from core.commands.parameters import NUMBER, Param
from core.commands.registry import command
from core.db.models import Event
from core.events import fields
from core.events.errors import EventError
from core.events.render import pick_text
from core.events.service import cancel_event, get_event, input_of, require_rights, update_event
from core.events.times import parse_local_datetime
from core.geo.timezones import match_zone
from core.i18n import N_, _, current_language
from core.i18n.formatting import format_list
from core.i18n.reading import none_words
from core.i18n.region import format_locale
from core.text import fold, isolate

from .event_draft import end_from

FIELDS = ("title", "description", "start", "end", "timezone", "place", "link", "capacity")
NONE_WORDS = ("-", "!skip")  # beside the catalogs' words (none_words): a dash, the skip button


def field_label(name: str) -> str:
    return {
        "title": _("Title"), "description": _("Description"), "start": _("Start"), "end": _("End or duration"),
        "timezone": _("Time zone"), "place": _("Place"), "link": _("Online link"), "capacity": _("Places"),
    }[name]


async def _event_for_manager(ctx: Context, number: str) -> Event | None:
    try:
        found = await get_event(ctx.session, number)
        await require_rights(ctx.session, ctx.member.id, found.country_code, "edit")
        if found.status == "cancelled":
            raise EventError(N_("This event was cancelled; it can no longer be changed."))
    except EventError as error:
        ctx.reply(error.translated())
        return None
    return found


async def apply_change(ctx: Context, event: Event, name: str, value: str) -> None:
    """Change one field, validate the whole event again, store it (SEQUENCE, notices, reminders)."""
    data = await input_of(ctx.session, event)
    language = current_language()
    name, _sep, suffix = name.partition("-")  # "title-ar": the text in another language
    if suffix:
        language = fields.clean_language(suffix)
    empty = value.strip().lower() in NONE_WORDS or fold(value) in none_words()
    if name == "title":
        entry = data.texts.setdefault(language, {"title": "", "description": ""})
        entry["title"] = fields.clean_title(value)
    elif name == "description":
        if language not in data.texts:
            if suffix:
                raise EventError(N_("A description needs a title in the same language."))
            language = data.language
        data.texts[language]["description"] = "" if empty else fields.clean_description(value)
    elif name == "start":
        start = parse_local_datetime(value, format_locale())
        length = (data.ends_local - data.starts_local) if data.ends_local else None
        data.starts_local = start
        data.ends_local = start + length if length else None
    elif name == "end":
        end = None if empty else end_from(data.starts_local, value)
        data.ends_local = end if isinstance(end, datetime) else None
        data.duration = end if isinstance(end, timedelta) else None  # real time, resolved in the event's zone
    elif name == "timezone":
        zone = match_zone(value)
        if zone is None:
            raise EventError(N_("“{value}” is not a time zone I know."), value=value[:60])
        data.timezone = zone
    elif name == "place":
        data.place = "" if empty else fields.clean_place(value)
    elif name == "link":
        data.online_url = "" if empty else fields.clean_url(value if "://" in value or empty else "https://" + value)
    elif name == "capacity":
        data.capacity = None if empty else fields.clean_capacity(value)
    valid = await update_event(ctx.session, event, data, ctx.actor)
    text = _("Event #{id} updated. Everyone who answered yes or maybe will be told.").format(id=event.id)
    if valid.ambiguous:
        text += "\n" + _("That time happens twice that night, when the clocks go back: I take the first one.")
    ctx.reply(text, buttons=[[await ctx.button(_("Details"), "event", str(event.id))]])


@command("editevent", N_("Change an event (ambassadors and administrators)"), params=(NUMBER, Param("change", N_("A field and its new value"), N_("field value"))),
         listed=False, conversational=True)
async def editevent(ctx: Context, args: str) -> None:
    conversation = await ctx.conversation()
    if ctx.answering and conversation is not None and conversation.flow == "editevent":
        data = dict(conversation.data or {})
        found = await _event_for_manager(ctx, str(data.get("id")))
        if found is None:
            await ctx.end_conversation()
            return
        try:
            await apply_change(ctx, found, str(data.get("field")), args)
        except EventError as error:
            ctx.reply(error.translated() + "\n" + _("Send the new value again, or {cancel} to stop.").format(
                cancel=ctx.hint("cancel")))
            return
        await ctx.end_conversation()
        return
    number, _sep, rest = args.partition(" ")
    if not number:
        ctx.reply(_("Which event? Send {example}.").format(example=ctx.hint("editevent", "12")))
        return
    found = await _event_for_manager(ctx, number)
    if found is None:
        return
    name, _sep, value = rest.strip().partition(" ")
    name = name.lower()
    if not name:
        row = [await ctx.button(field_label(f), "editevent", f"{found.id} {f}") for f in FIELDS]
        ctx.reply(_("What would you like to change in event #{id}?").format(id=found.id),
                  buttons=[row[i : i + 2] for i in range(0, len(row), 2)])
        return
    if name.split("-", 1)[0] not in FIELDS or ("-" in name and name.split("-", 1)[0] not in ("title", "description")):
        ctx.reply(_("I can change these: {fields}.").format(fields=format_list(list(FIELDS))))
        return
    if not value.strip():
        await ctx.set_conversation("editevent", "value", {"id": found.id, "field": name})
        ctx.reply(_("Send the new value for “{field}”.").format(field=field_label(name.split("-", 1)[0])))
        return
    try:
        await apply_change(ctx, found, name, value)
    except EventError as error:
        ctx.reply(error.translated())


@command("cancelevent", N_("Cancel an event (ambassadors and administrators)"), params=(NUMBER,), listed=False)
async def cancelevent(ctx: Context, args: str) -> None:
    number, _sep, rest = args.partition(" ")
    if not number:
        ctx.reply(_("Which event? Send {example}.").format(example=ctx.hint("cancelevent", "12")))
        return
    found = await _event_for_manager(ctx, number)
    if found is None:
        return
    title = isolate(pick_text(found)[0])
    if rest.strip() != "!confirm":
        ctx.reply(
            _("Cancel “{title}” (#{id})? Everyone who answered yes or maybe will be told.").format(title=title, id=found.id),
            buttons=[[await ctx.button(_("Yes, cancel the event"), "cancelevent", f"{found.id} !confirm"),
                      await ctx.button(_("No, keep it"), "event", str(found.id))]],
        )
        return
    try:
        await cancel_event(ctx.session, found, ctx.actor)
    except EventError as error:
        ctx.reply(error.translated())
        return
    ctx.reply(_("“{title}” is cancelled. Everyone who answered yes or maybe will be told.").format(title=title), edit=ctx.pressed)
