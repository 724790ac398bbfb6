"""What a flood costs: a request dropped by the command limits against one handled by the core.

One account sends ``--requests`` /help commands through ``CommandService.handle`` with the
default limits (30 a minute, 20 at once) on a SQLite database: the first 20 are handled (a
transaction each), the rest answered from memory. Prints the time per handled and per dropped
request, and how many dropped requests a second one process absorbs.

Run from the repository root: ``python -m bench.bench_throttle [--requests N]``.
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from core.app import open_app
from core.commands.throttle import Verdict
from core.messages.types import Chat, Request, Sender
from core.config import Settings


async def main(requests: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        app = await open_app(Settings(database_url=f"sqlite:///{directory}/bench.db"), migrate=True)
        try:
            service = app.commands
            assert service.throttle is not None
            request = Request(Sender("telegram", "1001", "Flo", "fr"), Chat("1001"), command="help")
            burst = app.settings.rate_member_burst
            started = time.perf_counter()
            for _ in range(burst):
                await service.handle(request)
            handled = time.perf_counter() - started
            assert service.throttle.check(request) is not Verdict.HANDLE
            started = time.perf_counter()
            for _ in range(requests):
                await service.handle(request)
            dropped = time.perf_counter() - started
        finally:
            await app.close()
    print(f"handled: {burst} requests, {handled / burst * 1000:.2f} ms each")
    print(f"dropped: {requests} requests, {dropped / requests * 1e6:.1f} µs each, "
          f"{requests / dropped:,.0f} a second in one process")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().requests))
