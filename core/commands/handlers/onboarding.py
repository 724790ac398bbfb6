"""Onboarding after ``start``: what is still unknown of a new member is asked one question at a
time; ``language``, ``country`` and ``timezone`` come back here while it runs."""
from __future__ import annotations

from core.commands.context import Context
from core.geo.countries import country_name
from core.i18n import _, language_from_locale, language_name

from .prompts import ask_country, ask_language


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
        await ctx.button(_("Associations – {country}").format(country=country), "associations"),
        await ctx.button(_("Join the {country} channel").format(country=country), "join", member.country_code.lower()),
    ]
    ctx.reply(
        _("You are all set. Language: {language}. Country of residence: {country}. Send {hint} to see everything I can do.").format(
            language=language_name(member.language, in_sentence=True), country=country, hint=ctx.hint("help")
        ),
        buttons=[[b] for b in buttons],
    )
