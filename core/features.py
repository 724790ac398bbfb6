"""Importing this module registers every feature's timed jobs and delivery renderers."""
from core.announcements import jobs as _announcement_jobs  # noqa: F401 - planning and reports
from core.announcements import sending as _announcement_sending  # noqa: F401 - the "announcement" renderer
from core.events import reminders as _event_reminders  # noqa: F401 - the "reminder" renderer
from core.events import mirror as _event_mirror  # noqa: F401 - the "event_mirror" renderer and window job
from core import retention as _retention  # noqa: F401 - the pruning job
from core import access as _access  # noqa: F401 - the "access" renderer and the clean-up of finished revocations
