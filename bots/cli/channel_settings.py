"""``alumni channels set SLUG --approval required|none``: a channel's settings, set by the operator.

``--approval required``: an announcement a member sends to that channel from chat waits until
another approver (an administrator, or another ambassador of that country) approves it
(core.announcements.approval). The command line's own ``alumni announce`` is never held.
"""
from __future__ import annotations

import argparse
from typing import Any

from core import audit
from core.app import App
from core.audit import Actor
from core.db.models import APPROVAL_NONE, APPROVAL_REQUIRED
from core.i18n import _
from core.memberships import channel_by_slug

from .common import out, with_app
from .errors import CliError


def add_parsers(channels: Any) -> None:
    """Adds ``set`` under ``alumni channels``."""
    settings = channels.add_parser(
        "set", help=_("change a channel's settings (none given: show them)"),
        description=_("Change a channel's settings. --approval required: an announcement a member sends to it "
                      "waits until another ambassador of its country or an administrator approves it."),
    )
    settings.add_argument("slug", metavar="SLUG", help=_("the channel, e.g. tn or health"))
    settings.add_argument("--approval", choices=(APPROVAL_REQUIRED, APPROVAL_NONE),
                          help=_("whether its announcements need a second approval"))
    settings.set_defaults(handler=set_channel)


def set_channel(args: argparse.Namespace) -> int:
    """Without an option: says the channel's current setting."""
    async def work(app: App) -> str | None:
        async with app.db.transaction() as session:
            channel = await channel_by_slug(session, args.slug.strip().lower())
            if channel is None:
                return None
            if args.approval and args.approval != channel.approval:
                await audit.record(session, Actor.command_line(), audit.CHANNEL_SET, object_kind="channel",
                                   object_id=channel.slug, details={"approval": args.approval, "was": channel.approval})
                channel.approval = args.approval
            return channel.approval

    approval = with_app(work)
    if approval is None:
        raise CliError(_("no channel {slug!r} (see 'alumni channels list --all')").format(slug=args.slug))
    if approval == APPROVAL_REQUIRED:
        out(_("{slug}: announcements sent from chat now wait for a second approval").format(slug=args.slug))
    else:
        out(_("{slug}: announcements go out without a second approval").format(slug=args.slug))
    return 0
