"""The handlers of ``alumni`` sub-commands: ``handler(args) -> exit code``, one ``asyncio.run`` each."""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select

from core.app import App, open_app, prepare_database
from core.config import Settings, SettingsError
from core.files import atomic_writer
from core.i18n import _, match_language, ngettext, use_language
from core.redaction import redact_url

from .errors import CliError

T = TypeVar("T")


def settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise CliError(str(error), 2) from None


def with_app(work: Callable[[App], Awaitable[T]]) -> T:
    """Open the core (SQLite: created and migrated on first use), run ``work``, close."""

    async def runner() -> T:
        app = await open_app(settings())
        try:
            return await work(app)
        finally:
            await app.close()

    return asyncio.run(runner())


def out(line: str = "") -> None:
    print(line)


def err(line: str) -> None:
    print(line, file=sys.stderr)


# ---------------------------------------------------------------- db


def db_upgrade(args: argparse.Namespace) -> int:
    from core.db.migrate import current_revision

    url = settings().database_url
    asyncio.run(prepare_database(url))
    revision = current_revision(url) or _("(none)")
    out(_("database {url} is at revision {revision}").format(url=redact_url(url), revision=revision))
    return 0


# ---------------------------------------------------------------- directory


def sample_directory_path() -> Path:
    import core.directory

    return Path(core.directory.__file__).resolve().parent / "data" / "sample_directory.csv"


def directory_import(args: argparse.Namespace) -> int:
    from core.audit import Actor
    from core.directory.importer import DirectoryFileError, import_file
    from core.imports import ImportLimitError, ImportLimits

    if args.sample or (args.file == "sample" and not Path("sample").exists()):
        if args.file and args.file != "sample":
            raise CliError(_("give either a FILE or --sample, not both"), 2)
        path = sample_directory_path()
    elif args.file:
        path = Path(args.file)
    else:
        raise CliError(_("give the FILE to import (or --sample)"), 2)
    if not path.is_file():
        raise CliError(_("no such file: {path}").format(path=path))

    async def work(app: App) -> Any:
        return await import_file(app.db, path, actor=Actor.command_line(), strict=args.strict,
                                 limits=ImportLimits.of(app.settings))

    try:
        report = with_app(work)
    except (DirectoryFileError, ImportLimitError) as error:  # unreadable or too large: the importer says why
        raise CliError(str(error)) from None
    for row in report.rejected:
        err(_("line {line}: {reason}").format(line=row.line, reason=row.reason))
    out(
        _("{path}: {created} created, {updated} updated, {unchanged} unchanged, {rejected} rejected").format(
            path=path.name,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=len(report.rejected),
        )
    )
    if report.rejected and (args.strict or getattr(report, "aborted", False)):
        err(_("nothing was imported (--strict)"))
    return 1 if report.rejected else 0


def _language_option(value: str | None) -> str | None:
    if not value:
        return None
    language = match_language(value)
    if language is None:
        raise CliError(_("unsupported language {value!r}: use en, fr, es, ar, pt or de").format(value=value), 2)
    return language


def _country_option(value: str | None) -> str | None:
    if not value:
        return None
    from core.geo.countries import match_country

    found = match_country(value)
    if found is None or (not found.exact and found.score < 90):
        raise CliError(_("unknown country {value!r}").format(value=value), 2)
    return found.code


