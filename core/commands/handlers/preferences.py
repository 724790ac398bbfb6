"""``language``, ``country`` and ``timezone``: the member's preferences."""
from __future__ import annotations

from core.commands.context import Context
from core.commands.parameters import Param, Suggest
from core.commands.registry import command
from core.commands.syntax import split_page
from core.messages.types import Pager
from core.geo.cities import largest_city
from core.geo.countries import country_name, suggest_countries
from core.geo.regions import REGIONS, countries_in_region, region_name
from core.geo.timezones import default_zone_for_country, find_zone, offset_name, parse_offset, zones_for_country
from core.i18n import N_, _, current_language, language_name, match_language, use_language
from core.i18n.region import use_locale
from core.text import isolate

from .onboarding import continue_onboarding
from .prompts import ask_country, ask_language, ask_zone, zone_sentence

COUNTRIES_PER_PAGE = 24


async def _in_onboarding(ctx: Context) -> bool:
    conversation = await ctx.conversation()
    return conversation is not None and conversation.flow == "onboarding"


@command("language", N_("Choose the language I speak with you"), params=(Param("language", N_("A language, for example français or English"), N_("language"),
                suggest=Suggest.LANGUAGE),))
async def language(ctx: Context, args: str) -> None:
    if not args:
        await ask_language(ctx, "onboarding" if await _in_onboarding(ctx) else "language", guessed=ctx.member.language)
        return
    code = match_language(args)
    if code is None:
        ctx.reply(_("I don't know the language “{value}”. Pick one below.").format(value=isolate(args)))
        await ask_language(ctx, "onboarding" if await _in_onboarding(ctx) else "language", guessed=ctx.member.language)
        return
    onboarding = await _in_onboarding(ctx) or ctx.member.country_code is None
    ctx.member.language = code
    with use_language(code):
        ctx.reply(_("Done: from now on I will speak {language} with you.").format(language=language_name(code, in_sentence=True)), edit=ctx.pressed)
        if onboarding:
            await continue_onboarding(ctx)
        else:
            await ctx.end_conversation()


@command("country", N_("Set the country where you live"), params=(Param("country", N_("Your country, in any language"), N_("country"), suggest=Suggest.COUNTRY),))
async def country(ctx: Context, args: str) -> None:
    flow = "onboarding" if await _in_onboarding(ctx) else "country"
    if not args:
        if ctx.member.country_code:
            ctx.reply(_("Your country of residence: {country}.").format(country=country_name(ctx.member.country_code)))
        await ask_country(ctx, flow)
        return
    if args.startswith("@"):
        await _region_page(ctx, args)
        return
    matches = suggest_countries(args, limit=4)
    if matches and matches[0].exact:
        await set_country(ctx, matches[0].code)
        return
    if matches:
        buttons = [[await ctx.button(country_name(m.code), "country", m.code)] for m in matches]
        ctx.reply(_("I couldn't find the country “{value}”. Did you mean one of these?").format(value=isolate(args)), buttons=buttons)
    else:
        ctx.reply(
            _("I couldn't find the country “{value}”. Type its name in any language, for example {example}.").format(
                value=isolate(args), example=ctx.hint("country", country_name("TN"))
            )
        )
    await ctx.set_conversation(flow, "country")


async def _region_page(ctx: Context, args: str) -> None:
    region, _sep, rest = args[1:].partition(" ")
    if region not in REGIONS:
        await ask_country(ctx)
        return
    page, _query = split_page(rest.strip())
    codes = countries_in_region(region)
    pages = max(1, -(-len(codes) // COUNTRIES_PER_PAGE))
    page = min(page, pages)
    shown = codes[(page - 1) * COUNTRIES_PER_PAGE : page * COUNTRIES_PER_PAGE]
    buttons = [await ctx.button(country_name(code), "country", code) for code in shown]
    previous = await ctx.button("◀", "country", f"@{region} #{page - 1}") if page > 1 else None
    following = await ctx.button("▶", "country", f"@{region} #{page + 1}") if page < pages else None
    ctx.reply(
        _("Countries in {region}:").format(region=region_name(region)),
        buttons=[buttons[i : i + 3] for i in range(0, len(buttons), 3)],
        pager=Pager(page, pages, previous, following),
        edit=ctx.pressed,
    )


async def set_country(ctx: Context, code: str) -> None:
    member = ctx.member
    previous_default = default_zone_for_country(member.country_code) if member.country_code else None
    member.country_code = code
    # From here the replies are written as the new country writes times ("21:29" in the United Kingdom).
    with use_locale(current_language(), code):
        name = country_name(code)
        ctx.reply(_("Got it. Your country of residence: {country}.").format(country=name), edit=ctx.pressed)
        zone = default_zone_for_country(code)
        if zone and (member.timezone is None or member.timezone == previous_default):
            member.timezone = zone
            ctx.reply(zone_sentence(zone))
        elif member.timezone not in zones_for_country(code):
            await ask_zone(ctx, code, "onboarding" if await _in_onboarding(ctx) else "timezone")
            return
        await continue_onboarding(ctx)


def _example_city(ctx: Context) -> str:
    """A city of the member's own country as the example (any reader knows "Lyon" less than their own capital)."""
    city = largest_city(ctx.member.country_code)
    return city.name if city else "Lyon"


@command("timezone", N_("Set your time zone (a city, or an offset such as UTC+1)"), params=(Param("zone", N_("A city, a time zone or an offset such as UTC+1"), N_("city, time zone or UTC offset"),
                suggest=Suggest.TIMEZONE),))
async def timezone(ctx: Context, args: str) -> None:
    if not args:
        if ctx.member.timezone:
            ctx.reply(zone_sentence(ctx.member.timezone))
        if ctx.member.country_code and len(zones_for_country(ctx.member.country_code)) > 1:
            await ask_zone(ctx, ctx.member.country_code)
        else:
            ctx.reply(_("To change it, send {hint}.").format(hint=ctx.hint("timezone", _example_city(ctx))))
        return
    found = find_zone(args, ctx.member.country_code)
    if found is None:
        offset = parse_offset(args)
        if offset is not None:
            ctx.reply(_("No time zone keeps {offset} all year round. Type your city instead, so that daylight saving "
                        "is right.").format(offset=isolate(offset_name(offset))))
        else:
            ctx.reply(_("I know no city or time zone “{value}”. Type your city, for example {city}, or an offset from "
                        "UTC, for example {offset}.").format(value=isolate(args), city=_example_city(ctx), offset="UTC+1"))
        return
    onboarding = await _in_onboarding(ctx)
    ctx.member.timezone = found.zone
    ctx.reply(zone_sentence(found.zone, found), edit=ctx.pressed)
    if onboarding:
        await continue_onboarding(ctx)
    else:
        await ctx.end_conversation()
