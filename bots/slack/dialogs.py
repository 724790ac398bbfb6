"""Running the core's forms as Slack modals: opening one for a slash command, and answering a
``view_submission`` (errors on their fields, the next page, or close and post the replies).

The core sees both as happening in the person's DM with the app: that is where the flow's
draft lives (the core's conversation row) and where the final answers are posted.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from core.messages.types import Chat, ChatKind, Reply, Request
from core.i18n import _, use_language

from . import errors, modals
from .handlers import Adapter, Origin, Responder

log = logging.getLogger(__name__)


def _split(replies: list[Reply]) -> tuple[Reply | None, dict[str, str], list[Reply]]:
    """(the first reply with a form, every field error, the other replies)."""
    form = next((r for r in replies if r.form is not None), None)
    field_errors: dict[str, str] = {}
    for reply in replies:
        field_errors.update(reply.form_errors)
    rest = [r for r in replies if r.form is None and not r.form_errors]
    return form, field_errors, rest


def _view(adapter: Adapter, reply: Reply, dm: str) -> dict[str, Any]:
    assert reply.form is not None
    with use_language(reply.language):
        return modals.form_view(reply.form, {"channel": dm}, _("Cancel"))


async def open_for_command(adapter: Adapter, origin: Origin, request: Request, trigger_id: str) -> bool:
    """Ask the core for the command's form and open it. False when it could not be tried (no DM
    with the app): the caller then runs the command as a conversation."""
    dm = await adapter.app_dm(origin.user_id)
    if dm is None:
        return False
    asked = replace(request, chat=Chat(chat_id=dm, kind=ChatKind.PRIVATE), forms=True)
    replies = (await adapter.pipeline.ask_in_turn(asked)).replies
    form, _errors, rest = _split(replies)
    if form is not None:
        try:
            await adapter.client.views_open(trigger_id=trigger_id, view=_view(adapter, form, dm))
        except SlackApiError as error:  # an expired trigger: say so rather than stay silent
            log.info("views.open failed: %s", errors.error_code(error))
            with use_language(form.language):
                rest.append(Reply(_("Slack did not let me open the form in time. Please send the command again."),
                                  language=form.language))
    await Responder(adapter.client, origin, request).send_all(rest)
    return True


async def submit(adapter: Adapter, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Answer one ``view_submission`` through the core, acknowledging with what Slack should do."""
    meta = modals.metadata_of(view)
    user_id = str((body.get("user") or {}).get("id") or "")
    if not meta.get("channel") or not meta.get("command") or not user_id:
        await ack()
        return
    origin = Origin(channel_id=meta["channel"], user_id=user_id, kind=ChatKind.PRIVATE)
    request = await adapter.request_for(origin, command=meta["command"], args=meta.get("args", ""))
    request = replace(request, forms=True, form_values=modals.submission_values(view))
    replies = (await adapter.pipeline.ask_in_turn(request)).replies
    form, field_errors, rest = _split(replies)
    if field_errors:
        await ack(response_action="errors", errors=modals.slack_errors(field_errors, view))
        return
    if form is not None:
        await ack(response_action="update", view=_view(adapter, form, meta["channel"]))
    else:
        await ack(response_action="clear")
    await Responder(adapter.client, origin, request).send_all(rest)
    await adapter.home_tab.refresh(user_id)
