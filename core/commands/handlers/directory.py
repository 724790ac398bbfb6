"""``associations``: the directory, searched by name, city or country in any language."""
from __future__ import annotations

from core.commands.context import Context
from core.commands.parameters import Param, Suggest
from core.commands.registry import command
from core.commands.syntax import split_page
from core.messages.types import Card, Field, Pager
from core.directory.search import SearchHit
from core.geo.countries import country_name
from core.i18n import N_, _, current_language, language_name, ngettext
from core.i18n.formatting import format_list
from core.memberships import channel_title
from core.text import clip, isolate

PAGE_SIZE = 5
MAX_DESCRIPTION = 300


def association_card(hit: SearchHit) -> Card:
    fields = []
    if hit.languages:
        fields.append(Field(_("Languages"), format_list([language_name(code, current_language(), in_sentence=True) for code in hit.languages])))
    if hit.themes:
        fields.append(Field(_("Topics"), format_list([channel_title(slug) for slug in hit.themes])))
    if hit.email:
        fields.append(Field(_("E-mail"), hit.email))
    if hit.website:
        fields.append(Field(_("Website"), hit.website))
    if hit.contact is not None:  # set only when the contact person consented
        fields.append(Field(_("Contact person"), hit.contact.line()))
    reader = current_language()
    description = clip(hit.text("description", reader), MAX_DESCRIPTION)
    city, country = hit.text("city", reader), country_name(hit.country_code)
    place = _("{city}, {country}").format(city=city, country=country) if city else country
    # The website is the "Website" field only: a card url too would show it twice (one presentation per fact).
    return Card(title=hit.text("name", reader), subtitle=place, fields=tuple(fields), body=description or None)


@command("associations", N_("Find alumni associations by name, city or country"),
         params=(Param("query", N_("A name, a city or a country"), N_("name, city or country"), suggest=Suggest.ASSOCIATION),))
async def associations(ctx: Context, args: str) -> None:
    page, query = split_page(args)
    country = None
    if not query:
        country = ctx.member.country_code
        if country is None:
            ctx.reply(
                _("Tell me your country first with {country}, or search by name or city, for example {example}.").format(
                    country=ctx.hint("country"), example=ctx.hint("associations", "Paris")
                )
            )
            return
    results = await ctx.directory.search(
        query, country=country, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, session=ctx.session
    )
    if results.total == 0:
        if country:
            ctx.reply(_("The directory has no association yet for this country: {country}.").format(country=country_name(country)))
        else:
            ctx.reply(
                _("No association matches “{query}”. Try a city, a country or a part of a name.").format(query=isolate(query))
            )
        return
    pages = -(-results.total // PAGE_SIZE)
    if country:
        text = ngettext(
            "{country}: {count} association.", "{country}: {count} associations.", results.total
        ).format(count=results.total, country=country_name(country))
    else:
        text = ngettext(
            "{count} association matches “{query}”.", "{count} associations match “{query}”.", results.total
        ).format(count=results.total, query=isolate(query))
    previous = await ctx.button("◀", "associations", f"#{page - 1} {query}".strip()) if page > 1 else None
    following = await ctx.button("▶", "associations", f"#{page + 1} {query}".strip()) if page < pages else None
    ctx.reply(
        text,
        cards=[association_card(hit) for hit in results.hits],
        pager=Pager(min(page, pages), pages, previous, following) if pages > 1 else None,
        edit=ctx.pressed and page > 1,
    )
