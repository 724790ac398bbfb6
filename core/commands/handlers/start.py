"""``start``: welcome, then language and country when unknown; deep links such as ``join-tn``."""
from __future__ import annotations

from core.commands.context import Context
from core.commands.registry import Handler, command
from core.commands.syntax import clean_args
from core.i18n import N_, _

from .channels import join
from .directory import associations
from .events import event, events
from .link import link
from .onboarding import continue_onboarding

# The commands a deep link may open (``start join-tn`` runs ``join tn``), and their handlers.
DEEP_LINKS: dict[str, Handler] = {"join": join, "associations": associations, "events": events, "event": event, "link": link}


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
    if deep_command in DEEP_LINKS and deep_args:
        await DEEP_LINKS[deep_command](ctx, clean_args(deep_args))
    await continue_onboarding(ctx)
