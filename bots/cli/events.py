"""``alumni events ...``: create, list, show, import, export and cancel events from the command line.

The command line is the installation's operator: it needs no role. Texts go through the
catalogs (``$ALUMNI_LANG``); errors are one line and a non-zero exit code.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from core.audit import Actor
from core.db.models import Association, Channel, Event
from core.db.types import utcnow
from core.events.errors import EventError
from core.events.ical import channel_events_filter, channel_feed, export_event, import_ics
from core.events.render import Counts, counts, counts_text, pick_text
from core.events.service import EventInput, cancel_event, channel_slug_of, create_event, get_event
from core.events.times import end_note, parse_duration
from core.files import write_atomic
from core.i18n import SUPPORTED_LANGUAGES, _, current_language, language_name, language_tag, ngettext
from core.imports import ImportLimitError, ImportLimits
from core.memberships import resolve_channel

from .common import country_option, language_option, settings, time_option, with_app, zone_option
from .errors import CliError


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the ``events`` group to the ``alumni`` parser."""
    events = groups.add_parser("events", help=_("events and their calendars"), description=_("Events and their calendars."))
    sub = events.add_subparsers(dest="action", metavar=_("ACTION"), required=True)

    create = sub.add_parser("create", help=_("create an event"), description=_(
        "Create an event. The start and end are wall-clock times in --timezone."))
    create.add_argument("--title", required=True, metavar=_("TEXT"), help=_("the title, in the --lang language"))
    create.add_argument("--description", metavar=_("TEXT"), default="", help=_("the description, in the --lang language"))
    for code in SUPPORTED_LANGUAGES:
        tag = language_tag(code).lower()  # --title-fr, --title-zh-hans
        create.add_argument(f"--title-{tag}", dest=f"title_{code}", metavar=_("TEXT"), help=_("the title in {language}").format(language=language_name(code, current_language(), in_sentence=True)))
        create.add_argument(f"--description-{tag}", dest=f"description_{code}", metavar=_("TEXT"), help=_("the description in {language}").format(language=language_name(code, current_language(), in_sentence=True)))
    create.add_argument("--start", required=True, metavar='"YYYY-MM-DD HH:MM"', help=_("when it starts (wall-clock time)"))
    create.add_argument("--timezone", required=True, metavar=_("ZONE"), help=_("IANA time zone or a city, e.g. Europe/Paris"))
    length = create.add_mutually_exclusive_group()
    length.add_argument("--end", metavar='"YYYY-MM-DD HH:MM"', help=_("when it ends (wall-clock time)"))
    length.add_argument("--duration", metavar=_("DURATION"), help=_("how long it lasts, e.g. 2h or 90m"))
    create.add_argument("--country", metavar="CC", help=_("the country (code or name)"))
    create.add_argument("--channel", metavar="SLUG", help=_("the channel, e.g. tn or health"))
    create.add_argument("--place", metavar=_("TEXT"), default="", help=_("the address"))
    create.add_argument("--url", metavar="URL", default="", help=_("the online link (http or https)"))
    create.add_argument("--capacity", type=int, metavar="N", help=_("the number of places (default: no limit)"))
    create.add_argument("--association", type=int, metavar="ID", help=_("the organizing association's number"))
    create.add_argument("--lang", metavar="L", help=_("the language of --title and --description (default: the CLI's)"))
    create.set_defaults(handler=events_create)

    listing = sub.add_parser("list", help=_("list upcoming events"), description=_("List upcoming events."))
    listing.add_argument("--channel", metavar="SLUG", help=_("only this channel"))
    listing.add_argument("--country", metavar="CC", help=_("only this country"))
    listing.add_argument("--all", action="store_true", help=_("also past and cancelled events"))
    listing.set_defaults(handler=events_list)

    show = sub.add_parser("show", help=_("show one event"), description=_("Show one event with its answers."))
    show.add_argument("id", metavar="ID", help=_("the event's number"))
    show.set_defaults(handler=events_show)

    imp = sub.add_parser("import", help=_("import events from an iCalendar file"), description=_(
        "Import events from an iCalendar (.ics) file. Known UIDs are updated when the file's SEQUENCE is higher."))
    imp.add_argument("file", metavar=_("FILE"), help=_("the .ics file"))
    imp.add_argument("--channel", metavar="SLUG", help=_("the channel of the imported events"))
    imp.add_argument("--country", metavar="CC", help=_("the country of the imported events"))
    imp.add_argument("--lang", metavar="L", help=_("the language of texts without a LANGUAGE parameter"))
    imp.add_argument("--strict", action="store_true", help=_("import nothing when any event is rejected"))
    imp.set_defaults(handler=events_import)

    export = sub.add_parser("export", help=_("export events as iCalendar"), description=_(
        "Export one event, or a channel's upcoming events, as an iCalendar (.ics) file."))
    export.add_argument("id", nargs="?", metavar="ID", help=_("the event's number"))
    export.add_argument("--channel", metavar="SLUG", help=_("every upcoming event of this channel"))
    export.add_argument("-o", "--output", metavar=_("FILE"), help=_("write to this file instead of standard output"))
    export.set_defaults(handler=events_export)

    cancel = sub.add_parser("cancel", help=_("cancel an event"), description=_(
        "Cancel an event; everyone who answered yes or maybe is told."))
    cancel.add_argument("id", metavar="ID", help=_("the event's number"))
    cancel.set_defaults(handler=events_cancel)


