"""``/mydata`` and ``/forget`` typed in a server channel, through the real discord.py client and the
fake Discord with the real core: the export is an attachment of an ephemeral answer (only the person
sees it), and the erasure confirmation is ephemeral too."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from core.app import App
from core.db.models import Identity
from tests.discord_fixtures import fake  # noqa: F401 - fixtures
from tests.fakes.discord_api import FakeDiscord
from tests.test_discord_conversation import bot, exchange

USER_ID = 616161616161616161
EPHEMERAL = 64


async def test_mydata_is_an_ephemeral_attachment_and_forget_erases(fake: FakeDiscord, app: App) -> None:
    user = fake.user(USER_ID, "lena", "Lena")
    async with bot(fake, app):
        await exchange(fake, lambda: fake.slash("language", {"language": "en"}, user=user, locale="en-US"))
        calls = await exchange(fake, lambda: fake.slash("mydata", user=user, locale="en-US", in_guild=True))
        with_file = [c for c in calls if c.files]
        assert len(with_file) == 1
        call = with_file[0]
        flags = (call.json.get("data") or call.json).get("flags") or 0
        assert flags & EPHEMERAL, "personal data in a server channel must be ephemeral"
        ((name, content),) = call.files.items()
        assert name == "alumni-mydata.json"
        assert json.loads(content)["identities"][0]["user_id"] == str(USER_ID)

        calls = await exchange(fake, lambda: fake.slash("forget", user=user, locale="en-US", in_guild=True))
        assert all(((c.json.get("data") or c.json).get("flags") or 0) & EPHEMERAL for c in calls)
        carrier, yes = next((c, i) for c in calls for i in c.custom_ids() if i.split(":", 1)[1].startswith("forget yes-"))
        await exchange(fake, lambda: fake.press(fake.message_of(carrier), yes, user=user, locale="en-US", in_guild=True))
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Identity).where(Identity.user_id == str(USER_ID))) == 0
