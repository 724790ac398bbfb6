"""Structured logs without secrets or message bodies.

Unit checks of the formatter and the redaction filter, then real bots: the Slack app in-process
(bolt, aiohttp, slack_sdk) and ``alumni -vv run telegram`` as a subprocess (python-telegram-bot logs every call's parameters
and every update at DEBUG; Bot API URLs carry the token), both with ``ALUMNI_LOG_FORMAT=json``:
every stderr line must be a JSON object and no token, secret or message text may appear.
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import sys
from contextlib import redirect_stderr
from pathlib import Path
from types import SimpleNamespace

import pytest

import importlib
from core import logs
from core.app import App, prepare_database
from core.config import Settings
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackSender
from tests.fakes.telegram_api import FakeBotAPI

cli_main = importlib.import_module("bots.cli.main")  # the module: bots.cli exports the function main
ROOT = Path(__file__).resolve().parents[1]
TELEGRAM_TOKEN = "7012345678:AAHk3xQ-secretPart_abcdefghijklmnopqrstu"
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789ab"


def record(name: str, level: int, msg: str, *args: object, exc: bool = False, **extra: object) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise RuntimeError(f"connect to https://api.telegram.org/bot{TELEGRAM_TOKEN}/getMe failed\nsecond line")
        except RuntimeError:
            info = sys.exc_info()
    rec = logging.LogRecord(name, level, __file__, 1, msg, args or None, info)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_json_lines_carry_time_level_logger_message_extras_and_one_line_exceptions() -> None:
    rec = record("bots.telegram.runner", logging.ERROR, "update %s failed", 42, exc=True, delivery_id=7)
    assert logs.RedactingFilter([TELEGRAM_TOKEN]).filter(rec)
    line = logs.JsonFormatter().format(rec)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bots.telegram.runner"
    assert entry["message"] == "update 42 failed" and entry["delivery_id"] == 7
    assert entry["time"].endswith("Z") and entry["time"][:2] == "20"
    assert "RuntimeError" in entry["exception"] and "second line" in entry["exception"]
    assert TELEGRAM_TOKEN not in line and "bot[redacted]/getMe" in entry["exception"]


@pytest.mark.parametrize(
    ("msg", "args", "secret"),
    [
        ('HTTP Request: %s %s "%s %d %s"', ("POST", f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/sendMessage", "HTTP/1.1", 200, "OK"), TELEGRAM_TOKEN),
        ("token %s", ("xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx",), "xoxb-1234567890"),
        ("user token %s", ("xoxp-11-22-33-abcdef",), "xoxp-11"),
        ("socket %s", ("xapp-1-A0123-456-abcdef0123",), "xapp-1"),
        ("login with %s", (DISCORD_TOKEN,), DISCORD_TOKEN),
        ("Authorization: Bot %s", ("not-shaped-like-anything-known-123456",), "not-shaped-like"),
        ("database %s", ("postgresql+asyncpg://alumni:s3cr3t-pw@db.example.org:5432/alumni",), "s3cr3t-pw"),
        ("signing secret is %s", (SIGNING_SECRET,), SIGNING_SECRET),
    ],
)
def test_secrets_are_redacted_from_messages_and_arguments(msg: str, args: tuple[object, ...], secret: str) -> None:
    rec = record("httpx", logging.INFO, msg, *args)
    assert logs.RedactingFilter([SIGNING_SECRET]).filter(rec)
    for formatter in (logs.JsonFormatter(), logging.Formatter(logs.TEXT_FORMAT)):
        assert secret not in formatter.format(rec)
    assert "[redacted]" in rec.getMessage()


def test_library_debug_output_and_dumped_bodies_are_dropped() -> None:
    redacting = logs.RedactingFilter()
    assert not redacting.filter(record("telegram.ext.ExtBot", logging.DEBUG, "Calling sendMessage with %s", {"text": "hello"}))
    assert redacting.filter(record("bots.slack.handlers", logging.DEBUG, "ours stay"))
    rec = record("slack_bolt.AsyncApp", logging.WARNING, "Unhandled request (%s)", {"event": {"text": "my private words", "user": "U1"}})
    assert redacting.filter(rec)
    assert "my private words" not in rec.getMessage() and "U1" in rec.getMessage()
    extra = record("bots.x", logging.INFO, "with extra", url=f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/x")
    redacting.filter(extra)
    assert TELEGRAM_TOKEN not in json.dumps(json.loads(logs.JsonFormatter().format(extra)))


def test_secrets_come_from_the_environment() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "ALUMNI_DATABASE_URL": "postgresql://alumni:pa55word@127.0.0.1/alumni", "ALUMNI_LOG_FORMAT": "JSON"}
    assert set(logs.secrets_from_env(env)) == {TELEGRAM_TOKEN, SIGNING_SECRET, "pa55word"}
    assert logs.log_format_from_env(env) == "json" and logs.log_format_from_env({}) == "text"


def json_lines(text: str) -> list[dict[str, object]]:
    entries = []
    for line in text.splitlines():
        if line.strip():
            entries.append(json.loads(line))  # every line is one JSON object
    return entries


async def test_slack_app_in_process_logs_json_without_tokens_or_bodies(
    db: object, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bots.slack import runner

    body = "Bonjour, voici mon numéro privé 0612345678"
    monkeypatch.setenv("ALUMNI_LOG_FORMAT", "json")
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    captured = io.StringIO()
    with redirect_stderr(captured):
        state = cli_main._configure_logging(2)  # -vv: even DEBUG
        try:
            async with FakeSlack() as slack:
                core = App(settings=Settings(database_url=database_url), db=db)  # type: ignore[arg-type]
                settings = Settings(database_url=database_url, slack_bot_token=BOT_TOKEN,
                                    slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.base_url)
                running = await runner.start(settings, core.commands, SimpleNamespace(port=0, listen="127.0.0.1"))
                try:
                    sender = SlackSender(f"http://127.0.0.1:{running.port}{runner.EVENTS_PATH}", slack)
                    slack.user("U1001", locale="en-US", tz="Africa/Tunis")
                    before = len(slack.sent())
                    await sender.command("help")
                    await sender.dm(body)
                    await sender.command("mydata")
                    await slack.wait_for(lambda: len(slack.sent()) >= before + 2, 10)
                    await slack.settle()
                    logging.getLogger("bots.slack.test").info("a line of ours", extra={"user_id": "U1001"})
                finally:
                    await runner.stop(running)
        finally:
            cli_main._restore_logging(state)
    output = captured.getvalue()
    entries = json_lines(output)
    assert any(e["logger"] == "bots.slack.test" and e["user_id"] == "U1001" for e in entries)
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    for secret in (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, body, "voici mon"):
        assert secret not in output


async def test_telegram_bot_process_logs_json_without_token_or_bodies(database_url: str) -> None:
    await prepare_database(database_url)
    body = "Ma question personnelle: mon adresse est 12 rue Secrète"
    async with FakeBotAPI(token=TELEGRAM_TOKEN) as api:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ALUMNI_DATABASE_URL": database_url, "ALUMNI_LANG": "en",
               "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_BASE_URL": api.base_url, "ALUMNI_LOG_FORMAT": "json"}
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bots.cli", "-vv", "run", "telegram",
                                                       cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                       stderr=asyncio.subprocess.PIPE)
        try:
            await api.wait_for(lambda: bool(api.calls_to("setMyCommands")), 30)
            api.push_message("/start")
            await api.wait_for(lambda: len(api.sent()) >= 1, 15)
            api.push_message(body)
            api.push_message("/mydata")
            await api.wait_for(lambda: bool(api.calls_to("sendDocument")), 15)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(process.communicate(), 30)
    (document,) = api.calls_to("sendDocument")  # mydata through the real core: a file
    assert json.loads(document.files["document"])["identities"][0]["user_id"] == "1001"
    output = err.decode()
    entries = json_lines(output)
    messages = [str(e["message"]) for e in entries]
    # -vv: our DEBUG lines are there, the libraries' (which dump request and update bodies) are not
    assert not [e for e in entries if e["level"] == "DEBUG" and not str(e["logger"]).startswith(("core", "bots", "alumni"))]
    assert "Application started" in messages and any("polling" in m for m in messages)
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    for secret in (TELEGRAM_TOKEN, TELEGRAM_TOKEN.split(":")[1], body, "rue Secrète"):
        assert secret not in output
    if "@" in database_url and ":" in database_url.split("//", 1)[1].split("@")[0]:
        password = database_url.split("//", 1)[1].split("@")[0].split(":", 1)[1]
        assert f":{password}@" not in output