# ---------------------------------------------------------------- helpers


def _run(work: Any) -> Any:
    """``with_app(work)``; an event the core refuses is one line (exit 1)."""
    try:
        return with_app(work)
    except EventError as error:
        raise CliError(error.translated(), 1) from None


def _line(event: Any, slug: str | None) -> str:
    title = pick_text(event)[0]
    cancelled = _("cancelled")
    status = f" [{cancelled}]" if event.status == "cancelled" else ""
    where = " · ".join(p for p in (event.country_code or "", slug or "") if p)
    start = event.starts_local.strftime("%Y-%m-%d %H:%M")
    return f"{event.id:<5} {start} {event.timezone:<20} {where:<12} {title}{status}"


# ---------------------------------------------------------------- commands


def events_create(args: argparse.Namespace) -> int:
    language = language_option(args.lang) or current_language()
    texts: dict[str, dict[str, str]] = {language: {"title": args.title, "description": args.description or ""}}
    for code in SUPPORTED_LANGUAGES:
        title, description = getattr(args, f"title_{code}"), getattr(args, f"description_{code}")
        if title or description:
            entry = texts.setdefault(code, {"title": "", "description": ""})
            entry["title"] = title or entry["title"]
            entry["description"] = description or entry["description"]
    duration = None
    if args.duration:
        try:
            duration = parse_duration(args.duration)
        except EventError as error:
            raise CliError(f"--duration: {error.translated()}", 2) from None
    data = EventInput(
        texts=texts, language=language, starts_local=time_option(args.start, "--start"), timezone=zone_option(args.timezone),
        ends_local=time_option(args.end, "--end") if args.end else None, duration=duration, place=args.place,
        online_url=args.url, country_code=args.country, channel_slug=args.channel, association_id=args.association,
        capacity=args.capacity,
    )

    async def work(app: Any) -> tuple[int, bool, str | None]:
        async with app.db.transaction() as session:
            event, valid = await create_event(session, data, Actor.command_line())
            note = end_note(valid.starts_at, valid.ends_at, valid.data.timezone, by_duration=duration is not None)
            return event.id, valid.ambiguous, note

    event_id, ambiguous, note = _run(work)
    print(_("event {id} created").format(id=event_id))
    if note:  # the clocks change during the event: which end was meant
        print(note, file=sys.stderr)
    if ambiguous:
        print(_("That time happens twice that night, when the clocks go back: I take the first one."), file=sys.stderr)
    return 0


def _channel(session: Any, slug: str | None) -> Any:
    async def find() -> Any:
        if not slug:
            return None
        found = resolve_channel(slug).slug or slug.strip().lower().lstrip("#")  # "Santé", "Tunisie", as /events
        channel = await session.scalar(select(Channel).where(Channel.slug == found))
        if channel is None:
            raise CliError(_("no channel {slug!r} (see 'alumni channels list')").format(slug=slug))
        return channel

    return find()


def events_list(args: argparse.Namespace) -> int:
    country = country_option(args.country)

    async def work(app: Any) -> list[tuple[Any, str | None]]:
        async with app.db.transaction() as session:
            statement = select(Event, Channel.slug).outerjoin(Channel, Channel.id == Event.channel_id)
            channel = await _channel(session, args.channel)
            if channel is not None:
                statement = statement.where(channel_events_filter(channel))
            if country:
                statement = statement.where(Event.country_code == country)
            if not args.all:
                now = utcnow()
                statement = statement.where(Event.status == "scheduled", or_(Event.starts_at > now, Event.ends_at > now))
            return [(e, s) for e, s in await session.execute(statement.order_by(Event.starts_at, Event.id))]

    rows = _run(work)
    if not rows:
        print(_("no events"))
        return 0
    for event, slug in rows:
        print(_line(event, slug))
    return 0


