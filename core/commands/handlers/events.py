"""``events``, ``event``, ``rsvp`` and ``reminders``: what members see of events."""
from __future__ import annotations

from sqlalchemy import func, select

from core.commands.context import Context
from core.commands.parameters import ANSWER, EVENT, Param, Suggest
from core.commands.registry import command
from core.commands.syntax import split_page
from core.messages.types import Button, Card, Field, FileAttachment, Link, Pager
from core.db.models import Association, Channel, Event, Rsvp
from core.db.types import utcnow
from core.events import ical_export
from core.events.errors import EventError
from core.events.listing import RSVP_CHOICES, answers_of, channel_events_filter, member_scope, upcoming
from core.events.reminders import REMINDER_PRESETS, describe_offsets, offsets_of, parse_offsets, replan_member_everywhere
from core.events.render import Counts, counts, counts_text, organiser_clock, pick_text, when
from core.events.rsvp import answer as record_answer
from core.events.rsvp import parse_answer, waiting_position
from core.events.service import get_event, may_manage
from core.i18n import N_, _, ngettext
from core.i18n.formatting import numbered
from core.i18n.sentences import join_sentences
from core.memberships import channel_by_slug, channel_title, resolve_channel
from core.text import clip, isolate

from .prompts import example_country

PAGE_SIZE = 5
MAX_CARD_DESCRIPTION = 200
_EMPTY = Counts()


def error_reply(ctx: Context, error: EventError) -> None:
    ctx.reply(error.translated())


def reader_zone(ctx: Context, event: Event) -> str:
    return ctx.member.timezone or event.timezone


async def rsvp_buttons(ctx: Context, event: Event, mine: str | None) -> list[Button]:
    return [
        await ctx.button(_(label), "rsvp", f"{event.id} {value}", selected=mine == value)  # each adapter marks the selected one
        for value, label in RSVP_CHOICES
    ]


async def _my_answers(ctx: Context, event_ids: list[int]) -> dict[int, Rsvp]:
    return await answers_of(ctx.session, ctx.member.id, event_ids)


# ---------------------------------------------------------------- events


@command("events", N_("Upcoming events of your country and channels, or of one channel"), params=(Param("channel", N_("A country or a topic, in any language"), N_("channel or country"),
                suggest=Suggest.CHANNEL),))
