"""The engine inside the bots: ``alumni run telegram`` sends pushes, ``alumni chat`` prints the
pushes addressed to the person at the keyboard; and the limiter's pacing on its own."""
from __future__ import annotations

import asyncio
import io
import threading
import time
from pathlib import Path

from bots.console import run_console
from bots.telegram import runner
from core.app import open_app, prepare_database
from core.messages.types import Button, Reply
from core.config import Settings
from core.db.engine import Database
from core.delivery.limits import Limits, PlatformLimiter, PlatformLimits
from core.delivery.payload import reply_to_json
from core.delivery.transport import Target
from tests.delivery_helpers import add_members, enqueue, row, statuses
from tests.fakes.telegram_api import FakeBotAPI


async def test_alumni_run_telegram_delivers_pushes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    await prepare_database(url)
    db = Database(url)
    people = await add_members(db, 3)
    await enqueue(db, [row(p, f"reminder for {p.user_id}") for p in people])
    async with FakeBotAPI() as api:
        stop = asyncio.Event()
        settings = Settings(database_url=url, telegram_bot_token=api.token, telegram_api_base_url=api.base_url)
        running = asyncio.create_task(runner.run(settings, stop_event=stop))
        try:
            await api.wait_for(lambda: len(api.messages()) == 3, timeout=10)
        finally:
            stop.set()
            assert await asyncio.wait_for(running, 40) == 0
    assert sorted(c.params["text"] for c in api.messages()) == sorted(f"reminder for {p.user_id}" for p in people)
    assert set((await statuses(db)).values()) == {"sent"}
    await db.dispose()


class SlowStdin(io.StringIO):
    """Piped input that waits (like a person thinking) before each line."""

    def __init__(self, lines: list[str], ready: threading.Event) -> None:
        super().__init__()
        self.lines = lines
        self.ready = ready

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        self.ready.wait(10)
        return self.lines.pop(0) if self.lines else ""


async def test_alumni_chat_prints_pushes_to_the_console_user_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    app = await open_app(Settings(database_url=url))
    try:
        ann, bob = await add_members(app.db, 2, platform="console")
        push = Reply(text="L'événement commence dans 1 heure", buttons=[[Button("Je viens", "help")]])
        await enqueue(app.db, [
            {**row(ann, "x"), "payload": {"reply": reply_to_json(push)}},
            row(bob, "for bob, not shown here"),
        ])
        ready = threading.Event()
        out, err = io.StringIO(), io.StringIO()
        chat = asyncio.create_task(run_console(app, user=ann.user_id, locale="fr", stdin=SlowStdin(["1\n"], ready),
                                               stdout=out, stderr=err, interactive=False))
        deadline = time.monotonic() + 10
        while "commence" not in out.getvalue():
            assert time.monotonic() < deadline, out.getvalue()
            await asyncio.sleep(0.05)
        ready.set()  # now the person types "1": the push's button
        assert await asyncio.wait_for(chat, 10) == 0
        text = out.getvalue()
        assert "[1] Je viens" in text and "for bob" not in text
        assert text.index("[1] Je viens") < text.index("/help —")  # choice 1 pressed the push's button
        states = await statuses(app.db)
        assert states[row(ann, "x")["key"]] == "sent"
        assert states[row(bob, "for bob, not shown here")["key"]] == "pending"
    finally:
        await app.close()


async def test_overall_rate_is_kept_without_bursts() -> None:
    limiter = PlatformLimiter(PlatformLimits(per_second=200.0))
    stamps: list[float] = []

    async def one(i: int) -> None:
        await limiter.acquire(Target("telegram", str(i)))
        stamps.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(60)))
    assert time.monotonic() - started >= 59 / 200 - 0.026
    stamps.sort()
    # the i-th send never leaves before its slot, but for the few (5) that may catch up on late wake-ups
    assert all(stamp >= started + i / 200 - 5 / 200 - 0.001 for i, stamp in enumerate(stamps))


async def test_chat_spacing_group_window_and_pauses() -> None:
    limits = Limits(overrides={"test": PlatformLimits(per_second=1000.0, chat_interval=0.05, group_per_minute=20)},
                    scale=1.0)
    limiter = limits["test"]
    person, group = Target("test", "7"), Target("test", "-100", to_chat=True)
    started = time.monotonic()
    for _ in range(4):
        await limiter.acquire(person)
    assert time.monotonic() - started >= 3 * 0.05 * 0.95
    for _ in range(20):  # 20 a minute: the 20 fit, spaced by the chat interval
        await limiter.acquire(group)
    assert limiter.estimate(group) > 55  # the 21st waits for the first to leave the minute
    limiter.pause(0.2, "chat", person)
    assert 0.15 < limiter.estimate(person) <= 0.2
    assert limiter.estimate(Target("test", "8")) == 0
    limiter.pause(0.3, "global")
    began = time.monotonic()
    await limiter.acquire(Target("test", "9"))
    assert time.monotonic() - began >= 0.28
