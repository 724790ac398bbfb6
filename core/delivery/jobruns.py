"""The last run of each periodic job (table ``job_runs``), written by the engine that ran it.

One row per job name: who ran it last, when it started and finished, whether it went
well and, if not, a short error (the exception's type only: messages may quote member
data or message bodies). ``runs`` counts every run by every process. Read by ``alumni status``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from core.db.engine import Database
from core.db.models import JobRun

ERROR_LENGTH = 300


def short_error(error: BaseException | None) -> str:
    """What ``job_runs.error`` keeps of an exception: its type, never its message."""
    if error is None:
        return ""
    kind = type(error)
    name = kind.__name__ if kind.__module__ in ("builtins", None) else f"{kind.__module__}.{kind.__name__}"
    return name[:ERROR_LENGTH]


async def record(db: Database, name: str, worker_id: str, started_at: datetime, finished_at: datetime,
                 error: BaseException | None = None) -> None:
    """Note one run of job ``name`` (an upsert; two processes finishing together both count)."""
    values = {"worker_id": worker_id[:64], "started_at": started_at, "finished_at": finished_at,
              "ok": error is None, "error": short_error(error)}
    for attempt in range(2):
        try:
            async with db.transaction() as session:
                result = await session.execute(
                    update(JobRun).where(JobRun.name == name).values(runs=JobRun.runs + 1, **values)
                )
                if result.rowcount == 0:
                    session.add(JobRun(name=name, runs=1, **values))
            return
        except IntegrityError:  # another process inserted the first row at the same moment: update it
            if attempt:
                raise
