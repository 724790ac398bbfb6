"""Importing this module registers every feature's timed jobs and delivery renderers."""
from core.events import reminders as _event_reminders  # noqa: F401 - the "reminder" renderer
