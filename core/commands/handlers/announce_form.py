"""``announce`` as dialogs, for platforms with them (``Request.forms``): one form with the channel,
a text per language and an optional sending time, then a preview page that confirms.

Each field is checked with the chat flow's own functions (``resolve_channel`` and the
announcement rights, ``clean_text``, ``parse_send_at``). A valid form becomes the chat flow's
draft (same conversation row, same nonce), so the preview's confirmation is the ordinary
``announce !confirm-<nonce>`` and the announcement is planned exactly as in a chat.
"""
from __future__ import annotations

import secrets
from typing import Any

from core.announcements.rights import ambassador_channels, log_refusal, may_announce
from core.announcements.schedule import example_time, parse_send_at
from core.announcements.texts import TextError, clean_text, render_version
from core.channels import THEMES
from core.commands.context import Context
from core.messages.forms import Choice, FieldErrors, FieldKind, Form, FormField, value_of
from core.i18n import SUPPORTED_LANGUAGES, _, current_language, language_name
from core.memberships import channel_by_slug, channel_title, resolve_channel
from core.roles import is_administrator
from core.text import isolate

from .announce_draft import reach_summary, refusal_text, save_draft, say_expired, sender_language

FORM_ID = "announce"
PREVIEW_ID = "announce-preview"


def text_field(language: str) -> str:
    return f"text_{language}"


async def _channel_choices(ctx: Context) -> list[str]:
    """The channels the sender may announce to, as the chat flow offers them."""
    slugs = [channel.slug for channel in await ambassador_channels(ctx.session, ctx.member.id)]
    if await is_administrator(ctx.session, ctx.member.id):
        if ctx.member.country_code and ctx.member.country_code.lower() not in slugs:
            slugs.append(ctx.member.country_code.lower())
        slugs += [slug for slug in THEMES if slug not in slugs]
    return slugs


async def offer(ctx: Context, channel: str = "") -> None:
    """Answer ``announce`` with the form (the caller checked that the sender may announce somewhere)."""
    choices = tuple(Choice(slug, channel_title(slug)) for slug in await _channel_choices(ctx))
    initial = channel if channel in {c.value for c in choices} else (choices[0].value if len(choices) == 1 else None)
    mine = sender_language(ctx)
    languages = [mine] + [code for code in SUPPORTED_LANGUAGES if code != mine]
    zone = ctx.member.timezone or "UTC"
    form_fields = [FormField("channel", _("Channel"), FieldKind.SELECT, choices=choices, initial=initial)]
    for code in languages:
        label = _("Text in {language}").format(language=language_name(code, current_language(), in_sentence=True))
        form_fields.append(FormField(text_field(code), label, FieldKind.MULTILINE, required=code == mine,
                                     hint=None if code == mine else _("Optional: readers of this language get it.")))
    form_fields.append(FormField(
        "send_at", _("Send at"), FieldKind.DATETIME, required=False,
        hint=_("Leave empty to send now, or write the date and time in your time zone ({zone}), for example {example}.").format(
            zone=isolate(zone), example=example_time(zone))))
    ctx.reply(form=Form(FORM_ID, _("Announcement"), _("Preview"), "announce", fields=tuple(form_fields)))


async def submit(ctx: Context) -> None:
    """The first page: errors per field, or the draft is saved and the preview page shown."""
    values = ctx.request.form_values or {}
    errors = FieldErrors()
    channel = None
    typed = value_of(values, "channel")
    lookup = resolve_channel(typed) if typed else None
    if lookup is not None and lookup.slug:
        channel = await channel_by_slug(ctx.session, lookup.slug)
    if channel is None:
        errors.add("channel", _("There is no channel “{value}”.").format(value=isolate(typed[:60])))
    elif not await may_announce(ctx.session, ctx.member.id, channel):
        log_refusal(ctx.member.id, ctx.platform, channel.slug)
        errors.add("channel", refusal_text(channel.slug))
    texts: dict[str, str] = {}
    mine = sender_language(ctx)
    for code in SUPPORTED_LANGUAGES:
        raw = str(values.get(text_field(code)) or "")
        if not raw.strip() and code != mine:
            continue
        try:
            texts[code] = clean_text(raw)
        except TextError as error:
            errors.add(text_field(code), error.localized())
    send_at = None
    if value_of(values, "send_at"):
        try:
            send_at = parse_send_at(value_of(values, "send_at"), ctx.member.timezone)
        except TextError as error:
            errors.add("send_at", error.localized())
    if errors or channel is None:
        ctx.reply(form_errors=errors.errors)
        return
    ordered = {mine: texts.pop(mine), **texts}
    draft: dict[str, Any] = {"channel": channel.slug, "texts": ordered, "lang": mine,
                             "send_at": send_at.isoformat() if send_at else None, "nonce": secrets.token_hex(4)}
    await save_draft(ctx, "preview", draft)
    await preview(ctx, draft)


async def preview(ctx: Context, draft: dict[str, Any]) -> None:
    """The second page: each version as its readers will see it, the reach, and Send."""
    channel = await channel_by_slug(ctx.session, draft["channel"])
    if channel is None:
        await say_expired(ctx)
        return
    name = ctx.identity.display_name or ""
    notes = [render_version(code, code, text, name, channel.slug).plain_text() for code, text in draft["texts"].items()]
    summary = await reach_summary(ctx, draft, channel)
    notes.append(summary)
    ctx.reply(form=Form(PREVIEW_ID, _("Announcement"), _("Send"), "announce", f"!confirm-{draft['nonce']}",
                        notes=tuple(notes)))
