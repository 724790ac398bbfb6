"""Events: creation and edits with rights, RSVP with a waiting list, reminders, iCalendar.

The time of an event is wall-clock time in an IANA zone (what the organiser means);
the UTC instants are derived from it and recomputed on every change.
"""
