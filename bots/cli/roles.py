"""``alumni roles grant|revoke|list``: administrators and ambassadors."""
from __future__ import annotations

import argparse
from typing import Any

from core import roles
from core.app import App
from core.audit import Actor
from core.i18n import _, ngettext

from .common import out, with_app
from .errors import CliError

ROLES = ("ambassador", "administrator")


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the ``roles`` group to the ``alumni`` parser."""
    parser = groups.add_parser(
        "roles", help=_("administrators and ambassadors"), description=_("Grant, revoke and list roles.")
    )
    sub = parser.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    for name, helptext, handler in (
        ("grant", _("grant a role to a chat identity"), roles_grant),
        ("revoke", _("revoke a role from a chat identity"), roles_revoke),
    ):
        change = sub.add_parser(
            name,
            help=helptext,
            description=helptext[:1].upper()
            + helptext[1:]
            + ". "
            + _("The identity need not have talked to the bot yet."),
        )
        change.add_argument("role", choices=ROLES, help=_("ambassador or administrator"))
        change.add_argument(
            "--country",
            metavar="CC",
            help=_("ISO 3166-1 alpha-2 code of the country represented (ambassadors), e.g. TN"),
        )
        change.add_argument(
            "--platform", required=True, choices=roles.PLATFORMS, help=_("the platform of the identity")
        )
        change.add_argument("--user-id", required=True, metavar="ID", help=_("the user id on that platform"))
        change.set_defaults(handler=handler)
    listing = sub.add_parser("list", help=_("list the roles granted"), description=_("List the roles granted."))
    listing.add_argument("--role", choices=ROLES, help=_("only this role"))
    listing.add_argument("--country", metavar="CC", help=_("only this country"))
    listing.set_defaults(handler=roles_list)


def _role_error(error: Exception) -> CliError:
    if isinstance(error, roles.RoleError):
        return CliError(_(error.message).format(**error.params), 2)
    raise error


def roles_grant(args: argparse.Namespace) -> int:

    async def work(app: App) -> tuple[int, bool]:
        async with app.db.transaction() as session:
            member = await roles.find_or_create_member(session, args.platform, args.user_id)
            created = await roles.grant_role(session, member.id, args.role, args.country, actor=Actor.command_line())
            return member.id, created

    try:
        member_id, created = with_app(work)
    except Exception as error:
        raise _role_error(error) from None
    who = f"{args.platform}:{args.user_id.strip()}"
    country = (args.country or "").strip().upper()
    if created:
        message = (
            _("{who} (member {id}) is now an ambassador (country: {country})")
            if args.role == "ambassador"
            else _("{who} (member {id}) is now administrator")
        )
    else:
        message = (
            _("{who} (member {id}) was already an ambassador (country: {country})")
            if args.role == "ambassador"
            else _("{who} (member {id}) was already administrator")
        )
    out(message.format(who=who, id=member_id, country=country))
    return 0


def roles_revoke(args: argparse.Namespace) -> int:

    async def work(app: App) -> int | None:
        async with app.db.transaction() as session:
            member = await roles.find_member(session, args.platform, args.user_id)
            if member is None:
                return None
            return await roles.revoke_role(session, member.id, args.role, args.country, actor=Actor.command_line())

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
