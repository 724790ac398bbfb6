"""``announce``: an ambassador (or an administrator) writes, previews and sends an announcement.

A conversational flow whose draft lives in the conversation row (so it survives restarts):
channel -> text in the sender's language -> more languages or preview -> optional schedule ->
confirm. Buttons run ``announce`` with an argument: a channel slug, ``+<language>`` to add a
version, or ``!<step>`` (preview, more, schedule, now, cancel, confirm-<nonce>).

The confirmation carries a button ``!stop-<id>`` that cancels the announcement sent: before
it goes out, or what is still queued of it. Only its sender or an administrator may; anyone
else (a forged button, a typed ``/announce !stop-5``) is refused and nothing changes.
"""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from core.announcements import approval
from core.announcements.cancel import Outcome, cancel_announcement, may_cancel
from core.announcements.cancel import log_refusal as log_cancel_refusal
from core.announcements.planning import count_recipients, create_announcement
from core.announcements.quota import next_allowed
from core.announcements.rights import ambassador_channels, log_refusal, may_announce, may_announce_somewhere
from core.announcements.schedule import example_time, parse_send_at
from core.announcements.texts import TextError, clean_text, render_version
from core.channels import THEMES
from core.commands.context import Context
from core.commands.parameters import ANY_CHANNEL
from core.commands.registry import command
from core.messages.types import ChatKind
from core.db.models import Announcement, Channel
from core.i18n import N_, SUPPORTED_LANGUAGES, _, current_language, language_name, match_language, ngettext
from core.i18n.formatting import format_datetime
from core.i18n.reading import read_number
from core.i18n.sentences import join_sentences
from core.memberships import channel_by_slug, channel_title, resolve_channel
from core.roles import is_administrator
from core.text import isolate

from . import announce_form  # the dialog version of this flow
from .announce_draft import open_draft, reach_summary, refusal_text, save_draft, say_expired, send_at_of, sender_language
from .prompts import example_country

STOP = "!stop-"


@command(
    "announce",
    N_("Send an announcement to a channel (ambassadors and administrators)"),
    params=(ANY_CHANNEL,),
    conversational=True,
    form=True,
)
async def announce(ctx: Context, args: str) -> None:
    if ctx.request.chat.kind is not ChatKind.PRIVATE:
        ctx.reply(_("Write to me in a private chat to prepare an announcement."))
        return
    if ctx.answering:
        await _answer(ctx, args)
    elif args.startswith(STOP):
        await _stop(ctx, args[len(STOP):])
    elif ctx.request.form_values is not None and not args.startswith("!"):
        await announce_form.submit(ctx)
    elif ctx.request.forms and not args.startswith(("!", "+")):
        if not await may_announce_somewhere(ctx.session, ctx.member.id):
            await _refuse(ctx, None)
            return
        await announce_form.offer(ctx, resolve_channel(args).slug or "" if args else "")
    elif args.startswith("!"):
        await _step(ctx, args[1:])
    elif args.startswith("+"):
        await _add_language(ctx, args[1:])
    else:
        await _start(ctx, args)


# ---------------------------------------------------------------- choosing the channel


async def _refuse(ctx: Context, slug: str | None) -> None:
    log_refusal(ctx.member.id, ctx.platform, slug)
    ctx.reply(refusal_text(slug))


async def _start(ctx: Context, args: str) -> None:
    if not args:
        if not await may_announce_somewhere(ctx.session, ctx.member.id):
            await _refuse(ctx, None)
            return
        await _ask_channel(ctx)
        return
    lookup = resolve_channel(args)
    channel = await channel_by_slug(ctx.session, lookup.slug) if lookup.slug else None
    if channel is None:
        buttons = [[await ctx.button(channel_title(slug), "announce", slug)] for slug in lookup.suggestions]
        ctx.reply(_("There is no channel “{value}”.").format(value=isolate(args[:60])), buttons=buttons)
        return
    if not await may_announce(ctx.session, ctx.member.id, channel):
        await _refuse(ctx, channel.slug)
        return
    await _begin(ctx, channel)


