"""``start``: welcome, then language and country when unknown; deep links such as ``join-tn``."""
from __future__ import annotations

from core.commands.context import Context
from core.commands.registry import command
from core.geo.countries import country_name
from core.i18n import N_, _, language_from_locale, language_name

from .prompts import ask_country, ask_language

DEEP_LINK_COMMANDS = {"join", "associations", "events", "event", "link"}


@command("start", N_("Welcome, and set up your language and country"))
async def start(ctx: Context, args: str) -> None:
    ctx.reply(
        _(
            "Welcome to the alumni network! I help you find the alumni association near you, "
            "join the channels of your country and of the topics you care about, and keep up with events."
        ),
        title=_("Hello!"),
    )
    deep_command, _sep, deep_args = args.partition("-")
    if deep_command in DEEP_LINK_COMMANDS and deep_args:
        from core.commands.dispatch import run_command

        await run_command(ctx, deep_command, deep_args)
    await continue_onboarding(ctx)


async def continue_onboarding(ctx: Context) -> None:
    """Ask what is still unknown, one question at a time; say so when all is set."""
    member = ctx.member
    if member.language is None:
        await ask_language(ctx, "onboarding", guessed=language_from_locale(ctx.request.sender.locale))
        return
    if member.country_code is None:
        await ask_country(ctx, "onboarding")
        return
    await ctx.end_conversation()
    country = country_name(member.country_code)
    buttons = [
        await ctx.button(_("Associations in {country}").format(country=country), "associations"),
        await ctx.button(_("Join the {country} channel").format(country=country), "join", member.country_code.lower()),
    ]
    ctx.reply(
        _("You are all set: I speak {language} with you and you live in {country}. Send {hint} to see everything I can do.").format(
            language=language_name(member.language, in_sentence=True), country=country, hint=ctx.hint("help")
        ),
        buttons=[[b] for b in buttons],
    )