def events_show(args: argparse.Namespace) -> int:
    async def work(app: Any) -> tuple[Any, str | None, Any, str | None]:
        async with app.db.transaction() as session:
            event = await get_event(session, args.id)
            association = await session.get(Association, event.association_id) if event.association_id else None
            numbers = (await counts(session, [event.id])).get(event.id)
            return event, await channel_slug_of(session, event), numbers, association.name if association else None

    event, slug, numbers, association = _run(work)

    print(_line(event, slug))
    for code, entry in (event.texts or {}).items():
        print(f"  [{code}] {entry.get('title', '')}")
        if entry.get("description"):
            for line in entry["description"].splitlines():
                print(f"       {line}")
    end = event.ends_local.strftime("%Y-%m-%d %H:%M") if event.ends_local else "-"
    print("  " + _("start: {start} · end: {end} · {zone}").format(
        start=event.starts_local.strftime("%Y-%m-%d %H:%M"), end=end, zone=event.timezone))
    print("  " + _("UTC: {start}").format(start=event.starts_at.strftime("%Y-%m-%d %H:%M")))
    if event.place:
        print("  " + _("place: {place}").format(place=event.place))
    if event.online_url:
        print("  " + _("link: {url}").format(url=event.online_url))
    if association:
        print("  " + _("organised by: {association}").format(association=association))
    print("  " + counts_text(numbers or Counts(), event.capacity))
    print(f"  UID {event.uid} · SEQUENCE {event.sequence}")
    return 0


def events_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(_("no such file: {path}").format(path=path))
    limits = ImportLimits.of(settings())
    try:
        limits.check_size(path.stat().st_size)  # before reading it into memory
    except ImportLimitError as error:
        raise CliError(str(error)) from None
    content = path.read_bytes()
    country = country_option(args.country)
    language = language_option(args.lang) or current_language()

    async def work(app: Any) -> Any:
        async with app.db.transaction() as session:
            channel = await _channel(session, args.channel)
            return await import_ics(session, content, actor=Actor.command_line(), file_name=path.name, language=language,
                                    country=country, channel=channel.slug if channel else None, strict=args.strict,
                                    limits=limits)

    try:
        report = _run(work)
    except ImportLimitError as error:
        raise CliError(str(error)) from None
    for rejected in report.rejected:
        if rejected.uid:
            line = _("event {number} (UID {uid}): {reason}").format(
                number=rejected.position, uid=rejected.uid, reason=rejected.reason)
        else:
            line = _("event {number}: {reason}").format(number=rejected.position, reason=rejected.reason)
        print(line, file=sys.stderr)
    print(_("{path}: {created} created, {updated} updated, {unchanged} unchanged, {rejected} rejected").format(
        path=path.name, created=report.created, updated=report.updated, unchanged=report.unchanged,
        rejected=len(report.rejected)))
    if report.aborted:
        print(_("nothing was imported (--strict)"), file=sys.stderr)
    return 1 if report.rejected else 0


def events_export(args: argparse.Namespace) -> int:
    if bool(args.id) == bool(args.channel):
        raise CliError(_("give either an event ID or --channel"), 2)

    async def work(app: Any) -> bytes:
        async with app.db.transaction() as session:
            if args.channel:
                return await channel_feed(session, await _channel(session, args.channel))
            return export_event(await get_event(session, args.id))

    content = _run(work)
    if args.output:
        target = Path(args.output)
        try:
            write_atomic(target, content)
        except OSError as error:
            raise CliError(_("cannot write {path}: {reason}").format(path=target, reason=error.strerror)) from None
        count = content.count(b"BEGIN:VEVENT")
        print(ngettext("{count} event exported to {path}", "{count} events exported to {path}", count).format(
            count=count, path=target), file=sys.stderr)
        return 0
    sys.stdout.write(content.decode("utf-8"))
    sys.stdout.flush()
    return 0


def events_cancel(args: argparse.Namespace) -> int:
    async def work(app: Any) -> int:
        async with app.db.transaction() as session:
            event = await get_event(session, args.id)
            await cancel_event(session, event, Actor.command_line())
            return event.id

    event_id = _run(work)
    print(_("event {id} cancelled; everyone who answered yes or maybe will be told").format(id=event_id))
    return 0
