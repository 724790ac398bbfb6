"""``alumni channels list|members``, and the group that ``bindings`` and ``channel_settings`` fill in."""
from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import func, select

from core.app import App
from core.db.models import Channel, ChannelBinding, Identity, Member, Membership
from core.i18n import _, ngettext, pgettext

from . import bindings, channel_settings
from .common import out, with_app
from .errors import CliError


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the ``channels`` group to the ``alumni`` parser."""
    channels = groups.add_parser(
        "channels", help=_("country and thematic channels"), description=_("Country and thematic channels.")
    )
    sub = channels.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    listing = sub.add_parser(
        "list",
        help=_("list the channels"),
        description=_("List the channels with their member counts and bound chats."),
    )
    listing.add_argument("--kind", choices=("country", "theme"), help=_("only country or only thematic channels"))
    listing.add_argument("--all", action="store_true", help=_("also country channels nobody has joined"))
    listing.set_defaults(handler=channels_list)
    members = sub.add_parser(
        "members", help=_("list the members of a channel"), description=_("List the members of a channel.")
    )
    members.add_argument("slug", metavar="SLUG", help=_("the channel, e.g. tn or health"))
    members.set_defaults(handler=channels_members)
    bindings.add_parsers(sub)
    channel_settings.add_parsers(sub)


def channels_list(args: argparse.Namespace) -> int:
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
        kind_label = pgettext("channel kind", "country") if kind == "country" else pgettext("channel kind", "theme")
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