def directory_search(args: argparse.Namespace) -> int:
    from core.directory.search import DirectorySearch
    from core.geo.countries import country_name

    language = _language_option(args.lang)
    country = _country_option(args.country)
    theme = args.theme.strip().lower() if args.theme else None
    if theme:
        from core.channels import is_theme

        if not is_theme(theme):
            raise CliError(_("unknown theme {value!r}").format(value=args.theme), 2)
    if args.limit < 1:
        raise CliError(_("--limit must be at least 1"), 2)
    query = " ".join(args.query)

    async def work(app: App) -> Any:
        return await DirectorySearch(app.db).search(query, country=country, theme=theme, limit=args.limit)

    results = with_app(work)
    with use_language(language) if language else nullcontext():
        total = results.total
        out(
            ngettext("{count} association found", "{count} associations found", total).format(count=total)
        )
        for number, hit in enumerate(results.hits, start=1):
            place = ", ".join(p for p in (hit.city, country_name(hit.country_code) if hit.country_code else "") if p)
            out(f"{number}. {hit.name}" + (f" — {place}" if place else ""))
            contact = " · ".join(p for p in (hit.website, hit.email) if p)
            if contact:
                out(f"   {contact}")
            if hit.contact is not None:  # a contact person only with their consent, as on the cards
                out("   " + _("contact person: {contact}").format(contact=hit.contact.line()))
            details = []
            if hit.languages:
                details.append(_("languages: {list}").format(list=", ".join(hit.languages)))
            if hit.themes:
                details.append(_("themes: {list}").format(list=", ".join(hit.themes)))
            if details:
                out("   " + " · ".join(details))
        if total > len(results.hits):
            out(_("… and {count} more (use --limit)").format(count=total - len(results.hits)))
    return 0


def directory_export(args: argparse.Namespace) -> int:
    from core.directory.exporter import export_csv

    if args.output:
        target = Path(args.output)
        with ExitStack() as files:  # written beside the target, renamed over it once complete
            try:
                handle = files.enter_context(atomic_writer(target, newline=""))
            except OSError as error:
                raise CliError(_("cannot write {path}: {reason}").format(path=target, reason=error.strerror)) from None
            count = with_app(lambda app: export_csv(app.db, handle))
        err(ngettext("{count} association exported to {path}", "{count} associations exported to {path}", count).format(
            count=count, path=target
        ))
        return 0
    with_app(lambda app: export_csv(app.db, sys.stdout))
    sys.stdout.flush()
    return 0


# ---------------------------------------------------------------- chat


def chat(args: argparse.Namespace) -> int:
    from bots.console import run_console

    async def work(app: App) -> int:
        return await run_console(app, user=args.user, locale=args.lang)

    return with_app(work)


# ---------------------------------------------------------------- roles


def _role_error(error: Exception) -> CliError:
    from core.roles import RoleError

    if isinstance(error, RoleError):
        return CliError(_(error.message).format(**error.params), 2)
    raise error


def roles_grant(args: argparse.Namespace) -> int:
    from core import audit, roles

    async def work(app: App) -> tuple[int, bool]:
        async with app.db.transaction() as session:
            member = await roles.find_or_create_member(session, args.platform, args.user_id)
            created = await roles.grant_role(session, member.id, args.role, args.country, actor=audit.Actor.command_line())
            return member.id, created

    try:
        member_id, created = with_app(work)
    except Exception as error:
        raise _role_error(error) from None
    who = f"{args.platform}:{args.user_id.strip()}"
    country = (args.country or "").strip().upper()
    if created:
        message = (
            _("{who} (member {id}) is now ambassador for {country}")
            if args.role == "ambassador"
            else _("{who} (member {id}) is now administrator")
        )
    else:
        message = (
            _("{who} (member {id}) was already ambassador for {country}")
            if args.role == "ambassador"
            else _("{who} (member {id}) was already administrator")
        )
    out(message.format(who=who, id=member_id, country=country))
    return 0


def roles_revoke(args: argparse.Namespace) -> int:
    from core import audit, roles

    async def work(app: App) -> int | None:
        async with app.db.transaction() as session:
            member = await roles.find_member(session, args.platform, args.user_id)
            if member is None:
                return None
            return await roles.revoke_role(session, member.id, args.role, args.country, actor=audit.Actor.command_line())

    try:
        removed = with_app(work)
    except Exception as error:
        raise _role_error(error) from None
    who = f"{args.platform}:{args.user_id.strip()}"
    if not removed:
        raise CliError(_("{who} has no {role} role to revoke").format(who=who, role=args.role))
    out(
        ngettext("{who}: {count} {role} grant revoked", "{who}: {count} {role} grants revoked", removed).format(
            who=who, count=removed, role=args.role
        )
    )
    return 0


