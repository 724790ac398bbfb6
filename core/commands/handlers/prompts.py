"""Questions asked from several places (start, language, country): one wording each."""
from __future__ import annotations

from core.commands.context import Context
from core.geo.countries import country_name, example_country_name
from core.geo.regions import REGIONS, region_name
from core.geo.timezones import ZoneMatch, is_offset_zone, offset_name, zone_name, zones_for_country
from core.i18n import SUPPORTED_LANGUAGES, _, language_name
from core.i18n.formatting import format_time
from core.db.types import utcnow
from core.text import fold, isolate




def example_country(ctx: Context) -> str:
    """The country named in an example: the member's own (a member in Spain reads "Spain"), in
    their language. A name, never a slug: "de" reads as a word in French ("/leave de")."""
    return example_country_name(ctx.member.country_code)


def picker_order() -> list[str]:
    """The languages as the picker lists them: each in its own name, in the order of those names
    (Deutsch, English, Español, Français …), so a new catalog takes its place without a code change."""
    return sorted(SUPPORTED_LANGUAGES, key=lambda code: language_name(code).casefold())


async def ask_language(ctx: Context, flow: str = "language", guessed: str | None = None) -> None:
    buttons = [await ctx.button(language_name(code), "language", code, selected=code == guessed) for code in picker_order()]
    ctx.reply(_("Which language would you like me to use?"), buttons=[buttons[i : i + 3] for i in range(0, len(buttons), 3)])
    await ctx.set_conversation(flow, "language")


async def ask_country(ctx: Context, flow: str = "country") -> None:
    buttons = [await ctx.button(region_name(region), "country", f"@{region}") for region in REGIONS]
    ctx.reply(
        _("Which country do you live in? Type its name in any language, or pick a region below."),
        buttons=[buttons[:3], buttons[3:]],
    )
    await ctx.set_conversation(flow, "country")


def zone_label(zone: str) -> str:
    """A zone as people know it: its main city in the reader's language ("Le Caire"), or its offset."""
    return zone_name(zone)


def zone_sentence(zone: str, found: ZoneMatch | None = None) -> str:
    """The confirmation: the zone by its city (never "Europe/Berlin"), the city typed when it differs
    ("Paris, for Lyon, France"), and, for an offset, that it has no daylight saving."""
    now = format_time(utcnow(), zone)
    typed_offset = found.offset if found is not None else None
    if typed_offset is not None or is_offset_zone(zone):
        offset = offset_name(typed_offset) if typed_offset is not None else zone_name(zone)
        return _("Your time zone: {zone}, a fixed offset with no daylight saving (it is {time} there now).").format(
            zone=isolate(offset), time=now)
    label = zone_name(zone)
    city = found.city if found is not None else None
    if city is not None and fold(label) not in city.keys and fold(label) not in fold(city.name):
        place = _("{city}, {country}").format(city=city.name, country=country_name(city.country))
        return _("Your time zone: {zone}, for {place} (it is {time} there now).").format(
            zone=isolate(label), place=isolate(place), time=now)
    return _("Your time zone: {zone} (it is {time} there now).").format(zone=isolate(label), time=now)


async def ask_zone(ctx: Context, country_code: str, flow: str = "timezone") -> None:
    zones = zones_for_country(country_code)[:24]
    buttons = [await ctx.button(zone_label(z), "timezone", z) for z in zones]
    ctx.reply(
        _("Your country has several time zones. Which one is yours? You can also type a city."),
        buttons=[buttons[i : i + 2] for i in range(0, len(buttons), 2)],
    )
    await ctx.set_conversation(flow, "timezone")
