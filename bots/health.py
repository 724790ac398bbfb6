"""``GET /healthz`` and ``GET /metrics`` of a bot process (aiohttp).

The composition root registers a probe per bot ("is it running?") for as long as it runs; the CLI says
which bots the process is meant to run (``expect``). /healthz answers 200 when the database
answers and every expected bot's probe says yes, else 503 with what is wrong (names and
states only: never a URL, token or driver message). /metrics is the Prometheus text format:
the process's counters (``core.metrics``), whether each bot is up, and the outbox depth read
from the database at scrape time.

Served on its own port (``ALUMNI_HEALTH_PORT`` or ``alumni run --health-port``), and also on
the Slack app's own server in HTTP mode (``add_routes``), so that one port can be enough.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from aiohttp import web
from sqlalchemy import text

from core import metrics
from core.db.engine import Database
from core.operations.status import queue_depths

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
DATABASE_TIMEOUT = 3.0  # seconds a health check waits for the database
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Probe = Callable[[], bool]
_probes: dict[str, Probe] = {}
_expected: set[str] = set()


@contextmanager
def registered(name: str, running: Probe) -> Iterator[None]:
    """While the block runs, ``name`` is reported up when ``running()`` is true."""
    _probes[name] = running
    try:
        yield
    finally:
        if _probes.get(name) is running:
            del _probes[name]


def expect(names: Iterable[str]) -> None:
    """The bots this process is meant to run: one that is not registered is reported down."""
    _expected.update(names)


def reset() -> None:
    """Forget the probes and expectations (a new process, or a test)."""
    _probes.clear()
    _expected.clear()


def bot_states() -> dict[str, bool]:
    states: dict[str, bool] = {}
    for name in sorted(_expected | set(_probes)):
        probe = _probes.get(name)
        try:
            states[name] = bool(probe()) if probe is not None else False
        except Exception:  # noqa: BLE001 - a probe that fails says "not running"
            states[name] = False
    return states


class HealthService:
    """The two handlers, on a database (borrowed, or opened from a URL and owned)."""

    def __init__(self, db: Database | None = None, *, database_url: str | None = None) -> None:
        if db is None and database_url is None:
            raise ValueError("a database or its URL is needed")
        self._db = db
        self._url = database_url
        self._owned: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._owned = self._db = Database(self._url or "")
        return self._db

    async def database_problem(self) -> str | None:
        """None when the database answers ``SELECT 1`` in time, else the kind of failure."""
        try:
            async def ping() -> None:
                async with self.db.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))

            await asyncio.wait_for(ping(), DATABASE_TIMEOUT)
        except asyncio.TimeoutError:
            return "timeout"
        except Exception as error:  # noqa: BLE001 - any failure means unavailable; only its class is shown
            log.warning("health check: database unavailable (%s)", type(error).__name__)
            return f"unreachable ({type(error).__name__})"
        return None

    async def healthz(self, request: web.Request) -> web.Response:
        problem = await self.database_problem()
        bots = bot_states()
        down = [name for name, up in bots.items() if not up]
        ok = problem is None and not down
        body: dict[str, object] = {
            "status": "ok" if ok else "unavailable",
            "database": problem or "ok",
            "bots": {name: "running" if up else "not running" for name, up in bots.items()},
        }
        if not ok:
            body["problems"] = ([f"database {problem}"] if problem else []) + [f"{name} not running" for name in down]
        return web.Response(status=200 if ok else 503, text=json.dumps(body), content_type="application/json")

    async def metrics(self, request: web.Request) -> web.Response:
        gauges: list[tuple[str, str, dict[metrics.Labels, float]]] = [(
            "alumni_bot_up", "1 when this process's bot of the platform is running.",
            {(("platform", name),): 1.0 if up else 0.0 for name, up in bot_states().items()},
        )]
        try:
            async def read() -> dict[str, tuple[int, int]]:
                async with self.db.sessions() as session:
                    return await queue_depths(session)

            depths = await asyncio.wait_for(read(), DATABASE_TIMEOUT)
            database_up = 1.0
        except Exception as error:  # noqa: BLE001 - the counters are still worth scraping
            log.warning("metrics: outbox depth unavailable (%s)", type(error).__name__)
            depths, database_up = {}, 0.0
        gauges.append(("alumni_database_up", "1 when the database answered this scrape.", {(): database_up}))
        if depths:
            gauges.append(("alumni_outbox_pending", "Outbox rows waiting to be sent (all processes), by platform.",
                           {(("platform", p),): float(n) for p, (n, _s) in depths.items()}))
            gauges.append(("alumni_outbox_sending", "Outbox rows claimed by a process right now, by platform.",
                           {(("platform", p),): float(s) for p, (_n, s) in depths.items()}))
        return web.Response(body=metrics.REGISTRY.render(gauges).encode(),
                            headers={"Content-Type": METRICS_CONTENT_TYPE})

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(HEALTH_PATH, self.healthz)
        app.router.add_get(METRICS_PATH, self.metrics)

    async def close(self) -> None:
        if self._owned is not None:
            await self._owned.dispose()
            self._owned = self._db = None


class HealthServer:
    """The endpoint on its own port: ``await start()``, then ``await stop()``."""

    def __init__(self, service: HealthService, port: int, listen: str = "0.0.0.0") -> None:
        self.service = service
        self.listen = listen
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Listen (port 0: any free port); returns the port. OSError if it cannot."""
        app = web.Application()
        self.service.add_routes(app)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.listen, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("health and metrics on port %s (%s, %s)", self.port, HEALTH_PATH, METRICS_PATH)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.service.close()
