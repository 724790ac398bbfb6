"""The composition root of a bot process: ``alumni run telegram`` and ``alumni run all`` alike.

It opens the app once (one database pool, one command service), starts the connectors together
(``bots/connector.py``), then runs ONE delivery engine (one scheduler, one dispatcher holding
every connector's transport) with the features' periodic jobs and renderers (``core.features``),
wakes it after each commit that planned pushes (``core.delivery.outbox.on_commit``), serves
/healthz and /metrics once, waits for SIGTERM (``bots/lifecycle.py``), and stops everything in
order: the engine first (in-flight sends finish through live clients), then the connectors
(together), then the health server and the app.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Protocol

from bots import health
from bots.connector import Connector, ConnectorError
from bots.lifecycle import error_word, stop_on_sigterm
from core import features
from core.app import App, open_app
from core.config import Settings
from core.db.engine import Database
from core.delivery import outbox
from core.delivery.engine import DeliveryEngine
from core.delivery.transport import Transport
from core.i18n import _
from core.warmup import warm_up

log = logging.getLogger(__name__)


def delivery_engine(db: Database, transports: Iterable[Transport], settings: Settings | None = None) -> DeliveryEngine:
    """The engine of a process, with every feature's periodic jobs and renderers."""
    if settings is None:
        return DeliveryEngine(db, transports, jobs=features.JOBS, renderers=features.RENDERERS)
    return DeliveryEngine.from_settings(db, transports, settings, jobs=features.JOBS, renderers=features.RENDERERS)


@asynccontextmanager
async def deliveries(db: Database, transports: Iterable[Transport],
                     settings: Settings | None = None) -> AsyncIterator[DeliveryEngine]:
    """The engine running, woken by every commit that plans pushes; stopped gracefully on the way out."""
    engine = delivery_engine(db, transports, settings)
    remove_wakeup = outbox.on_commit(engine.wakeup)
    try:
        await engine.start()
        yield engine
    finally:
        remove_wakeup()
        try:
            await engine.stop()
        except Exception:  # noqa: BLE001 - unsent claims run out their lease and are sent later
            log.warning("delivery engine did not stop cleanly", exc_info=True)


ConnectorFactory = Callable[[Settings, Any], Connector]


async def run(settings: Settings, args: Any, factories: Sequence[ConnectorFactory], *,
              stop_event: asyncio.Event | None = None) -> int:
    """``alumni run``: build each connector (settings that cannot work: one line, exit code 2), then
    serve them, with /healthz and /metrics on ``args.health_port`` if set (``args.listen``)."""
    try:
        connectors = [factory(settings, args) for factory in factories]
    except ConnectorError as error:
        print(f"alumni: {error_word()}: {error}", file=sys.stderr)
        return 2
    # ``args`` come from ``alumni run``, a process of its own: what start-up leaves alive may be frozen
    # out of the garbage collector's reach (tests run connectors without args, in a shared process).
    return await serve(settings, connectors, stop_event=stop_event, health_port=getattr(args, "health_port", None),
                       listen=getattr(args, "listen", None) or "0.0.0.0", freeze=args is not None)


class RunAlone(Protocol):
    async def __call__(self, settings: Settings, args: Any = None, *,
                       stop_event: asyncio.Event | None = None) -> int: ...


def alone(factory: ConnectorFactory) -> RunAlone:
    """``alumni run <platform>``: one platform's ``run(settings, args)``, its bot alone under the root
    until SIGTERM, Ctrl-C (cancellation) or ``stop_event``; it returns the exit code."""
    async def run_alone(settings: Settings, args: Any = None, *, stop_event: asyncio.Event | None = None) -> int:
        return await run(settings, args, [factory], stop_event=stop_event)
    return run_alone


async def serve(settings: Settings, connectors: Sequence[Connector], *, stop_event: asyncio.Event | None = None,
                health_port: int | None = None, listen: str = "0.0.0.0", freeze: bool = False) -> int:
    """Run the connectors until SIGTERM, Ctrl-C (cancellation) or ``stop_event``. Returns the exit code:
    a connector that cannot start, or whose connection ends, is one line on stderr and 1.

    Before any connector receives a request, the process warms up once for all of them
    (``core.warmup``: catalogs, the search index, and with ``freeze`` a ``gc.freeze``)."""
    app = await open_app(settings)
    try:
        await warm_up(app, freeze=freeze)
        with stop_on_sigterm(stop_event) as stop_event:
            return await _serve(app, connectors, stop_event, health_port, listen)
    finally:
        await app.close()


async def _serve(app: App, connectors: Sequence[Connector], stop_event: asyncio.Event,
                 health_port: int | None, listen: str) -> int:
    async with AsyncExitStack() as stack:
        if health_port:
            server = health.HealthServer(health.HealthService(app.db), health_port, listen)
            try:
                await server.start()
            except OSError as error:
                return _fail(_("cannot listen on port {port}: {error}").format(
                    port=health_port, error=error.strerror or error))
            stack.push_async_callback(server.stop)
        stack.push_async_callback(_stop_all, connectors)  # after the engine: sends under way finish first
        started = await asyncio.gather(*(connector.start(app) for connector in connectors), return_exceptions=True)
        failures = [error for error in started if isinstance(error, BaseException)]
        for error in failures:
            if not isinstance(error, ConnectorError):
                raise error
        for error in failures:
            _fail(str(error))
        if failures:
            return 1
        engine = await stack.enter_async_context(
            deliveries(app.db, [c.transport for c in connectors], app.settings))
        for connector in connectors:
            stack.enter_context(health.registered(connector.name, _probe(connector, engine)))
        code = await _until_stopped(connectors, stop_event)
    return code


async def _until_stopped(connectors: Sequence[Connector], stop_event: asyncio.Event) -> int:
    stopped = asyncio.ensure_future(stop_event.wait())
    closing = [asyncio.ensure_future(connector.closed()) for connector in connectors]
    try:
        done, _pending = await asyncio.wait({stopped, *closing}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in (stopped, *closing):
            waiting.cancel()
    for finished in done:
        if finished is not stopped and not finished.cancelled() and finished.exception() is not None:
            error = finished.exception()
            if isinstance(error, ConnectorError):
                return _fail(str(error))
            raise error  # type: ignore[misc]
    return 0


def _probe(connector: Connector, engine: DeliveryEngine) -> health.Probe:
    return lambda: connector.healthy() and engine.running


async def _stop_all(connectors: Sequence[Connector]) -> None:
    """Every connector at once (each is safe to stop after a failed or partial start)."""
    results = await asyncio.gather(*(connector.stop() for connector in connectors), return_exceptions=True)
    for connector, result in zip(connectors, results):
        if isinstance(result, Exception):  # never turn a clean stop into a traceback
            log.debug("error while stopping %s", connector.name, exc_info=result)


def _fail(message: str) -> int:
    print(f"alumni: {error_word()}: {message}", file=sys.stderr)
    return 1
