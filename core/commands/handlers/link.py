"""``link``: one member across platforms, through a single-use, expiring code.

The code is shown to the account that already owns the profile and typed on the
other account; only its hash is stored, wrong guesses are counted and limited.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update

from core.commands.context import Context
from core.commands.registry import command
from core.db.models import LinkAttempt, LinkCode, Member
from core.db.types import utcnow
from core.i18n import N_, _
from core.members import merge_members
from core.text import isolate

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or retyped without mistakes
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(minutes=10)
MAX_FAILED_ATTEMPTS = 5
ATTEMPT_WINDOW = timedelta(hours=1)


def _hash(code: str) -> str:
    return hashlib.sha256(code.upper().replace("-", "").replace(" ", "").encode()).hexdigest()


@command("link", N_("Link this account to your profile on another platform"), usage=N_("[code]"))
async def link(ctx: Context, args: str) -> None:
    if not args:
        await _issue_code(ctx)
    else:
        await _redeem_code(ctx, args)


async def _issue_code(ctx: Context) -> None:
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    now = utcnow()
    # One live code per member: issuing a new one retires the previous.
    await ctx.session.execute(
        update(LinkCode).where(LinkCode.member_id == ctx.member.id, LinkCode.used_at.is_(None)).values(used_at=now)
    )
    ctx.session.add(LinkCode(code_hash=_hash(code), member_id=ctx.member.id, expires_at=now + CODE_LIFETIME))
    ctx.reply(
        _(
            "Your link code is {code}. Within 10 minutes, send {hint} from your other account "
            "(Telegram, Discord or Slack) to share one profile. Do not give this code to anyone."
        ).format(code=isolate(code), hint=isolate(f"/link {code}")),
        private=True,
    )


async def _redeem_code(ctx: Context, typed: str) -> None:
    now = utcnow()
    failures = await ctx.session.scalar(
        select(func.count())
        .select_from(LinkAttempt)
        .where(LinkAttempt.identity_id == ctx.identity.id, LinkAttempt.attempted_at > now - ATTEMPT_WINDOW)
    )
    if (failures or 0) >= MAX_FAILED_ATTEMPTS:
        ctx.reply(_("Too many wrong codes. Please try again in an hour."), private=True)
        return
    code = await ctx.session.scalar(
        select(LinkCode).where(LinkCode.code_hash == _hash(typed), LinkCode.used_at.is_(None), LinkCode.expires_at > now)
    )
    if code is None:
        ctx.session.add(LinkAttempt(identity_id=ctx.identity.id, attempted_at=now))
        ctx.reply(
            _("This code is wrong or has expired. Ask for a new one with {hint} on your other account.").format(
                hint=ctx.hint("link")
            ),
            private=True,
        )
        return
    code.used_at = now
    if code.member_id == ctx.member.id:
        ctx.reply(_("This account is already part of that profile."), private=True)
        return
    owner = await ctx.session.get(Member, code.member_id)
    assert owner is not None
    await merge_members(ctx.session, keep=owner, absorb=ctx.member)
    ctx.member = owner
    ctx.reply(_("Linked! This account now shares one profile, with its channels and settings."), private=True)