async def _ask_channel(ctx: Context) -> None:
    mine = [channel.slug for channel in await ambassador_channels(ctx.session, ctx.member.id)]
    administrator = await is_administrator(ctx.session, ctx.member.id)
    if len(mine) == 1 and not administrator:
        channel = await channel_by_slug(ctx.session, mine[0])
        if channel is not None:
            await _begin(ctx, channel)
            return
    slugs = list(mine)
    if administrator:
        if ctx.member.country_code and ctx.member.country_code.lower() not in slugs:
            slugs.append(ctx.member.country_code.lower())
        slugs += [slug for slug in THEMES if slug not in slugs]
    buttons = [await ctx.button(channel_title(slug), "announce", slug) for slug in slugs]
    text = _("Which channel is the announcement for?")
    if administrator:
        text = join_sentences(text, _("Tap one or type its name, for example {example}.").format(example=example_country(ctx)))
    ctx.reply(text, buttons=[buttons[i : i + 2] for i in range(0, len(buttons), 2)])
    await save_draft(ctx, "channel", {})


async def _begin(ctx: Context, channel: Channel) -> None:
    language = sender_language(ctx)
    draft = {"channel": channel.slug, "texts": {}, "lang": language, "send_at": None, "nonce": secrets.token_hex(4)}
    await save_draft(ctx, "text", draft)
    ctx.reply(
        _("Announcement to the {channel} channel. Write its text in {language} (several lines are fine).").format(
            channel=channel_title(channel.slug), language=language_name(language, current_language(), in_sentence=True)
        ),
        buttons=[[await ctx.button(_("Cancel"), "announce", "!cancel")]],
        edit=ctx.pressed,
    )


# ---------------------------------------------------------------- answers (free text)


async def _answer(ctx: Context, args: str) -> None:
    conversation = await ctx.conversation()
    draft = await open_draft(ctx)
    if conversation is None or draft is None:
        await say_expired(ctx)
        return
    step = conversation.step
    if step == "channel":
        await _start(ctx, args)
    elif step == "text":
        await _take_text(ctx, draft)
    elif step == "more":
        language = match_language(args)
        if language is None:
            ctx.reply(_("Tap a language to add a version, or Preview to see the announcement."))
            await _offer_more(ctx, draft, saved=False)
        else:
            await _add_language(ctx, language)
    elif step == "when":
        try:
            send_at = parse_send_at(args, ctx.member.timezone)
        except TextError as error:  # asked again, with the same choice as the question
            ctx.reply(error.localized(), buttons=[[await ctx.button(_("Send now"), "announce", "!now")]])
            return
        draft["send_at"] = send_at.isoformat()
        await _preview(ctx, draft)
    else:  # the preview waits for a button
        ctx.reply(_("Tap Send to confirm, or Cancel."))
        await _preview(ctx, draft)


async def _take_text(ctx: Context, draft: dict[str, Any]) -> None:
    raw = ctx.request.text or ""  # the whole message: the command layer's one-line cleaning is not for texts
    try:
        text = clean_text(raw)
    except TextError as error:
        ctx.reply(error.localized())
        return
    texts = dict(draft.get("texts") or {})
    texts[draft["lang"]] = text
    draft["texts"] = texts
    await _offer_more(ctx, draft, saved=True)


async def _offer_more(ctx: Context, draft: dict[str, Any], saved: bool) -> None:
    await save_draft(ctx, "more", draft)
    texts = draft.get("texts") or {}
    # Every language but the first one written keeps its button (ticked once written, pressing it
    # rewrites it): the numbered choices of this step never move as versions are added.
    first = next(iter(texts), None)
    buttons = [await ctx.button(language_name(code, current_language()), "announce", f"+{code}", selected=code in texts)
               for code in SUPPORTED_LANGUAGES if code != first]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([await ctx.button(_("Preview"), "announce", "!preview"), await ctx.button(_("Cancel"), "announce", "!cancel")])
    given = ", ".join(language_name(code, current_language(), in_sentence=True) for code in texts)
    text = _("Versions written: {languages}.").format(languages=given) + " " if saved else ""
    text += _("Add the text in another language, or preview the announcement.")
    ctx.reply(text, buttons=rows, edit=ctx.pressed)


