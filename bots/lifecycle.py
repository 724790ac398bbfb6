"""How a bot process starts and stops, written once.

SIGTERM is handled in one place: the composition root (``bots/host.py``) runs every bot of the
process on one app and one engine, and waits on the one event that SIGTERM sets; it then stops
the engine and the connectors in order.
"""
from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from core.i18n import _


@contextmanager
def stop_on_sigterm(stop_event: asyncio.Event | None = None) -> Iterator[asyncio.Event]:
    """The event the process waits on; SIGTERM (or the caller) sets it."""
    event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, event.set)
        installed = True
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / not Unix
        installed = False
    try:
        yield event
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)


def run_until_stopped(run: Callable[..., Awaitable[int]], settings: Any, args: Any = None) -> int:
    """The synchronous entry point of a bot: its exit code (Ctrl-C is a normal stop)."""
    try:
        return asyncio.run(run(settings, args))
    except KeyboardInterrupt:
        return 0


def error_word() -> str:
    """"error", in the reader's language, at the start of a one-line error on stderr."""
    return _("error")
