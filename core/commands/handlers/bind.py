"""``bind`` and ``unbind``: tie a real chat (a Telegram group, a Slack or Discord channel) to a channel.

The platform knows who administers the chat and what the bot may do there, and says so in
the request (``chat_admin``, ``bot_can_invite``); the rule of who may ask lives here, once.
Asking is not enough: the binding waits for an approver (``core/bindings.py``), unless the
asker is one for that channel.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from core import bindings
from core.audit import Actor
from core.commands.context import Context
from core.commands.handlers.channels import resolve_or_explain
from core.commands.parameters import ANY_CHANNEL, CHANNEL, ROLE
from core.commands.registry import command
from core.messages.types import ChatKind
from core.db.models import Channel, ChannelBinding
from core.i18n import N_, _
from core.i18n.formatting import format_list
from core.memberships import channel_title
from core.roles import has_role
from core.text import clean_line

log = logging.getLogger(__name__)

# What the bot needs on each platform before it can hand out access, said in that platform's words.
_BOT_RIGHTS = {
    "telegram": N_(
        "I am not an administrator of this group. Make me an administrator with the rights "
        "“Invite users via link” and “Ban users”, then send the command again."
    ),
    "slack": N_("I am not in this channel yet. Add me to it (for example with /invite), then send the command again."),
    "discord": N_(
        "I can't give that role. Give me the “Manage Roles” permission and place my role above it, "
        "then send the command again."
    ),
}
_BOT_RIGHTS_ELSEWHERE = N_("I don't have the permission to add people to this chat. Give it to me, then send the command again.")


async def _allowed(ctx: Context) -> bool:
    request = ctx.request
    if request.chat.kind is ChatKind.PRIVATE:
        ctx.reply(_("Send this command in the group or channel you want to bind to a channel."))
        return False
    # The chat's own administrators decide; when the platform cannot tell, only our administrators may.
    if request.chat_admin is False or (request.chat_admin is None and not await has_role(ctx.session, ctx.member.id, "administrator")):
        log.info("bind refused: member %s is not an administrator of %s chat %s", ctx.member.id, ctx.platform, request.chat.chat_id)
        ctx.reply(_("Only an administrator of this chat can bind it to a channel."))
        return False
    if request.bot_can_invite is False:
        ctx.reply(_(_BOT_RIGHTS.get(ctx.platform, _BOT_RIGHTS_ELSEWHERE)))
        return False
    return True


@command("bind", N_("Bind this chat to a channel"), params=(CHANNEL, ROLE), listed=False)
async def bind(ctx: Context, args: str) -> None:
    if not await _allowed(ctx):
        return
    channel = await resolve_or_explain(ctx, args, "bind")
    if channel is None:
        return
    chat = ctx.request.chat
    title = clean_line(chat.title or "", 200) or None
    data = {str(k)[:40]: str(v)[:100] for k, v in (ctx.request.binding or {}).items()}
    asked = await bindings.request(
        ctx.session, Actor.of(ctx.identity), ctx.member.id, channel, chat.chat_id, title, data,
        ctx.request.sender.display_name,
    )
    log.info("%s chat %s asked to bind to channel %s by member %s: %s",
             ctx.platform, chat.chat_id, channel.slug, ctx.member.id, asked.binding.status)
    if asked.approved_now:
        text = _("This chat is now bound to the {channel} channel: whoever joins {channel} through me gets access here.")
    elif asked.approved:
        text = _("This chat was already bound to the {channel} channel; its details are updated.")
    elif not asked.created:
        text = _("This chat still waits for approval to be bound to the {channel} channel; its details are updated.")
    else:
        text = _waiting(channel)
    ctx.reply(text.format(channel=channel_title(channel.slug)))


def _waiting(channel: Channel) -> str:
    if channel.kind == "country":
        return _(
            "Your request is noted: this chat will be bound to the {channel} channel once an administrator or an "
            "ambassador of that country approves it. Until then, nobody is sent here and no announcement is delivered here."
        )
    return _(
        "Your request is noted: this chat will be bound to the {channel} channel once an administrator approves it. "
        "Until then, nobody is sent here and no announcement is delivered here."
    )


@command("unbind", N_("Unbind this chat from a channel"), params=(ANY_CHANNEL,), listed=False)
async def unbind(ctx: Context, args: str) -> None:
    if not await _allowed(ctx):
        return
    chat_id = ctx.request.chat.chat_id
    bound = [
        (binding, channel)
        for binding, channel in await ctx.session.execute(
            select(ChannelBinding, Channel)
            .join(Channel, Channel.id == ChannelBinding.channel_id)
            .where(ChannelBinding.platform == ctx.platform, ChannelBinding.chat_id == chat_id)
            .order_by(ChannelBinding.id)
        )
    ]
    if args:
        channel = await resolve_or_explain(ctx, args, "unbind")
        if channel is None:
            return
        bound = [row for row in bound if row[1].slug == channel.slug]
    if not bound:
        if args:
            ctx.reply(_("This chat is not bound to the {channel} channel.").format(channel=channel_title(channel.slug)))
        else:
            ctx.reply(_("This chat is not bound to any channel."))
        return
    slugs = [c.slug for _b, c in bound]
    await bindings.unbind(ctx.session, Actor.of(ctx.identity), bound)
    log.info("%s chat %s unbound from %s by member %s", ctx.platform, chat_id, slugs, ctx.member.id)
    ctx.reply(_("This chat is no longer bound to: {channels}.").format(
        channels=format_list([channel_title(slug) for slug in slugs])
    ))

