"""The bolt listeners of what a person does on the app's own surfaces, beside typing a command.

Button presses and menu choices (``block_actions`` whose action_id starts with ``alumni:``) on
the app's messages and Home tab, modal submissions (``view_submission``, see ``dialogs``), and
``app_home_opened``, which publishes the Home tab.
"""
from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from core.messages.types import ChatKind

from . import dialogs, modals
from .handlers import Adapter, Origin
from .render import ACTION_PREFIX, NOOP_ACTION

_ACTIONS = re.compile("^" + re.escape(ACTION_PREFIX))


def register(app: AsyncApp, adapter: Adapter) -> None:
    @app.view(modals.MODAL_CALLBACK_ID)
    async def on_submission(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        # acknowledged once the core has answered: the answer (errors, next page, close) is the ack
        await dialogs.submit(adapter, ack, body, view)

    @app.action(_ACTIONS)
    async def on_action(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        value = action.get("value") or (action.get("selected_option") or {}).get("value")
        if not value or value == NOOP_ACTION:
            return
        user_id = str((body.get("user") or {}).get("id") or "")
        container = body.get("container") or {}
        if container.get("type") == "view":  # the Home tab: answers go to the person's DM
            dm = await adapter.app_dm(user_id)
            if dm is None:
                return  # nowhere to answer
            origin = Origin(channel_id=dm, user_id=user_id, kind=ChatKind.PRIVATE)
        else:
            channel_id = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
            origin = Origin(
                channel_id=channel_id,
                user_id=user_id,
                kind=await adapter.kind_of(channel_id, user_id),
                response_url=body.get("response_url"),
                message_ts=container.get("message_ts") or (body.get("message") or {}).get("ts"),
            )
        request = await adapter.request_for(origin, action=str(value))
        await adapter.handle(origin, request)

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        await adapter.home_tab.publish(str(event["user"]), force=True)
