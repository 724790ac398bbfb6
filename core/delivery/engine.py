"""The delivery engine a bot process runs: one APScheduler for the dispatch loop and every timed job.

``await engine.start()`` once the platform client is ready; ``engine.wakeup()`` after
planning pushes in this process (sends start at once instead of at the next poll);
``await engine.stop()`` before the client stops (SIGTERM): no more claims, sends that
began finish, claimed rows not yet sent go back to ``pending`` for the next process.

There is no other scheduler: python-telegram-bot's job queue stays off.
"""
from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.db.engine import Database
from core.delivery.dispatcher import Dispatcher
from core.delivery.limits import Limits
from core.delivery.transport import Transport
from core.jobs import PeriodicJob, periodic_jobs

log = logging.getLogger(__name__)

DISPATCH_JOB = "delivery.dispatch"
_RUNNING: "weakref.WeakSet[DeliveryEngine]" = weakref.WeakSet()


def wakeup_all() -> None:
    """Wake every engine running in this process (called when a planning transaction commits)."""
    for engine in list(_RUNNING):
        engine.wakeup()


class DeliveryEngine:
    def __init__(
        self,
        db: Database,
        transports: Iterable[Transport] | Mapping[str, Transport],
        worker_id: str | None = None,
        poll_interval: float = 0.2,
        *,
        limits: Limits | None = None,
        lease: float | None = None,
        jobs: Iterable[PeriodicJob] | None = None,
    ) -> None:
        options = {} if lease is None else {"lease": lease}
        self.db = db
        self.dispatcher = Dispatcher(db, transports, worker_id=worker_id, limits=limits, **options)
        self.poll_interval = poll_interval
        self._jobs = None if jobs is None else list(jobs)
        self._scheduler: AsyncIOScheduler | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop_done = asyncio.Event()
        self._job_tasks: set[asyncio.Task[object]] = set()
        self._loop_started = False

    @property
    def worker_id(self) -> str:
        return self.dispatcher.worker

    @property
    def running(self) -> bool:
        return self._scheduler is not None and not self._stopping

    async def start(self) -> None:
        """Start the scheduler: the dispatch loop now, each periodic job at its interval."""
        if self._scheduler is not None:
            return
        for name in ("apscheduler.executors.default", "apscheduler.scheduler"):
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET:  # "job executed" every second is noise; problems still show
                logger.setLevel(logging.WARNING)
        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=timezone.utc)
        now = datetime.now(timezone.utc)
        scheduler.add_job(self._dispatch_loop, id=DISPATCH_JOB, name=DISPATCH_JOB, next_run_time=now,
                          misfire_grace_time=None)
        for job in periodic_jobs() if self._jobs is None else self._jobs:
            scheduler.add_job(
                self._run_job, "interval", args=[job], seconds=job.seconds, id=job.name, name=job.name,
                next_run_time=now, max_instances=1, coalesce=True, misfire_grace_time=None,
            )
        self._scheduler = scheduler
        scheduler.start()
        _RUNNING.add(self)
        log.info("delivery engine %s started (%s)", self.worker_id, ", ".join(self.dispatcher.transports))

    def wakeup(self) -> None:
        """Look for due rows now rather than at the next poll (call after planning pushes)."""
        self._wake.set()

    async def _run_job(self, job: PeriodicJob) -> None:
        if self._stopping:
            return
        task = asyncio.current_task()
        if task is not None:
            self._job_tasks.add(task)
        try:
            await job.run(self.db)
        except Exception:  # noqa: BLE001 - a failing job is logged and runs again next time
            log.exception("periodic job %s failed", job.name)
            return
        finally:
            if task is not None:
                self._job_tasks.discard(task)
        self.wakeup()  # it may have planned pushes

    async def _dispatch_loop(self) -> None:
        dispatcher = self.dispatcher
        self._loop_started = True
        loop = asyncio.get_running_loop()
        renewed = loop.time()
        try:
            while not self._stopping:
                if loop.time() - renewed > dispatcher.lease / 3:
                    renewed = loop.time()
                    try:
                        await dispatcher.renew()
                    except Exception:  # noqa: BLE001 - next time; the lease is long
                        log.exception("renewing delivery leases failed")
                try:
                    claimed = await dispatcher.dispatch()
                except Exception:  # noqa: BLE001 - the database may be briefly away: try again
                    log.exception("claiming deliveries failed")
                    claimed = 0
                if self._stopping:
                    break
                waits = [asyncio.ensure_future(self._wake.wait())]
                if claimed or dispatcher.flights:
                    dispatcher.changed.clear()
                    waits.append(asyncio.ensure_future(dispatcher.changed.wait()))
                timeout = self.poll_interval
                if not claimed and dispatcher.next_due is not None:  # sleep until exactly then if sooner
                    until = (dispatcher.next_due - datetime.now(timezone.utc)).total_seconds()
                    timeout = min(timeout, max(0.0, until) + 0.001)
                try:
                    await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiting in waits:
                        waiting.cancel()
                self._wake.clear()
        finally:
            self._loop_done.set()

    async def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop: no new claims or jobs, in-flight sends finish, unsent claims are given back."""
        if self._scheduler is None or self._stopping:
            return
        self._stopping = True
        _RUNNING.discard(self)
        self._scheduler.pause()  # no job starts from now on
        self._wake.set()
        if not self._loop_started:  # stopped before the scheduler ran the loop at all
            self._loop_done.set()
        try:
            await asyncio.wait_for(self._loop_done.wait(), timeout)
        except asyncio.TimeoutError:
            log.warning("delivery loop did not stop in %ss", timeout)
        await self.dispatcher.stop(timeout)
        if self._job_tasks:  # a job in the middle of its transaction: let it commit
            await asyncio.wait(list(self._job_tasks), timeout=timeout)
        # shutting the scheduler down cancels what still runs (nothing, normally)
        self._scheduler.shutdown(wait=False)
        log.info("delivery engine %s stopped", self.worker_id)
