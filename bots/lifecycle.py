"""How every bot process starts and stops, written once.

SIGTERM must stop every bot of the process: ``alumni run all`` runs several in one event
loop, and a loop has one handler per signal, so the bots share one registry of stop events
instead of each installing its own handler (the last one would silence the others).
"""
from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from core.i18n import _

_stop_events: set[asyncio.Event] = set()


def stop_all() -> None:
    """Ask every bot running in this process to stop (what SIGTERM does)."""
    for event in list(_stop_events):
        event.set()


@contextmanager
def stop_on_sigterm(stop_event: asyncio.Event | None = None) -> Iterator[asyncio.Event]:
    """The event a bot waits on; SIGTERM (or the caller) sets it."""
    event = stop_event or asyncio.Event()
    _stop_events.add(event)
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop_all)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / not Unix
        pass
    try:
        yield event
    finally:
        _stop_events.discard(event)


def run_until_stopped(run: Callable[..., Awaitable[int]], settings: Any, args: Any = None) -> int:
    """The synchronous entry point of a bot: its exit code (Ctrl-C is a normal stop)."""
    try:
        return asyncio.run(run(settings, args))
    except KeyboardInterrupt:
        return 0


def error_word() -> str:
    """"error", in the reader's language, at the start of a one-line error on stderr."""
    return _("error")
