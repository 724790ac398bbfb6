"""Country and thematic channels: the catalogue and the idempotent seeding of it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Channel
from core.geo.countries import country_codes
from core.i18n import N_

# Slugs fixed by SPEC.md; the titles are catalog texts, translated when shown.
THEMES: dict[str, str] = {
    "sustainable-development": N_("Sustainable development"),
    "health": N_("Health"),
    "social-inclusion": N_("Social inclusion"),
    "anti-discrimination": N_("Fighting discrimination"),
    "migration": N_("Migration"),
    "education": N_("Education"),
    "careers": N_("Careers"),
    "entrepreneurship": N_("Entrepreneurship"),
    "culture": N_("Culture"),
    "french-language": N_("French language"),
}


def is_theme(slug: str) -> bool:
    return slug in THEMES


async def ensure_channels(session: AsyncSession) -> int:
    """Create any missing country or thematic channel. Returns how many were created."""
    existing = set(await session.scalars(select(Channel.slug)))
    created = 0
    for code in country_codes():
        if code.lower() not in existing:
            session.add(Channel(slug=code.lower(), kind="country", country_code=code))
            created += 1
    for slug in THEMES:
        if slug not in existing:
            session.add(Channel(slug=slug, kind="theme"))
            created += 1
    if created:
        await session.flush()
    return created
