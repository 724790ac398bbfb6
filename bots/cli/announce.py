"""``alumni announce ...``: broadcast to a channel from the command line.

``alumni announce --channel tn --text-fr ... --text-en ...`` plans the announcement into the
outbox (running bots deliver it); ``alumni announce status ID`` tells how it is going;
``alumni announce cancel ID`` stops it (before it goes out, or what is still queued);
``alumni announce approve ID`` approves one a channel holds for a second approval. The
command line is the installation's administrator, so every channel is allowed and its own
announcements are never held.
"""
from __future__ import annotations

import argparse
from typing import Any

from core.announcements import approval
from core.announcements.approval import Decision
from core.announcements.cancel import Outcome, cancel_announcement
from core.announcements.planning import count_recipients, create_announcement, progress
from core.announcements.schedule import parse_send_at
from core.announcements.texts import TextError
from core.audit import Actor
from core.db.models import Announcement, Channel
from core.i18n import LANGUAGE_CHOICES, N_, SUPPORTED_LANGUAGES, _, current_language, language_name, language_tag, match_language, ngettext
from core.i18n.formatting import format_datetime
from core.memberships import channel_by_slug, channel_title, resolve_channel

from .common import machine_zone, out, with_app, zone_option
from .errors import CliError

STATES = {
    "scheduled": N_("scheduled"), "planned": N_("planned"), "reported": N_("reported"),
    "refused": N_("refused: the sender lost the right to announce there"),
    "awaiting": N_("awaiting approval: nothing is sent until another approver approves it"),
}
ACTIONS = ("status", "cancel", "approve")


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the ``announce`` command to the ``alumni`` parser."""
    parser = groups.add_parser(
        "announce",
        help=_("broadcast an announcement to a channel"),
        description=_(
            "Broadcast an announcement to a channel's members on every platform (and its bound chats). "
            "Each member gets the text in their language, else in the fallback order. "
            "The running bots deliver it. 'status ID' shows how an announcement is going; "
            "'cancel ID' stops it: before it goes out, or what is still queued of it."
        ),
    )
    parser.add_argument(
        "action", nargs="*", metavar="status|cancel|approve ID",
        help=_("show the delivery counts of an announcement, cancel it, or approve one awaiting approval"),
    )
    parser.add_argument("--channel", metavar="SLUG", help=_("the channel, e.g. tn or health"))
    reader = current_language()
    for code in SUPPORTED_LANGUAGES:
        parser.add_argument(
            f"--text-{language_tag(code).lower()}",  # --text-fr, --text-zh-hans
            action=_TextGiven,
            const=code,
            dest="texts_given",
            metavar=_("TEXT"),
            help=_("the text in {language}").format(language=language_name(code, reader, in_sentence=True)),
        )
    parser.add_argument(
        "--text",
        action=_TextGiven,
        dest="texts_given",
        metavar="LANG=TEXT",
        help=_("the text in another way: language code, '=', text (repeatable)"),
    )
    parser.add_argument(
        "--fallback",
        metavar="fr,en",
        help=_("languages for readers whose language has no text, in order (default: the order given)"),
    )
    parser.add_argument("--at", metavar=_("'YYYY-MM-DD HH:MM'"), help=_("send later, at this local date and time"))
    parser.add_argument("--timezone", metavar=_("ZONE"), help=_("time zone of --at, e.g. Africa/Tunis or a city (default: this machine's, $TZ)"))
    parser.add_argument("--from", dest="sender", metavar=_("NAME"), help=_("the sender's name shown to readers"))
    parser.set_defaults(handler=run, texts_given=None)


class _TextGiven(argparse.Action):
    """Keeps the texts in the order they were typed: that order is the default fallback."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: Any,
                 option_string: str | None = None) -> None:
        given = list(getattr(namespace, self.dest, None) or [])
        given.append((self.const, value))
        setattr(namespace, self.dest, given)


def run(args: argparse.Namespace) -> int:
    if args.action:
        number = args.action[1] if len(args.action) == 2 else ""
        if len(args.action) == 1 and args.action[0] in ACTIONS:
            raise CliError(
                _("'{action}' needs the announcement's number: alumni announce {action} ID").format(action=args.action[0]), 2
            )
        if args.action[0] not in ACTIONS or not (number.isascii() and number.isdigit() and len(number) <= 9):
            raise CliError(
                _("unknown action {value!r}: use 'status ID', 'cancel ID' or 'approve ID'").format(value=" ".join(args.action)), 2
            )
        identifier = int(args.action[1])
        return {"status": status, "cancel": cancel, "approve": approve}[args.action[0]](identifier)
    return plan(args)


def _texts(args: argparse.Namespace) -> dict[str, str]:
    texts: dict[str, str] = {}
    for code, item in args.texts_given or []:
        if code is not None:
            texts[code] = item
            continue
        name, separator, value = item.partition("=")
        language = match_language(name) if separator else None
        if language is None:
            raise CliError(_("--text needs LANG=TEXT with a supported language, got {value!r}").format(value=item[:40]), 2)
        texts[language] = value
    if not texts:
        raise CliError(_("give the text: --text-fr TEXT, --text-en TEXT, ... or --text LANG=TEXT"), 2)
    return texts


def _fallback(value: str | None) -> list[str] | None:
    if not value:
        return None
    order = []
    for part in value.split(","):
        language = match_language(part)
        if language is None:
            raise CliError(_("unsupported language {value!r}: use {languages}").format(value=part.strip(), languages=LANGUAGE_CHOICES), 2)
        order.append(language)
    return order


