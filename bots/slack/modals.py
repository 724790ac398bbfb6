"""Slack modals for the core's forms (``core.messages.forms``): the commands whose specification
says they answer with a form (``CommandSpec.form``: ``newevent`` and ``announce``).

``/alumni newevent`` or ``/alumni announce`` asks the core with ``Request.forms``; a reply
carrying a ``Form`` is opened as a modal (``views.open`` with the command's ``trigger_id``).
On submit (``view_submission``) the values go back to the core as ``Request.form_values``, and
the acknowledgement answers Slack within its 3 s:
- ``response_action: errors``: the core refused fields, each message under its field;
- ``response_action: update``: the core's next page (the announcement preview);
- ``response_action: clear``: done; the core's replies are posted in the person's DM.

Every field is a Block Kit ``input`` whose ``block_id`` is the core's field id, so errors land on
the right field. Dates and times are typed in the core's format (``2027-03-14 18:30``, said in
the hint): the core reads them as wall-clock time in the zone the form names, which Slack's
pickers, tied to the viewer's own zone, cannot express. Labels and notes are plain text; notes
are escaped mrkdwn, so nothing typed in a form can mention anyone.
"""
from __future__ import annotations

import json
from typing import Any

from core.commands.service import commands  # the table, complete once the service is imported
from core.messages.forms import FieldKind, Form, FormField

from .render import Block, esc, mrkdwn, plain

# The callback_id of every Alumni modal, so that one ``@app.view`` listener routes them.
MODAL_CALLBACK_ID = "alumni:form"
VALUE_ACTION = "value"  # the action_id of each field's element
MAX_TITLE = 24  # Slack's limit for a modal's title, submit and close labels
MAX_LABEL = 2000
MAX_HINT = 2000
MAX_INPUT = 3000  # plain_text_input max_length
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_BLOCKS = 100
MAX_NOTE = 3000


def opens_modal(command: str | None) -> bool:
    """True for a slash command answered with a modal: the core offers a form for it when asked."""
    spec = commands().get(command or "")
    return spec is not None and spec.form


def _element(spec: FormField) -> dict[str, Any]:
    if spec.kind is FieldKind.SELECT:
        options = [{"text": plain(choice.label, MAX_OPTION_TEXT), "value": choice.value[:150]}
                   for choice in spec.choices[:MAX_OPTIONS]]
        element: dict[str, Any] = {"type": "static_select", "action_id": VALUE_ACTION, "options": options}
        chosen = next((o for o in options if o["value"] == spec.initial), None)
        if chosen is not None:
            element["initial_option"] = chosen
        return element
    element = {"type": "plain_text_input", "action_id": VALUE_ACTION,
               "multiline": spec.kind is FieldKind.MULTILINE,
               "max_length": min(spec.max_length or MAX_INPUT, MAX_INPUT)}
    if spec.initial:
        element["initial_value"] = spec.initial[:MAX_INPUT]
    return element


def _input_block(spec: FormField) -> Block:
    block: dict[str, Any] = {"type": "input", "block_id": spec.id, "label": plain(spec.label, MAX_LABEL),
                             "optional": not spec.required, "element": _element(spec)}
    if spec.hint:
        block["hint"] = plain(spec.hint, MAX_HINT)
    return block


def form_view(form: Form, metadata: dict[str, str], close_label: str) -> dict[str, Any]:
    """The modal for one page of a core form. ``metadata`` (where to answer, what to run) rides in
    ``private_metadata`` and comes back with the submission."""
    blocks: list[Block] = [{"type": "section", "text": mrkdwn(esc(note)[:MAX_NOTE])} for note in form.notes if note]
    blocks += [_input_block(spec) for spec in form.fields]
    meta = {**metadata, "command": form.command, "args": form.args, "form": form.id}
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK_ID,
        "title": plain(form.title, MAX_TITLE),
        "submit": plain(form.submit_label, MAX_TITLE),
        "close": plain(close_label, MAX_TITLE),
        "private_metadata": json.dumps(meta, ensure_ascii=False)[:3000],
        "blocks": blocks[:MAX_BLOCKS],
    }


def metadata_of(view: dict[str, Any]) -> dict[str, str]:
    """What ``form_view`` stored; {} when it is not ours or unreadable."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in meta.items()} if isinstance(meta, dict) else {}


def submission_values(view: dict[str, Any]) -> dict[str, str]:
    """A ``view_submission``'s state -> {field id: text}; an empty field is ""."""
    values: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        action = (actions or {}).get(VALUE_ACTION) or {}
        if action.get("type") == "static_select":
            values[str(block_id)] = str((action.get("selected_option") or {}).get("value") or "")
        else:
            values[str(block_id)] = str(action.get("value") or "")
    return values


def slack_errors(errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    """The core's errors keyed by the blocks of the view (an error for a field not shown goes on the first input)."""
    blocks = [b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"]
    shown: dict[str, str] = {}
    for field_id, message in errors.items():
        target = field_id if field_id in blocks else (blocks[0] if blocks else field_id)
        shown[str(target)] = (shown.get(str(target), "") + " " + message).strip()[:MAX_LABEL]
    return shown
