"""Per-installation secret keys, made at random on first use and kept in the database.

Why the database and not a setting: every bot process of an installation must use the same
key (a count kept under one key is invisible under another), and the database is the one
thing they all share; an operator has nothing to generate, copy or rotate. What the key
protects is pseudonymity of short-lived rows (core.linking), not a secret the database itself
must keep from its own readers: whoever can read the database can read the rows anyway.
"""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import InstallationKey


async def installation_key(session: AsyncSession, name: str) -> bytes:
    """The key called ``name``, made now if it does not exist yet (two processes racing agree on one)."""
    value = await session.scalar(select(InstallationKey.value).where(InstallationKey.name == name))
    if value is None:
        module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        await session.execute(
            module.insert(InstallationKey)
            .values(name=name, value=secrets.token_hex(32))
            .on_conflict_do_nothing(index_elements=["name"])
        )
        value = await session.scalar(select(InstallationKey.value).where(InstallationKey.name == name))
    assert value is not None
    return bytes.fromhex(value)


async def existing_key(session: AsyncSession, name: str) -> bytes | None:
    """The key if it was ever made (reading, e.g. for ``mydata``, makes none)."""
    value = await session.scalar(select(InstallationKey.value).where(InstallationKey.name == name))
    return None if value is None else bytes.fromhex(value)
