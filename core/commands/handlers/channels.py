"""``channels``, ``join`` and ``leave``."""
from __future__ import annotations

from core.channels import THEMES
from core.commands.context import Context
from core.commands.parameters import CHANNEL, MY_CHANNEL
from core.commands.registry import command
from core.messages.types import ChatAccess
from core.db.models import Channel
from core.i18n import N_, _
from core.i18n.formatting import format_list
from core.memberships import bindings_on, channel_by_slug, channel_title, join as join_channel
from core.memberships import joined_slugs, leave as leave_channel, resolve_channel
from core.text import isolate

from .prompts import example_country


async def _access(ctx: Context, channel: Channel, grant: bool) -> list[ChatAccess]:
    return [
        ChatAccess(channel.slug, b.chat_id, grant, b.title, dict(b.data or {}))
        for b in await bindings_on(ctx.session, channel, ctx.platform)
    ]


@command("channels", N_("List the channels, marking yours"))
async def channels(ctx: Context, args: str) -> None:
    mine = await joined_slugs(ctx.session, ctx.member.id)
    if mine:
        text = _("Your channels: {channels}.").format(channels=format_list(sorted(channel_title(s) for s in mine)))
    else:
        text = _("You have not joined any channel yet.")
    text += "\n" + _("Tap a topic to join or leave it. Any country has its channel too: {example}.").format(
        example=ctx.hint("join", example_country(ctx))
    )
    slugs = list(THEMES)
    if ctx.member.country_code:
        slugs.insert(0, ctx.member.country_code.lower())
    buttons = []
    for slug in slugs:
        joined = slug in mine
        buttons.append(await ctx.button(channel_title(slug), "leave" if joined else "join", slug, selected=joined))
    ctx.reply(text, title=_("Channels"), buttons=[buttons[i : i + 2] for i in range(0, len(buttons), 2)], edit=ctx.pressed)


async def resolve_or_explain(ctx: Context, args: str, verb: str) -> Channel | None:
    """The channel meant by ``args``; otherwise a reply that helps (examples, suggestions) and None."""
    if not args:
        ctx.reply(
            _("Which channel? For example {example}, or send {channels} to see them all.").format(
                example=ctx.hint(verb, example_country(ctx)), channels=ctx.hint("channels")
            )
        )
        return None
    lookup = resolve_channel(args)
    channel = await channel_by_slug(ctx.session, lookup.slug) if lookup.slug else None
    if channel is not None:
        return channel
    if lookup.suggestions:
        suggestion = lookup.suggestions[0]
        ctx.reply(
            _("There is no channel “{value}”. Did you mean {suggestion}?").format(
                value=isolate(args), suggestion=ctx.hint(verb, suggestion)
            ),
            buttons=[[await ctx.button(channel_title(slug), verb, slug)] for slug in lookup.suggestions],
        )
    else:
        ctx.reply(
            _("There is no channel “{value}”. Send {channels} to see them all.").format(
                value=isolate(args), channels=ctx.hint("channels")
            )
        )
    return None


@command("join", N_("Join a country or topic channel"), params=(CHANNEL,))
async def join(ctx: Context, args: str) -> None:
    channel = await resolve_or_explain(ctx, args, "join")
    if channel is None:
        return
    title = channel_title(channel.slug)
    if not await join_channel(ctx.session, ctx.member.id, channel):
        ctx.reply(_("You are already in the {channel} channel.").format(channel=title))
        return
    buttons = []
    if channel.kind == "country":
        buttons.append([await ctx.button(_("Associations – {country}").format(country=title), "associations", title)])
    ctx.reply(
        _("Welcome to the {channel} channel! Send {leave} to leave it.").format(
            channel=title, leave=ctx.hint("leave", title)  # the name the member reads, not the slug
        ),
        buttons=buttons,
        access=await _access(ctx, channel, grant=True),
    )


@command("leave", N_("Leave a channel"), params=(MY_CHANNEL,))
async def leave(ctx: Context, args: str) -> None:
    channel = await resolve_or_explain(ctx, args, "leave")
    if channel is None:
        return
    title = channel_title(channel.slug)
    if not await leave_channel(ctx.session, ctx.member.id, channel):
        ctx.reply(_("You are not in the {channel} channel.").format(channel=title))
        return
    ctx.reply(
        _("You left the {channel} channel.").format(channel=title),
        access=await _access(ctx, channel, grant=False),
    )