async def _add_language(ctx: Context, code: str) -> None:
    draft = await open_draft(ctx)
    if draft is None or not draft.get("channel"):
        await say_expired(ctx)
        return
    language = match_language(code)
    if language is None:
        ctx.reply(_("I don't know the language “{value}”.").format(value=isolate(code[:40])))
        return
    draft["lang"] = language
    await save_draft(ctx, "text", draft)
    name = language_name(language, current_language(), in_sentence=True)
    if language in (draft.get("texts") or {}):
        prompt = _("Write the text in {language}; it replaces the one you wrote.").format(language=name)
    else:
        prompt = _("Write the text in {language}.").format(language=name)
    ctx.reply(prompt, buttons=[[await ctx.button(_("Cancel"), "announce", "!cancel")]], edit=ctx.pressed)


# ---------------------------------------------------------------- steps (buttons)


async def _step(ctx: Context, name: str) -> None:
    draft = await open_draft(ctx)
    if draft is None or not draft.get("channel"):
        await say_expired(ctx)
        return
    if name == "cancel" and draft.get("texts"):  # written work is thrown away only when the sender says so
        ctx.reply(_("Throw away the texts you wrote? Nothing has been sent."), buttons=[[
            await ctx.button(_("Yes, throw them away"), "announce", "!discard"),
            await ctx.button(_("No, keep them"), "announce", "!keep"),
        ]])
        return
    if name in ("cancel", "discard"):
        await ctx.end_conversation()
        ctx.reply(_("Cancelled. Nothing was sent."), edit=ctx.pressed)
        return
    if not draft.get("texts"):
        ctx.reply(_("Write the text first."))
        return
    if name == "keep":  # back where the sender was
        conversation = await ctx.conversation()
        name = "preview" if conversation is not None and conversation.step == "preview" else "more"
    if name == "preview":
        await _preview(ctx, draft)
    elif name == "more":
        await _offer_more(ctx, draft, saved=False)
    elif name == "schedule":
        await save_draft(ctx, "when", draft)
        zone = ctx.member.timezone or "UTC"
        ctx.reply(
            _("When should it go out? Write the date and time in your time zone ({zone}), for example {example}.").format(
                zone=isolate(zone), example=example_time(zone)
            ),
            buttons=[[await ctx.button(_("Send now"), "announce", "!now")]],
        )
    elif name == "now":
        draft["send_at"] = None
        await _preview(ctx, draft)
    elif name.startswith("confirm-"):
        if not secrets.compare_digest(name[len("confirm-"):], str(draft.get("nonce", ""))):
            await say_expired(ctx)
            return
        await _confirm(ctx, draft)
    else:
        await _preview(ctx, draft)


async def _preview(ctx: Context, draft: dict[str, Any]) -> None:
    await save_draft(ctx, "preview", draft)
    channel = await channel_by_slug(ctx.session, draft["channel"])
    if channel is None:
        await say_expired(ctx)
        return
    name = ctx.identity.display_name or ""
    texts: dict[str, str] = draft["texts"]
    for language, text in texts.items():  # exactly what readers of that language will get
        ctx.replies.append(render_version(language, language, text, name, channel.slug))
    summary = await reach_summary(ctx, draft, channel)
    buttons = [
        [await ctx.button(_("Send"), "announce", f"!confirm-{draft['nonce']}")],
        [
            await ctx.button(_("Add a language"), "announce", "!more"),
            await ctx.button(_("Schedule"), "announce", "!schedule"),
        ],
        [await ctx.button(_("Cancel"), "announce", "!cancel")],
    ]
    ctx.reply(summary, buttons=buttons)


