"""Timed work that features register and the one scheduler runs.

A feature declares ``@periodic("announcements.plan", seconds=1)`` on ``async def job(db)``;
the delivery engine's scheduler (APScheduler) runs every registered job in every bot
process, so each job must be safe to run concurrently in several processes (claim rows
with locks, or make the work idempotent).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.db.engine import Database

Job = Callable[[Database], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    seconds: float
    run: Job


_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, seconds: float) -> Callable[[Job], Job]:
    def register(function: Job) -> Job:
        _JOBS[name] = PeriodicJob(name, seconds, function)
        return function

    return register


def periodic_jobs() -> list[PeriodicJob]:
    """Every registered job; importing the feature modules registers theirs."""
    import core.features  # noqa: F401 - registers every feature's jobs and renderers

    return list(_JOBS.values())
