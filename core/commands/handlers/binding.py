"""``binding approve|unbind ID``: what the approvers' buttons run (also typed, where a platform allows).

Who may is decided again at every press (``core.bindings.may_approve``): a button forwarded to,
or forged by, someone who is not an approver of that channel is refused and changes nothing.
"""
from __future__ import annotations

import logging

from core import bindings
from core.audit import Actor
from core.commands.context import Context
from core.commands.parameters import NUMBER, Param, ParamType
from core.commands.registry import command
from core.db.models import Channel
from core.i18n import N_, _
from core.i18n.reading import read_number
from core.memberships import channel_title

log = logging.getLogger(__name__)
MAX_DIGITS = 9  # a binding's number fits the database's integer


def _refusal(channel: Channel) -> str:
    if channel.kind == "country":
        return _("Only an administrator or an ambassador of this country ({country}) can approve or remove this binding.").format(
            country=channel_title(channel.slug)
        )
    return _("Only an administrator can approve or remove this binding.")


@command(
    bindings.BUTTON_COMMAND, N_("Approve or remove a chat's binding (ambassadors and administrators)"),
    params=(Param("decision", N_("Approve or unbind"), required=True, type=ParamType.CHOICE,
                  choices=(("approve", N_("Approve")), ("unbind", N_("Unbind")))), NUMBER), listed=False,
)
async def binding(ctx: Context, args: str) -> None:
    verb, number, check = (args.split() + ["", "", ""])[:3]  # the buttons add the request's token; typed, it may go
    typed = read_number(number, MAX_DIGITS)  # "12" or "١٢"
    if verb not in ("approve", "unbind") or typed is None:
        ctx.reply(_("Use {approve} or {unbind}, with the number of the binding.").format(
            approve=ctx.hint(bindings.BUTTON_COMMAND, "approve 12"),
            unbind=ctx.hint(bindings.BUTTON_COMMAND, "unbind 12"),
        ))
        return
    found = await bindings.find(ctx.session, typed)
    if found is None or (check and check != bindings.token(found[0])):
        ctx.reply(_("There is no binding number {number}: it may have been removed already.").format(number=number))
        return
    row, channel = found
    if not await bindings.may_approve(ctx.session, ctx.member.id, channel):
        log.info("binding %s %s refused to member %s", verb, row.id, ctx.member.id)
        ctx.reply(_refusal(channel))
        return
    chat, name = bindings.describe_chat(row), channel_title(channel.slug)
    actor = Actor.of(ctx.identity)
    if verb == "unbind":
        await bindings.unbind(ctx.session, actor, [(row, channel)])
        text = _("Removed: {chat} is not bound to the {channel} channel.")
    elif await bindings.approve(ctx.session, actor, row, channel):
        text = _("Approved: {chat} is now bound to the {channel} channel.")
    else:
        text = _("{chat} was already bound to the {channel} channel.")
    ctx.reply(text.format(chat=chat, channel=name), edit=ctx.pressed)
