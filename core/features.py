"""Every feature's timed jobs and delivery renderers, listed in one place.

No feature registers itself by being imported: the composition root (``bots/host.py``) hands
these lists to the one delivery engine of the process. A new feature with a periodic job or
a renderer adds its line here.
"""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core import access, retention
from core.announcements import jobs as announcement_jobs
from core.announcements import planning as announcement_planning
from core.announcements import sending as announcement_sending
from core.db.models import Delivery
from core.delivery.renderers import Renderer, Renderers
from core.events import mirror, reminders
from core.jobs import PeriodicJob
from core.messages.types import Reply

JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("announcements.plan", 1, announcement_jobs.plan_due),  # scheduled announcements whose time came
    PeriodicJob("announcements.report", 5, announcement_jobs.report_settled),  # the sender's report once settled
    PeriodicJob("events.mirror", 900, mirror.plan_window),  # calendar mirrors kept to their window
    PeriodicJob(retention.JOB, 3600, retention.prune_job),  # finished rows past their retention
    PeriodicJob("access.forget_finished", 30, access.forget_finished),  # rows naming forgotten accounts
)

RENDERERS = Renderers((
    # each announcement row names its reader's language: no query per row, one rendering per language;
    # dropped if cancelled while waiting
    Renderer(announcement_planning.KIND, announcement_sending.render_announcement, member_language=False,
             last_check=announcement_sending.still_live, shared=announcement_sending.shared_key),
    Renderer("reminder", reminders.render_reminder),
    Renderer(mirror.RENDERER, mirror.render_mirror),
    Renderer(access.RENDERER, access.render_access),
))


def periodic_jobs() -> list[PeriodicJob]:
    """Every feature's periodic job."""
    return list(JOBS)


async def render_delivery(session: AsyncSession, delivery: Delivery) -> Reply | None:
    """A row as every feature's renderers turn it into a reply (what the engine sends)."""
    return await RENDERERS.render(session, delivery)
