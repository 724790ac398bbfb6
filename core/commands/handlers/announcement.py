"""``announcement approve|reject ID``: what the buttons of a second-approval notice run.

Who may is decided again at every press (``core.announcements.approval``): the sender pressing a
forwarded button, or anyone who is not an approver of that channel, is refused and nothing changes.
"""
from __future__ import annotations

import logging

from core.announcements import approval
from core.announcements.approval import Decision
from core.commands.context import Context
from core.commands.parameters import NUMBER, Param, ParamType
from core.commands.registry import command
from core.i18n import N_, _
from core.i18n.reading import read_number
from core.memberships import channel_title

log = logging.getLogger(__name__)
MAX_DIGITS = 9  # an announcement's number fits the database's integer


@command(
    approval.BUTTON_COMMAND, N_("Approve or reject an announcement waiting for approval"),
    params=(Param("decision", N_("Approve or reject"), required=True, type=ParamType.CHOICE,
                  choices=(("approve", N_("Approve")), ("reject", N_("Reject")))), NUMBER), listed=False,
)
async def announcement(ctx: Context, args: str) -> None:
    verb, number, check = (args.split() + ["", "", ""])[:3]
    typed = read_number(number, MAX_DIGITS)  # "12" or "١٢"
    if verb not in ("approve", "reject") or typed is None:
        ctx.reply(_("Use {approve} or {reject}, with the number of the announcement.").format(
            approve=ctx.hint(approval.BUTTON_COMMAND, "approve 12"),
            reject=ctx.hint(approval.BUTTON_COMMAND, "reject 12"),
        ))
        return
    found = await approval.find(ctx.session, typed, check)
    if found is None:
        ctx.reply(_("There is no announcement number {number} waiting for approval.").format(number=number))
        return
    row, channel = found
    allowed = await approval.may_decide(ctx.session, ctx.member.id, row, channel)
    if allowed is Decision.OWN:
        log.info("announcement %s %s refused to its own sender %s", verb, row.id, ctx.member.id)
        ctx.reply(_("You cannot approve or reject your own announcement: another approver must."))
        return
    if allowed is not Decision.DONE:
        log.info("announcement %s %s refused to member %s", verb, row.id, ctx.member.id)
        ctx.reply(_("Only an administrator or an ambassador of that country can approve or reject this announcement."))
        return
    name = channel_title(channel.slug)
    if verb == "approve":
        done = await approval.approve(ctx.session, ctx.actor, row, channel)
        text = _("Approved: the announcement to the {channel} channel will go out as planned.")
    else:
        done = await approval.reject(ctx.session, ctx.actor, row, channel)
        text = _("Rejected: the announcement to the {channel} channel will not go out.")
    if done is Decision.SETTLED:
        text = _("This announcement to the {channel} channel no longer waits for approval.")
    elif done is Decision.SENDER_LOST_RIGHT:
        text = _("Approved, but the announcement to the {channel} channel will not go out: its sender no longer "
                 "has the right to announce to that channel.")
    ctx.reply(text.format(channel=name), edit=ctx.pressed)
