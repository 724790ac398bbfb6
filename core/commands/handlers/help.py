"""``help``: every command with its parameters, described in the reader's language."""
from __future__ import annotations

from core.commands.context import Context
from core.commands.registry import command, commands
from core.i18n import N_, _


@command("help", N_("What I can do"))
async def help_(ctx: Context, args: str) -> None:
    lines = []
    for name, spec in commands().items():
        if not spec.listed:
            continue
        usage = spec.usage  # from the command's parameters, in the reader's language
        usage = f" {usage}" if usage else ""
        lines.append(f"{ctx.hint(name)}{usage} — {_(spec.description)}")
    ctx.reply("\n".join(lines), title=_("What I can do"))


@command("cancel", N_("Stop what we were doing"))
async def cancel(ctx: Context, args: str) -> None:
    """Leaves any multi-step flow (a new event, an announcement draft); nothing of it is kept."""
    if await ctx.conversation() is None:
        ctx.reply(_("There is nothing to cancel."))
        return
    await ctx.end_conversation()
    ctx.reply(_("Cancelled. Nothing was changed."))
