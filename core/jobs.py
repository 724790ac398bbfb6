"""Timed work of a feature, which the one scheduler of a process runs.

A feature writes ``async def job(db)``; ``core.features.JOBS`` lists it with its name and
interval, and the composition root hands that list to the delivery engine, whose scheduler
(APScheduler) runs each job in every bot process: so each job must be safe to run
concurrently in several processes (claim rows with locks, or make the work idempotent).
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
