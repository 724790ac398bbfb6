"""``link``: one member across platforms, through a single-use, expiring code.

The code is shown to the account that already owns the profile and typed on the
other account; only its hash is stored. Every try is counted per typing account before the
code is looked at, and wrong ones make the account wait (core.linking: a count that
``forget`` does not erase, and no ceiling shared by everyone that strangers could exhaust).

Typing a code hands the typing account over to the code's profile, so it is refused
when that would let someone take more than an account: an account holding a role
(its role would go to the code's owner: an administrator tricked into typing a code
would make its owner an administrator), or a profile that already has an account on
the same platform.
"""
from __future__ import annotations

import hashlib
import logging
import math
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from core import linking
from core.commands.context import Context
from core.commands.parameters import Param
from core.commands.registry import command
from core.db.models import Identity, LinkCode, Member, RoleGrant
from core.db.types import utcnow
from core.i18n import N_, _, ngettext
from core.merging import merge_members
from core.text import isolate

log = logging.getLogger(__name__)
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or retyped without mistakes
CODE_LENGTH = 10  # 31^10 (8 x 10^14) codes: guessing a live one is hopeless at the pace core.linking allows
CODE_LIFETIME = timedelta(minutes=10)
PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "slack": "Slack", "console": "console"}


def _hash(code: str) -> str:
    return hashlib.sha256(code.upper().replace("-", "").replace(" ", "").encode()).hexdigest()


@command("link", N_("Link this account to your profile on another platform"), params=(Param("code", N_("The code the bot gave you on your other platform"), N_("code")),))
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


def _wait_text(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    if minutes <= 60:
        return ngettext("Too many wrong codes. Please try again in {count} minute.",
                        "Too many wrong codes. Please try again in {count} minutes.", minutes).format(count=minutes)
    hours = math.ceil(minutes / 60)
    return ngettext("Too many wrong codes. Please try again in {count} hour.",
                    "Too many wrong codes. Please try again in {count} hours.", hours).format(count=hours)


async def _refusal(ctx: Context, owner_id: int) -> str | None:
    """Why the typing account may not join the code's profile, or None."""
    if await ctx.session.scalar(select(RoleGrant.id).where(RoleGrant.member_id == ctx.member.id).limit(1)) is not None:
        return _(
            "This account has a role (ambassador or administrator), so it cannot join another profile. "
            "Do it the other way round: send {hint} here and type the code on your other account."
        ).format(hint=ctx.hint("link"))
    mine = set(await ctx.session.scalars(select(Identity.platform).where(Identity.member_id == ctx.member.id)))
    theirs = set(await ctx.session.scalars(select(Identity.platform).where(Identity.member_id == owner_id)))
    shared = sorted(mine & theirs)
    if shared:
        return _("That profile already has a {platform} account: one profile has at most one account per platform.").format(
            platform=PLATFORM_NAMES.get(shared[0], shared[0])
        )
    return None


async def _redeem_code(ctx: Context, typed: str) -> None:
    now = utcnow()
    attempt = await linking.begin_attempt(ctx.session, ctx.identity.platform, ctx.identity.user_id, now)
    if not attempt.allowed:
        ctx.reply(_wait_text(attempt.wait or timedelta(0)), private=True)
        return
    code = await ctx.session.scalar(
        select(LinkCode).where(LinkCode.code_hash == _hash(typed), LinkCode.used_at.is_(None), LinkCode.expires_at > now)
    )
    # Marked used only if nobody else did it meanwhile: two accounts typing one code at once get one link.
    claimed = code is not None and (
        await ctx.session.execute(
            update(LinkCode).where(LinkCode.id == code.id, LinkCode.used_at.is_(None)).values(used_at=now)
            .execution_options(synchronize_session=False)
        )
    ).rowcount == 1
    if code is None or not claimed:
        await linking.wrong(ctx.session, attempt, now)
        if attempt.failures > linking.FREE_TRIES:
            log.info("link codes: an account typed %s wrong codes in a row", attempt.failures)
        ctx.reply(
            _("This code is wrong or has expired. Ask for a new one with {hint} on your other account.").format(
                hint=ctx.hint("link")
            ),
            private=True,
        )
        return
    await linking.right(ctx.session, attempt)
    if code.member_id == ctx.member.id:
        ctx.reply(_("This account is already part of that profile."), private=True)
        return
    refusal = await _refusal(ctx, code.member_id)
    if refusal is not None:
        log.info("link refused: member %s may not join member %s", ctx.member.id, code.member_id)
        ctx.reply(refusal, private=True)
        return
    owner = await ctx.session.get(Member, code.member_id)
    assert owner is not None
    await merge_members(ctx.session, keep=owner, absorb=ctx.member)
    ctx.member = owner
    ctx.reply(_("Linked! This account now shares one profile, with its channels and settings."), private=True)
