"""``newevent`` as one form, for platforms with dialogs (``Request.forms``).

The same answers as the chat flow, asked at once and checked field by field with the chat
flow's own functions (``core.events.fields``, ``times``, ``event_draft``), then the whole
event with ``core.events.service.validate``; its errors are shown on the field they concern.
One language is written here; more can be added later with ``editevent``.
"""
from __future__ import annotations

from collections.abc import Callable

from core.commands.context import Context
from core.messages.forms import Choice, FieldErrors, FieldKind, Form, FormField, value_of
from core.events import fields
from core.events.errors import EventError
from core.events.service import validate
from core.events.times import example_text, parse_local_datetime
from core.geo.timezones import default_zone_for_country, match_zone
from core.i18n import N_, _, current_language
from core.i18n.region import format_locale
from core.memberships import channel_title
from core.roles import ambassador_countries

from .event_draft import channel_choices, create_from, event_input, take_channel, texts_of
from .event_draft import take_end as store_end

FORM_ID = "newevent"
# Which field a whole-event error (``validate``) belongs to; any other goes on the start.
_ERROR_FIELDS = {
    N_("The end must come after the start."): "end",
    N_("An event can last at most 31 days."): "end",
    N_("Give a place or an online link (or both)."): "place",
    N_("There is no channel “{value}”."): "channel",
    N_("The channel of one country cannot hold an event in another country."): "channel",
    N_("Give the event's country or channel."): "channel",
    N_("The title cannot be empty."): "title",
    N_("A description needs a title in the same language."): "title",
}


async def _default_zone(ctx: Context) -> str:
    countries = await ambassador_countries(ctx.session, ctx.member.id)
    country = countries[0] if countries else ctx.member.country_code
    return ctx.member.timezone or (default_zone_for_country(country) if country else None) or "UTC"


async def offer(ctx: Context) -> None:
    """Answer ``newevent`` with the form (the caller checked the rights)."""
    choices = tuple(Choice(slug, channel_title(slug)) for slug in await channel_choices(ctx))
    example = example_text()
    form_fields = (
        FormField("title", _("Title"), max_length=fields.MAX_TITLE),
        FormField("description", _("Description"), FieldKind.MULTILINE, required=False, max_length=fields.MAX_DESCRIPTION),
        FormField("start", _("Start"), FieldKind.DATETIME, hint=_("For example {example}.").format(example=example)),
        FormField("end", _("End or duration"), required=False,
                  hint=_("For example {duration} or {clock}.").format(duration="2h", clock="20:30")),
        FormField("zone", _("Time zone"), initial=await _default_zone(ctx), hint=_("A city or a zone, for example {example}.").format(
            example="Africa/Tunis")),
        FormField("place", _("Place"), required=False, max_length=fields.MAX_PLACE,
                  hint=_("An address, or leave empty for an online event.")),
        FormField("link", _("Online link"), required=False, max_length=fields.MAX_URL, hint="https://…"),
        FormField("channel", _("Channel"), FieldKind.SELECT, choices=choices,
                  initial=choices[0].value if len(choices) == 1 else None),
        FormField("capacity", _("Places"), FieldKind.NUMBER, required=False,
                  hint=_("A number, or leave empty if there is no limit.")),
    )
    ctx.reply(form=Form(FORM_ID, _("New event"), _("Create the event"), "newevent", fields=form_fields))


async def submit(ctx: Context) -> None:
    """Check a submitted form; errors per field (nothing stored), or the event is created."""
    values = ctx.request.form_values or {}
    language = current_language()
    data: dict[str, object] = {"language": language, "lang": language, "texts": {}}
    errors = FieldErrors()

    def check(field_id: str, work: Callable[[], None]) -> None:
        try:
            work()
        except EventError as error:
            errors.add(field_id, error.translated())

    def take_title() -> None:
        texts_of(data)[language] = {"title": fields.clean_title(value_of(values, "title")), "description": ""}

    def take_description() -> None:
        entry = texts_of(data).get(language)
        if entry is not None and value_of(values, "description"):
            entry["description"] = fields.clean_description(values["description"])

    def take_start() -> None:
        data["start"] = parse_local_datetime(value_of(values, "start"), format_locale()).isoformat(timespec="minutes")

    def take_end() -> None:
        data["end"] = data["duration"] = None
        if value_of(values, "end") and data.get("start"):
            store_end(data, value_of(values, "end"))

    def take_zone() -> None:
        typed = value_of(values, "zone")
        zone = match_zone(typed) if typed else None
        if zone is None:
            raise EventError(N_("“{value}” is not a time zone I know."), value=typed[:60])
        data["zone"] = zone

    def take_place() -> None:
        place, link = value_of(values, "place"), value_of(values, "link")
        if not place and not link:
            raise EventError(N_("Give a place or an online link (or both)."))
        if place:
            data["place"] = fields.clean_place(place)

    def take_link() -> None:
        link = value_of(values, "link")
        if link:
            if not fields.looks_like_url(link):
                raise EventError(N_("“{value}” is not a link. Send a link starting with https://, or skip."), value=link[:60])
            data["url"] = fields.clean_url(link if "://" in link else "https://" + link)

    def take_capacity() -> None:
        typed = value_of(values, "capacity")
        data["capacity"] = None if typed in ("", "0", "-") else fields.clean_capacity(typed)

    for field_id, work in (("title", take_title), ("description", take_description), ("start", take_start),
                           ("end", take_end), ("zone", take_zone), ("place", take_place), ("link", take_link),
                           ("capacity", take_capacity)):
        check(field_id, work)
    try:
        await take_channel(ctx, data, value_of(values, "channel"))
    except EventError as error:
        errors.add("channel", error.translated())
    if not errors:
        try:
            await validate(ctx.session, event_input(data))
        except EventError as error:
            errors.add(_ERROR_FIELDS.get(error.message, "start"), error.translated())
    if errors:
        ctx.reply(form_errors=errors.errors)
        return
    await create_from(ctx, data)