async def _confirm(ctx: Context, draft: dict[str, Any]) -> None:
    channel = await channel_by_slug(ctx.session, draft["channel"])
    if channel is None:
        await say_expired(ctx)
        return
    if not await may_announce(ctx.session, ctx.member.id, channel):  # the role may have gone meanwhile
        await ctx.end_conversation()
        await _refuse(ctx, channel.slug)
        return
    again = await next_allowed(ctx.session, ctx.member.id, ctx.announce_per_day)
    if again is not None:  # the draft stays open: they may send it once the quota allows
        ctx.reply(ngettext(
            "You have sent {count} announcement in the last 24 hours, the most allowed. You can send again on {time}.",
            "You have sent {count} announcements in the last 24 hours, the most allowed. You can send again on {time}.",
            ctx.announce_per_day,
        ).format(count=ctx.announce_per_day, time=format_datetime(again, ctx.member.timezone)))
        return
    send_at = send_at_of(draft)
    hold = approval.held(channel)
    try:
        announcement = await create_announcement(
            ctx.session,
            channel,
            draft["texts"],
            fallback=list(draft["texts"]),
            sender_id=ctx.member.id,
            sender_name=ctx.identity.display_name or "",
            send_at=send_at,
            actor=ctx.actor,
            held=hold,
        )
    except TextError as error:
        ctx.reply(error.localized())
        return
    await ctx.end_conversation()
    stop = [[await ctx.button(_("Cancel the announcement"), "announce", f"{STOP}{announcement.id}")]]
    if hold:
        await approval.notify_approvers(ctx.session, announcement, channel)
        ctx.reply(
            _("Your announcement to the {channel} channel awaits approval: this channel requires another ambassador "
              "of its country or an administrator to approve it. Nothing is sent until then.").format(
                channel=channel_title(channel.slug)),
            buttons=stop, edit=ctx.pressed,
        )
        return
    if announcement.status == "scheduled":
        ctx.reply(
            _("Scheduled: your announcement to the {channel} channel will go out on {time}.").format(
                channel=channel_title(channel.slug), time=format_datetime(announcement.send_at, ctx.member.timezone)
            ),
            buttons=stop,
            edit=ctx.pressed,
        )
        return
    count = await count_recipients(ctx.session, channel.id)
    ctx.reply(
        ngettext(
            "Sent: your announcement is on its way to {count} recipient. I will tell you when it has gone out.",
            "Sent: your announcement is on its way to {count} recipients. I will tell you when it has gone out.",
            count,
        ).format(count=count),
        buttons=stop,
        edit=ctx.pressed,
    )


# ---------------------------------------------------------------- cancelling one sent


async def _stop(ctx: Context, value: str) -> None:
    """Cancel announcement ``value``: its sender or an administrator; anyone else changes nothing."""
    number = read_number(value)  # an INTEGER id, in any script's digits
    announcement = await ctx.session.get(Announcement, number) if number is not None else None
    if announcement is None or not await may_cancel(ctx.session, ctx.member.id, announcement):
        log_cancel_refusal(ctx.member.id, ctx.platform, value[:12])
        ctx.reply(_("You cannot cancel this announcement: only its sender and the administrators can."))
        return
    done = await cancel_announcement(ctx.session, announcement.id, ctx.actor)
    slug = await ctx.session.scalar(select(Channel.slug).where(Channel.id == announcement.channel_id)) or ""
    channel = channel_title(slug)
    counts = done.counts
    if done.outcome is Outcome.ALREADY:
        ctx.reply(_("This announcement was already cancelled."), edit=ctx.pressed)
    elif done.outcome is not Outcome.CANCELLED:
        ctx.reply(_("This announcement has already gone out: there is nothing left to stop."), edit=ctx.pressed)
    elif done.before_planning:
        ctx.reply(_("Cancelled: the announcement to the {channel} channel will not go out.").format(channel=channel),
                  edit=ctx.pressed)
    else:
        lines = [
            _("Stopped: what was still queued of the announcement to the {channel} channel will not go out.").format(
                channel=channel),
            _("Delivered before the stop: {count}").format(count=counts["sent"]),
            _("Not sent: {count}").format(count=counts["cancelled"] + counts["skipped"]),
        ]
        if counts["pending"]:
            lines.append(_("Being sent at this moment: {count}").format(count=counts["pending"]))
        ctx.reply("\n".join(lines), edit=ctx.pressed)
