"""``alumni channels bindings|approve ID|unbind ID``: the operator's view of chats bound to channels.

A binding asked in a chat waits (pending) until an approver says yes; the command line is the
installation's administrator, so it may approve or remove any binding. Each approval and
removal is written to the audit trail as the command line's.
"""
from __future__ import annotations

import argparse
from typing import Any

from core import bindings
from core.app import App
from core.audit import Actor
from core.i18n import N_, _

from .common import out, with_app
from .errors import CliError

STATUSES = {bindings.PENDING: N_("awaiting approval"), bindings.APPROVED: N_("approved")}


def add_parsers(channels: Any) -> None:
    """Adds ``bindings``, ``approve`` and ``unbind`` under ``alumni channels``."""
    listing = channels.add_parser(
        "bindings", help=_("list the chats bound to channels"),
        description=_("List the chats bound to channels, those waiting for approval first."),
    )
    listing.add_argument("--pending", action="store_true", help=_("only the bindings waiting for approval"))
    listing.set_defaults(handler=list_bindings)
    approve = channels.add_parser(
        "approve", help=_("approve a binding"),
        description=_("Approve a binding: from now on its chat receives the channel's announcements and "
                      "joining the channel gives access to it."),
    )
    approve.add_argument("binding_id", metavar="ID", type=_number,
                         help=_("the binding's number (see 'alumni channels bindings')"))
    approve.set_defaults(handler=approve_binding)
    unbind = channels.add_parser(
        "unbind", help=_("remove a binding"),
        description=_("Remove a binding, approved or waiting for approval (a request refused)."),
    )
    unbind.add_argument("binding_id", metavar="ID", type=_number,
                        help=_("the binding's number (see 'alumni channels bindings')"))
    unbind.set_defaults(handler=unbind_binding)


def _number(value: str) -> int:
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise argparse.ArgumentTypeError(_("not a binding number: {value!r}").format(value=value))
    return int(value)


def list_bindings(args: argparse.Namespace) -> int:
    async def work(app: App) -> list[tuple[Any, Any]]:
        async with app.db.transaction() as session:
            return await bindings.listing(session, bindings.PENDING if args.pending else None)

    rows = with_app(work)
    if not rows:
        out(_("no chat waits for approval") if args.pending else _("no chat is bound to a channel"))
        return 0
    for binding, channel in rows:
        status = _(STATUSES.get(binding.status, binding.status))
        chat = f"{binding.platform}:{binding.chat_id}" + (f" ({binding.title})" if binding.title else "")
        requested = _("asked by member {id}").format(id=binding.requested_by) if binding.requested_by else "-"
        out(f"{binding.id:<6} {status:<18} {channel.slug:<26} {chat}  {requested}")
    return 0


def _missing(binding_id: int) -> CliError:
    return CliError(_("no binding {id} (see 'alumni channels bindings')").format(id=binding_id))


def approve_binding(args: argparse.Namespace) -> int:
    async def work(app: App) -> tuple[bool, str] | None:
        async with app.db.transaction() as session:
            found = await bindings.find(session, args.binding_id)
            if found is None:
                return None
            binding, channel = found
            return await bindings.approve(session, Actor.command_line(), binding, channel), channel.slug

    done = with_app(work)
    if done is None:
        raise _missing(args.binding_id)
    changed, slug = done
    if changed:
        out(_("binding {id} approved: the chat is bound to {slug}").format(id=args.binding_id, slug=slug))
    else:
        out(_("binding {id} was already approved").format(id=args.binding_id))
    return 0


def unbind_binding(args: argparse.Namespace) -> int:
    async def work(app: App) -> str | None:
        async with app.db.transaction() as session:
            found = await bindings.find(session, args.binding_id)
            if found is None:
                return None
            await bindings.unbind(session, Actor.command_line(), [found])
            return found[1].slug

    slug = with_app(work)
    if slug is None:
        raise _missing(args.binding_id)
    out(_("binding {id} removed: the chat is no longer bound to {slug}").format(id=args.binding_id, slug=slug))
    return 0