def roles_list(args: argparse.Namespace) -> int:
    from core import roles

    async def work(app: App) -> list[Any]:
        async with app.db.transaction() as session:
            return await roles.list_roles(session, args.role, args.country)

    try:
        entries = with_app(work)
    except Exception as error:
        raise _role_error(error) from None
    if not entries:
        out(_("no roles granted"))
        return 0
    for entry in entries:
        identities = ", ".join(f"{p}:{u}" for p, u in entry.identities) or "-"
        role = entry.role + (f" {entry.country_code}" if entry.country_code else "")
        label = _("member")
        out(f"{role:<16} {label} {entry.member_id:<6} {identities}")
    return 0


# ---------------------------------------------------------------- channels


def channels_list(args: argparse.Namespace) -> int:
    from core.db.models import Channel, ChannelBinding, Membership

    async def work(app: App) -> tuple[list[Any], dict[int, list[str]]]:
        async with app.db.transaction() as session:
            counts = (
                select(Membership.channel_id, func.count().label("members"))
                .group_by(Membership.channel_id)
                .subquery()
            )
            statement = (
                select(Channel.id, Channel.slug, Channel.kind, func.coalesce(counts.c.members, 0))
                .outerjoin(counts, counts.c.channel_id == Channel.id)
                .order_by(Channel.kind.desc(), Channel.slug)
            )
            if args.kind:
                statement = statement.where(Channel.kind == args.kind)
            rows = list(await session.execute(statement))
            bindings: dict[int, list[str]] = {}
            for binding in await session.scalars(select(ChannelBinding).order_by(ChannelBinding.platform)):
                label = f"{binding.platform}:{binding.chat_id}" + (f" ({binding.title})" if binding.title else "")
                bindings.setdefault(binding.channel_id, []).append(label)
            return rows, bindings

    rows, bindings = with_app(work)
    shown = 0
    hidden = 0
    for channel_id, slug, kind, members in rows:
        bound = bindings.get(channel_id, [])
        # ~250 country channels exist; list the ones in use unless asked for all of them.
        if kind == "country" and not (args.all or args.kind == "country" or members or bound):
            hidden += 1
            continue
        kind_label = _("country") if kind == "country" else _("theme")
        members_label = ngettext("{count} member", "{count} members", members).format(count=members)
        out(f"{slug:<26} {kind_label:<8} {members_label:<12} {', '.join(bound) or '-'}")
        shown += 1
    if hidden:
        out(
            ngettext(
                "({count} country channel without members not shown: --all or --kind country)",
                "({count} country channels without members not shown: --all or --kind country)",
                hidden,
            ).format(count=hidden)
        )
    return 0


def channels_members(args: argparse.Namespace) -> int:
    from core.db.models import Channel, Identity, Member, Membership

    slug = args.slug.strip().lower()

    async def work(app: App) -> list[Any] | None:
        async with app.db.transaction() as session:
            channel = await session.scalar(select(Channel).where(Channel.slug == slug))
            if channel is None:
                return None
            rows = await session.execute(
                select(Member, Membership.joined_at)
                .join(Membership, Membership.member_id == Member.id)
                .where(Membership.channel_id == channel.id)
                .order_by(Membership.joined_at, Member.id)
            )
            members = list(rows)
            identities: dict[int, list[str]] = {}
            if members:
                for member_id, platform, user_id in await session.execute(
                    select(Identity.member_id, Identity.platform, Identity.user_id).where(
                        Identity.member_id.in_([m.id for m, _ in members])
                    )
                ):
                    identities.setdefault(member_id, []).append(f"{platform}:{user_id}")
            return [(m, joined, identities.get(m.id, [])) for m, joined in members]

    members = with_app(work)
    if members is None:
        raise CliError(_("no channel {slug!r} (see 'alumni channels list')").format(slug=slug))
    if not members:
        out(_("no members in {slug}").format(slug=slug))
        return 0
    for member, joined, identities in members:
        details = " ".join(
            p for p in (member.language or "-", member.country_code or "-", joined.strftime("%Y-%m-%d")) if p
        )
        label = _("member")
        out(f"{label} {member.id:<6} {details}  {', '.join(identities) or '-'}")
    return 0
