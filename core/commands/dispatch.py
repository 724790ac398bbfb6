"""Routing inside a request: a command, a button press, or free text in a conversation."""
from __future__ import annotations

import logging

from rapidfuzz import fuzz, process

from core import metrics
from core.messages import actions
from core.commands.context import Context
from core.commands.registry import commands
from core.commands.syntax import clean_args
from core.messages.types import ChatKind
from core.i18n import _
from core.text import clean_line, isolate

log = logging.getLogger(__name__)
# Conversation steps that take free text, and the command that reads it.
TEXT_STEPS = {"language": "language", "country": "country", "timezone": "timezone"}


def normalize_name(name: str) -> str:
    """"/Join@AlumniBot" -> "join"."""
    return name.strip().lstrip("/").split("@", 1)[0].casefold()


async def run_command(ctx: Context, name: str, args: str) -> None:
    spec = commands().get(normalize_name(name))
    if spec is None:
        await unknown_command(ctx, name)
        return
    await spec.handler(ctx, clean_args(args))


async def unknown_command(ctx: Context, name: str) -> None:
    typed = clean_line(normalize_name(name), 40)  # shown back: no control or bidi character of the input
    listed = [n for n, spec in commands().items() if spec.listed]
    best = process.extractOne(typed, listed, scorer=fuzz.ratio, score_cutoff=60) if typed else None
    if best:
        text = _("I don't know the command {command}. Did you mean {suggestion}?").format(
            command=isolate("/" + typed), suggestion=ctx.hint(best[0])
        )
        ctx.reply(text, buttons=[[await ctx.button(ctx.hint(best[0]), best[0])]])
    else:
        ctx.reply(
            _("I don't know the command {command}. Send {hint} to see what I can do.").format(
                command=isolate("/" + typed), hint=ctx.hint("help")
            )
        )


async def dispatch(ctx: Context) -> None:
    request = ctx.request
    metrics.command_handled(request.sender.platform)
    if request.action is not None:
        decoded = await actions.decode(ctx.session, request.action)
        if decoded is None:
            ctx.reply(_("This button has expired. Send {hint} to start again.").format(hint=ctx.hint("help")))
            return
        await run_command(ctx, *decoded)
        return
    if request.command:
        await run_command(ctx, request.command, request.args)
        return
    text = clean_args(request.text or "")
    if not text:
        return
    conversation = await ctx.conversation()
    if conversation is not None and conversation.step in TEXT_STEPS:
        await run_command(ctx, TEXT_STEPS[conversation.step], text)
        return
    flow = commands().get(conversation.flow) if conversation is not None else None
    if flow is not None and flow.conversational:
        await flow.handler(ctx, text)
        return
    if request.chat.kind is ChatKind.PRIVATE:
        ctx.reply(_("I didn't understand that. Send {hint} to see what I can do.").format(hint=ctx.hint("help")))
