"""Seam for Slack modals (``views.open``): multi-step core flows as one form.

Not built yet, on purpose. The core's multi-step flows (``newevent``, ``announce`` with a
preview) are conversations today: one question per message, answered in the DM. On Slack
they will read better as a modal, with Slack showing the core's validation errors next to
the right field (``response_action: "errors"``). That needs one thing the core does not
offer yet: a *form* description of a flow (its fields, their kinds and limits, and a
validation call that returns errors per field). When it exists, this module will:

1. ``form_view(form, language) -> dict``: turn the core form into a ``modal`` view
   (``input`` blocks: ``plain_text_input``, ``datepicker``/``timepicker``,
   ``static_select``; labels and hints as ``plain_text``; ``private_metadata`` carrying the
   flow name and the chat to answer in);
2. ``submission_values(view) -> dict[str, str]``: read a ``view_submission`` back into the
   form's field values;
3. be wired in ``application.register``: a command whose core reply asks for a form opens
   the modal with the interaction's ``trigger_id`` (within 3 s), and
   ``@app.view("alumni:form")`` acks with ``{"response_action": "errors", "errors": {...}}``
   when the core refuses a field, or clears the modal and posts the core's replies.

Until then those flows work as conversations in the app's DM, like on every other platform.
"""
from __future__ import annotations

# The callback_id every Alumni modal will use, so that one ``@app.view`` listener routes them.
MODAL_CALLBACK_ID = "alumni:form"

# Commands that will open a modal instead of a conversation once the core offers forms.
MODAL_COMMANDS: frozenset[str] = frozenset()
