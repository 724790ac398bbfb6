"""Importing this module registers every feature's timed jobs and delivery renderers."""
from core.announcements import jobs as _announcement_jobs  # noqa: F401