def plan(args: argparse.Namespace) -> int:
    if not args.channel:
        raise CliError(_("give the channel: --channel SLUG, e.g. --channel tn"), 2)
    texts = _texts(args)
    fallback = _fallback(args.fallback)
    if args.timezone and not args.at:
        raise CliError(_("--timezone goes with --at"), 2)
    zone = zone_option(args.timezone) if args.timezone else machine_zone()
    try:
        send_at = parse_send_at(args.at, zone) if args.at else None
    except TextError as error:
        raise CliError(error.localized(), 2) from None
    slug = resolve_channel(args.channel).slug

    async def work(app: Any) -> tuple[int, str, int, Any]:
        async with app.db.transaction() as session:
            channel = await channel_by_slug(session, slug) if slug else None
            if channel is None:
                raise CliError(_("no channel {value!r}").format(value=args.channel), 2)
            announcement = await create_announcement(
                session, channel, texts, fallback=fallback, sender_name=args.sender or "", send_at=send_at,
                actor=Actor.command_line(),
            )
            count = await count_recipients(session, channel.id)
            return announcement.id, announcement.status, count, announcement.send_at

    try:
        identifier, state, count, when = with_app(work)
    except TextError as error:
        raise CliError(error.localized(), 2) from None
    if state == "scheduled":
        out(
            ngettext(
                "announcement {id} to the {channel} channel: scheduled for {time} ({zone}), {count} recipient now",
                "announcement {id} to the {channel} channel: scheduled for {time} ({zone}), {count} recipients now",
                count,
            ).format(id=identifier, channel=channel_title(slug or ""), time=format_datetime(when, zone), zone=zone,
                     count=count)
        )
    else:
        out(
            ngettext(
                "announcement {id} to the {channel} channel: planned for {count} recipient; running bots deliver it",
                "announcement {id} to the {channel} channel: planned for {count} recipients; running bots deliver it",
                count,
            ).format(id=identifier, channel=channel_title(slug or ""), count=count)
        )
    return 0


def status(identifier: int) -> int:
    async def work(app: Any) -> tuple[str, str, bool, dict[str, int]] | None:
        async with app.db.transaction() as session:
            announcement = await session.get(Announcement, identifier)
            if announcement is None:
                return None
            channel = await session.get(Channel, announcement.channel_id)
            counts = await progress(session, identifier)
            return (channel.slug if channel else "?"), announcement.status, announcement.cancelled_at is not None, counts

    found = with_app(work)
    if found is None:
        raise CliError(_("no announcement {id}").format(id=identifier))
    slug, state, cancelled, counts = found
    if cancelled:
        out(
            _("announcement {id} to the {channel} channel (cancelled): {sent} sent before the stop, {stopped} stopped, "
              "{failed} failed, {unreachable} unreachable, {pending} being sent").format(
                id=identifier, channel=channel_title(slug), stopped=counts["cancelled"] + counts["skipped"], **counts
            )
        )
        return 0
    out(
        _("announcement {id} to the {channel} channel ({status}): {sent} sent, {failed} failed, {unreachable} unreachable, "
          "{pending} pending").format(
            id=identifier, channel=channel_title(slug), status=_(STATES.get(state, state)), **counts
        )
    )
    return 0


def approve(identifier: int) -> int:
    """An announcement held for a second approval, approved by the operator (an administrator)."""
    async def work(app: Any) -> tuple[Decision, str] | None:
        async with app.db.transaction() as session:
            found = await approval.find(session, identifier, "")
            if found is None:
                return None
            announcement, channel = found
            return await approval.approve(session, Actor.command_line(), announcement, channel), channel.slug

    done = with_app(work)
    if done is None:
        raise CliError(_("no announcement {id}").format(id=identifier))
    decision, slug = done
    if decision is Decision.SETTLED:
        raise CliError(_("announcement {id} does not wait for approval").format(id=identifier))
    if decision is Decision.SENDER_LOST_RIGHT:
        raise CliError(_("announcement {id}: approved, but not sent: its sender no longer has the right to announce "
                         "to the {channel} channel").format(id=identifier, channel=channel_title(slug)))
    out(_("announcement {id} to the {channel} channel: approved").format(id=identifier, channel=channel_title(slug)))
    return 0


def cancel(identifier: int) -> int:
    async def work(app: Any) -> tuple[Any, str]:
        async with app.db.transaction() as session:
            done = await cancel_announcement(session, identifier, Actor.command_line())
            channel = await session.get(Channel, done.channel_id) if done.channel_id is not None else None
            return done, (channel.slug if channel else "?")

    done, slug = with_app(work)
    if done.outcome is Outcome.UNKNOWN:
        raise CliError(_("no announcement {id}").format(id=identifier))
    if done.outcome is Outcome.ALREADY:
        raise CliError(_("announcement {id} is already cancelled").format(id=identifier))
    if done.outcome is Outcome.OVER:
        raise CliError(_("announcement {id} is over: nothing left to cancel").format(id=identifier))
    channel = channel_title(slug)
    if done.before_planning:
        out(_("announcement {id} to the {channel} channel: cancelled before it went out").format(id=identifier, channel=channel))
        return 0
    counts = done.counts
    out(
        _("announcement {id} to the {channel} channel: cancelled; {sent} sent before the stop, {stopped} stopped, "
          "{pending} on their way ('status {id}' gives the final counts)").format(
            id=identifier, channel=channel, sent=counts["sent"], stopped=counts["cancelled"] + counts["skipped"],
            pending=counts["pending"],
        )
    )
    return 0