async def events(ctx: Context, args: str) -> None:
    page, query = split_page(args)
    feed = query == "ics" or query.endswith(" ics")
    if feed:
        query = query[:-3].strip()
    channel: Channel | None = None
    if query:
        lookup = resolve_channel(query)
        channel = await channel_by_slug(ctx.session, lookup.slug) if lookup.slug else None
        if channel is None:
            buttons = [[await ctx.button(channel_title(s), "events", s)] for s in lookup.suggestions]
            ctx.reply(
                _("There is no channel “{value}”. Send {channels} to see them all.").format(
                    value=isolate(query), channels=ctx.hint("channels")
                ),
                buttons=buttons,
            )
            return
        if feed:
            content = await ical_export.channel_feed(ctx.session, channel)
            ctx.reply(
                _("Calendar of the {channel} channel: open this file to add its events to your calendar.").format(
                    channel=channel_title(channel.slug)
                ),
                file=FileAttachment(f"{channel.slug}-events.ics", content, "text/calendar"),
            )
            return
        where = channel_events_filter(channel)
    else:
        scope = await member_scope(ctx.session, ctx.member)
        if scope is None:
            ctx.reply(
                _("Tell me your country with {country} or join a channel, or name one: {example}.").format(
                    country=ctx.hint("country"), example=ctx.hint("events", example_country(ctx))
                )
            )
            return
        where = scope
    statement = select(Event).where(where, upcoming())
    total = int(await ctx.session.scalar(select(func.count()).select_from(statement.subquery())) or 0)
    name = channel_title(channel.slug) if channel else None
    if total == 0:
        if name:
            ctx.reply(_("No upcoming event in the {channel} channel.").format(channel=name))
        else:
            ctx.reply(
                _("No upcoming event in your country or your channels. Other channels may have some: {hint}.").format(hint=ctx.hint("channels"))
            )
        return
    pages = -(-total // PAGE_SIZE)
    page = min(page, pages)
    found = list(
        await ctx.session.scalars(statement.order_by(Event.starts_at, Event.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    )
    numbers = await counts(ctx.session, [e.id for e in found])
    mine = await _my_answers(ctx, [e.id for e in found])
    cards = []
    for event in found:
        title, description = pick_text(event)
        description = clip(description, MAX_CARD_DESCRIPTION)
        card_fields = [Field(_("When"), when(event, reader_zone(ctx, event)))]
        if event.place:
            card_fields.append(Field(_("Where"), event.place))
        if event.online_url:
            card_fields.append(Field(_("Online"), event.online_url))
        card_fields.append(Field(_("Answers"), counts_text(numbers.get(event.id, _EMPTY), event.capacity)))
        answer = mine.get(event.id)
        buttons = await rsvp_buttons(ctx, event, answer.answer if answer else None)
        buttons.append(await ctx.button(_("Details"), "event", str(event.id)))
        cards.append(
            # The online link is the "Online" field only: a card url too would show it twice.
            Card(title=numbered(title, event.id), fields=tuple(card_fields), body=description or None,
                 buttons=tuple(buttons))
        )
    if name:
        text = ngettext("{count} upcoming event in the {channel} channel.", "{count} upcoming events in the {channel} channel.", total).format(
            count=total, channel=name
        )
    else:
        text = ngettext(
            "{count} upcoming event in your country and channels.", "{count} upcoming events in your country and channels.", total
        ).format(count=total)
    query_args = query
    previous = await ctx.button("◀", "events", f"#{page - 1} {query_args}".strip()) if page > 1 else None
    following = await ctx.button("▶", "events", f"#{page + 1} {query_args}".strip()) if page < pages else None
    buttons = [[await ctx.button(_("Add them all to my calendar"), "events", f"{channel.slug} ics")]] if channel else []
    ctx.reply(
        text, cards=cards, buttons=buttons,
        pager=Pager(page, pages, previous, following) if pages > 1 else None, edit=ctx.pressed and page > 1,
    )




# ---------------------------------------------------------------- event


@command("event", N_("Show an event: details, answers, add to your calendar"), params=(EVENT,))
async def event(ctx: Context, args: str) -> None:
    number, _sep, rest = args.partition(" ")
    if not number:
        ctx.reply(_("Which event? Send {example}, or {events} to list them.").format(
            example=ctx.hint("event", "12"), events=ctx.hint("events")))
        return
    try:
        found = await get_event(ctx.session, number)
    except EventError as error:
        error_reply(ctx, error)
        return
    if rest.strip() == "ics":
        ctx.reply(
            _("Open this file to add the event to your calendar."),
            file=FileAttachment(ical_export.ics_filename(found), ical_export.export_event(found), "text/calendar"),
        )
        return
    await show_event(ctx, found)


async def show_event(ctx: Context, found: Event) -> None:
    title, description = pick_text(found)
    zone = reader_zone(ctx, found)
    lines = []
    if found.status == "cancelled":
        lines.append(_("This event was cancelled."))
    if description:
        lines += [description, ""]
    lines.append(_("When: {when}").format(when=when(found, zone)))
    local = organiser_clock(found, zone)
    if local:
        lines.append(local)  # already says "local time (city)": no brackets around brackets
    if found.place:
        lines.append(_("Where: {place}").format(place=isolate(found.place)))
    if found.association_id:
        association = await ctx.session.get(Association, found.association_id)
        if association is not None:
            lines.append(_("Organised by: {association}").format(association=isolate(association.name)))
    numbers = (await counts(ctx.session, [found.id])).get(found.id, _EMPTY)
    lines.append(counts_text(numbers, found.capacity))
    mine = await ctx.session.get(Rsvp, (found.id, ctx.member.id))
    if mine is not None:
        if mine.waitlisted:
            lines.append(_("You are number {position} on the waiting list.").format(
                position=await waiting_position(ctx.session, mine)))
        else:
            lines.append({"yes": _("Your answer: going."), "maybe": _("Your answer: maybe."), "no": _("Your answer: not going.")}[mine.answer])
    buttons: list[list[Button]] = []
    if found.status == "scheduled" and found.starts_at > utcnow():
        buttons.append(await rsvp_buttons(ctx, found, mine.answer if mine else None))
    buttons.append([await ctx.button(_("Add to my calendar"), "event", f"{found.id} ics")])
    if found.status == "scheduled" and await may_manage(ctx.session, ctx.member.id, found.country_code):
        buttons.append([await ctx.button(_("Edit"), "editevent", str(found.id)),
                        await ctx.button(_("Cancel the event"), "cancelevent", str(found.id))])
    links = [Link(_("Join online"), found.online_url)] if found.online_url else []  # the link's one presentation
    ctx.reply("\n".join(lines), title=numbered(title, found.id), buttons=buttons, links=links)


# ---------------------------------------------------------------- rsvp


@command("rsvp", N_("Answer an event: yes, maybe or no"), params=(EVENT, ANSWER))
async def rsvp(ctx: Context, args: str) -> None:
    number, _sep, value = args.partition(" ")
    choice = parse_answer(value) if value else None
    if not number or choice is None:
        typed = number if number.isascii() and number.isdigit() and len(number) <= 9 else "12"  # the number typed, if any
        ctx.reply(_("Answer like this: {example} (yes, maybe or no).").format(example=ctx.hint("rsvp", f"{typed} yes")))
        return
    try:
        found = await get_event(ctx.session, number)
        result = await record_answer(ctx.session, found.id, ctx.member.id, choice)
    except EventError as error:
        error_reply(ctx, error)
        return
    title = isolate(pick_text(found)[0])
    if result.waitlisted:
        text = _("“{title}” is full: you are number {position} on the waiting list. I will tell you when a place frees up.").format(
            title=title, position=result.position)
    elif choice == "yes":
        text = _("You are going to “{title}”.").format(title=title)
    elif choice == "maybe":
        text = _("Noted: maybe for “{title}”.").format(title=title)
    else:
        text = _("Noted: you are not going to “{title}”.").format(title=title)
    if choice != "no" and not result.waitlisted:
        text += "\n" + join_sentences(describe_offsets(offsets_of(ctx.member)), _("To change this, send {hint}.").format(
            hint=ctx.hint("reminders", "1d 1h")))
    ctx.reply(text, buttons=[[await ctx.button(_("Details"), "event", str(found.id))]])


# ---------------------------------------------------------------- reminders


@command("reminders", N_("When I remind you of events you answered (e.g. 1d 1h), or off"), params=(Param("offsets", N_("For example 1d 1h (days, hours, minutes), or off"),
                N_("offsets or off"), suggest=Suggest.REMINDERS),))
async def reminders(ctx: Context, args: str) -> None:
    if not args:
        presets = [(_(label) if value == "off" else label, value) for label, value in REMINDER_PRESETS]
        ctx.reply(
            describe_offsets(offsets_of(ctx.member)) + "\n"
            + _("To change it, send for example {example} (m for minutes, h for hours, d for days) or {off}.").format(
                example=ctx.hint("reminders", "1d 1h"), off=ctx.hint("reminders", "off")),
            buttons=[[await ctx.button(label, "reminders", value) for label, value in presets]],
        )
        return
    try:
        offsets = parse_offsets(args)
    except EventError as error:
        error_reply(ctx, error)
        return
    ctx.member.reminder_offsets = offsets
    await ctx.session.flush()
    await replan_member_everywhere(ctx.session, ctx.member.id)
    ctx.reply(_("Done. {settings}").format(settings=describe_offsets(offsets)), edit=ctx.pressed)
