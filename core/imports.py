"""What one import may cost: a file too large or too long is refused before it is parsed whole.

The directory import (CSV, JSON) and the iCalendar import share these bounds. Defaults are far
above what a real network imports (20 MB, 50,000 directory rows, 10,000 events: an event costs
hundreds of times more than a directory row); the ``ALUMNI_IMPORT_*`` variables change them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.config import DEFAULT_IMPORT_MAX_BYTES, DEFAULT_IMPORT_MAX_EVENTS, DEFAULT_IMPORT_MAX_ROWS, Settings
from core.i18n import _

_VEVENT = re.compile(rb"^BEGIN:VEVENT\r?$", re.IGNORECASE | re.MULTILINE)


class ImportLimitError(ValueError):
    """A file is beyond what one import may cost; the message (translated) names the variable to raise."""


@dataclass(frozen=True, slots=True)
class ImportLimits:
    max_bytes: int = DEFAULT_IMPORT_MAX_BYTES
    max_rows: int = DEFAULT_IMPORT_MAX_ROWS
    max_events: int = DEFAULT_IMPORT_MAX_EVENTS

    @classmethod
    def of(cls, settings: Settings) -> "ImportLimits":
        return cls(settings.import_max_bytes, settings.import_max_rows, settings.import_max_events)

    def check_size(self, size: int) -> None:
        if size > self.max_bytes:
            raise ImportLimitError(
                _("the file is too large for one import (ALUMNI_IMPORT_MAX_BYTES = {limit})").format(limit=self.max_bytes)
            )

    def check_rows(self, count: int) -> None:
        if count > self.max_rows:
            raise ImportLimitError(
                _("too many rows for one import (ALUMNI_IMPORT_MAX_ROWS = {limit})").format(limit=self.max_rows)
            )

    def check_events(self, content: bytes) -> None:
        """Counts the VEVENTs in the raw bytes, before the calendar is parsed."""
        count = sum(1 for _match in _VEVENT.finditer(content))
        if count > self.max_events:
            raise ImportLimitError(
                _("too many events for one import: {count} (ALUMNI_IMPORT_MAX_EVENTS = {limit})").format(
                    count=count, limit=self.max_events
                )
            )
