"""The delivery engine of a bot process: one APScheduler for the dispatch loop and every timed job.

A process runs ONE engine, whatever the number of bots in it: the composition root
(``bots/host.py``) gives it every connector's transport, the features' periodic jobs and
renderers (``core.features``), and wakes it after each commit that planned pushes.
``await engine.start()`` once the platform clients are ready; ``engine.wakeup()`` after
planning pushes in this process (sends start at once instead of at the next poll);
``await engine.stop()`` before the clients stop (SIGTERM): no more claims, sends that
began finish, claimed rows not yet sent go back to ``pending`` for the next process.

There is no other scheduler: python-telegram-bot's job queue stays off. The engine
announces itself in ``workers`` (a heartbeat), splits the platforms' rate limits with the
other live engines serving them, and notes each periodic job's run in ``job_runs``.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.config import Settings
from core.db.engine import Database
from core.db.types import utcnow
from core.delivery import jobruns, workers
from core.delivery.dispatcher import Dispatcher
from core.delivery.limits import PAID_BROADCAST, Limits
from core.delivery.renderers import Renderers
from core.delivery.transport import Transport
from core.jobs import PeriodicJob

log = logging.getLogger(__name__)

DISPATCH_JOB = "delivery.dispatch"
HEARTBEAT_JOB = "delivery.heartbeat"


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
        jobs: Iterable[PeriodicJob] = (),
        renderers: Renderers | None = None,
        heartbeat: float = workers.HEARTBEAT,
    ) -> None:
        """``jobs``: the periodic jobs this engine's scheduler runs; ``renderers``: how rows that
        name a renderer become replies (the root passes ``core.features``' lists)."""
        options = {} if lease is None else {"lease": lease}
        self.db = db
        self.dispatcher = Dispatcher(db, transports, worker_id=worker_id, limits=limits, renderers=renderers,
                                     **options)
        self.poll_interval = poll_interval
        self._jobs = list(jobs)
        self._scheduler: AsyncIOScheduler | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop_done = asyncio.Event()
        self._job_tasks: set[asyncio.Task[object]] = set()
        self._loop_started = False
        self.heartbeat = heartbeat
        self.live: dict[str, int] = {}  # platform -> live workers serving it, at the last heartbeat

    @classmethod
    def from_settings(cls, db: Database, transports: Iterable[Transport] | Mapping[str, Transport],
                      settings: Settings, *, jobs: Iterable[PeriodicJob] = (),
                      renderers: Renderers | None = None) -> "DeliveryEngine":
        """The engine of a bot process: lease, rate scale and Telegram's paid broadcast from the settings."""
        overrides = dict(PAID_BROADCAST) if settings.telegram_paid_broadcast else None
        return cls(db, transports, lease=settings.delivery_lease_seconds,
                   limits=Limits(scale=settings.delivery_rate_scale, overrides=overrides), jobs=jobs,
                   renderers=renderers)

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
        scheduler.add_job(self._beat, "interval", seconds=self.heartbeat, id=HEARTBEAT_JOB, name=HEARTBEAT_JOB,
                          max_instances=1, coalesce=True, misfire_grace_time=None)
        self._scheduler = scheduler
        await self._beat()  # registered, and the limits shared, before the first claim
        self._schedule(self._jobs)
        scheduler.start()
        log.info("delivery engine %s started (%s)", self.worker_id, ", ".join(self.dispatcher.transports))

    def _schedule(self, jobs: Iterable[PeriodicJob]) -> None:
        assert self._scheduler is not None
        now = datetime.now(timezone.utc)
        for job in jobs:
            self._scheduler.add_job(
                self._run_job, "interval", args=[job], seconds=job.seconds, id=job.name, name=job.name,
                next_run_time=now, max_instances=1, coalesce=True, misfire_grace_time=None,
            )

    async def _beat(self) -> None:
        """Heartbeat: refresh our ``workers`` row and split the rate limits with the live workers."""
        if self._stopping:
            return
        try:
            self.live = await workers.beat(self.db, self.worker_id, self.dispatcher.transports, self.heartbeat)
        except Exception:  # noqa: BLE001 - the database may be briefly away: keep the last share
            log.warning("worker heartbeat failed", exc_info=True)
            return
        for platform in self.dispatcher.transports:
            self.dispatcher.limits.share(platform, self.live.get(platform, 1))

    def wakeup(self) -> None:
        """Look for due rows now rather than at the next poll (call after planning pushes)."""
        self._wake.set()

    async def _run_job(self, job: PeriodicJob) -> None:
        if self._stopping:
            return
        task = asyncio.current_task()
        if task is not None:
            self._job_tasks.add(task)
        started = utcnow()
        failure: Exception | None = None
        try:
            await job.run(self.db)
        except Exception as error:  # noqa: BLE001 - a failing job is logged and runs again next time
            log.exception("periodic job %s failed", job.name)
            failure = error
        try:
            await jobruns.record(self.db, job.name, self.worker_id, started, utcnow(), failure)
        except Exception:  # noqa: BLE001 - the record is for operators; the job itself ran
            log.warning("could not record the run of job %s", job.name, exc_info=True)
        finally:
            if task is not None:
                self._job_tasks.discard(task)
        if failure is None:
            self.wakeup()  # it may have planned pushes

    async def _dispatch_loop(self) -> None:
        dispatcher = self.dispatcher
        self._loop_started = True
        loop = asyncio.get_running_loop()
        renewed = loop.time()
        failing_since, next_report = 0.0, 0.0
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
                except Exception as error:  # noqa: BLE001 - the database may be briefly away: try again
                    # the first failure with its traceback, then one line a minute: five a second
                    # while the database is away would drown every other log line
                    failing_since = failing_since or loop.time()
                    if loop.time() >= next_report:
                        log.warning("claiming deliveries failed (%s); retrying", type(error).__name__,
                                    exc_info=next_report == 0.0)
                        next_report = loop.time() + 60.0
                    claimed = 0
                else:
                    if failing_since:
                        log.warning("claiming deliveries works again after %.0f s", loop.time() - failing_since)
                        failing_since, next_report = 0.0, 0.0
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
        try:
            await workers.leave(self.db, self.worker_id)
        except Exception:  # noqa: BLE001 - the row stops counting after a few heartbeats anyway
            log.warning("could not remove worker %s", self.worker_id, exc_info=True)
        log.info("delivery engine %s stopped", self.worker_id)
