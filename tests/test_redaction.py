"""Database passwords are never shown, whatever the form of the URL: in what the command line prints,
in its errors (also a driver's message that echoes the URL) and in logs.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bots.cli.errors import describe_exception
from core import logs
from core.redaction import redact, redact_url, url_passwords

ROOT = Path(__file__).resolve().parents[1]
SECRET = "Zq9-s3cr3t w/@:x"  # a space, a slash, an @ and a colon: they must be percent-encoded in a URL
ENCODED = quote(SECRET, safe="")
URLS = (
    f"postgresql://alumni:{ENCODED}@db.example.org:5432/alumni",
    f"postgresql://alumni@db.example.org/alumni?password={ENCODED}",
    f"postgresql://alumni@db.example.org/alumni?sslmode=require&password={ENCODED}&application_name=bots",
    f"postgresql+psycopg://alumni@db.example.org/alumni?PASSWORD={ENCODED}",
    f"postgresql://alumni@db.example.org/alumni?sslpassword={ENCODED}",
    f"postgresql://alumni:{ENCODED}@db.example.org/alumni?password={ENCODED}",
    f"sqlite:///alumni.db?password={ENCODED}",
)
LIBPQ = (
    "host=db.example.org user=alumni password=Zq9-s3cr3t dbname=alumni",
    "host=db.example.org password = 'Zq9-s3cr3t w/@:x' dbname=alumni",
)


def hidden(text: str, *secrets: str) -> bool:
    return all(secret not in text for secret in secrets)


@pytest.mark.parametrize("url", URLS)
def test_every_password_of_a_url_is_found_and_never_displayed(url: str) -> None:
    shown = redact_url(url)
    assert hidden(shown, SECRET, ENCODED, "s3cr3t"), shown
    assert make_url(shown).host == make_url(url).host  # still a useful URL: only the secret went
    assert {SECRET, ENCODED} <= set(url_passwords(url))


@pytest.mark.parametrize("text", LIBPQ)
def test_libpq_keyword_strings(text: str) -> None:
    assert hidden(redact_url(text), "s3cr3t")
    assert hidden(redact(text), "s3cr3t") and "host=db.example.org" in redact(text)
    assert "Zq9-s3cr3t" in url_passwords(text) or SECRET in url_passwords(text)


@pytest.mark.parametrize(
    "message",
    [
        'connection to "host=db user=u password=Zq9-s3cr3t dbname=x" failed',
        "could not parse postgresql://u@db/x?sslmode=require&password=Zq9-s3cr3t&x=1",
        "connect args {'host': 'db', 'password': 'Zq9-s3cr3t'}",
        'connect args {"password": "Zq9-s3cr3t"}',
        "postgresql://u:Zq9@s3cr3t@db/x",  # an @ the owner forgot to encode
        "redirect=postgresql%3A%2F%2Fu%40db%2Fx%3Fpassword%3DZq9-s3cr3t",
    ],
)
def test_password_shapes_in_free_text_are_redacted_even_when_unknown(message: str) -> None:
    assert hidden(redact(message), "s3cr3t"), redact(message)


def test_the_environment_gives_every_form_of_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"ALUMNI_DATABASE_URL": f"postgresql://alumni@db/alumni?password={ENCODED}"}
    assert {SECRET, ENCODED} <= set(logs.secrets_from_env(env))
    record = logging.LogRecord("sqlalchemy.pool", logging.WARNING, __file__, 1, "reconnecting %s with %s",
                               (env["ALUMNI_DATABASE_URL"], SECRET), None)
    assert logs.RedactingFilter(logs.secrets_from_env(env)).filter(record)
    assert hidden(record.getMessage(), SECRET, ENCODED, "s3cr3t")

    monkeypatch.setenv("ALUMNI_DATABASE_URL", env["ALUMNI_DATABASE_URL"])
    echoed = OperationalError("connect", {}, Exception(f"cannot connect to {env['ALUMNI_DATABASE_URL']} ({SECRET})"))
    assert hidden(describe_exception(echoed), SECRET, ENCODED, "s3cr3t")


def run_cli(url: str, *argv: str) -> tuple[int, str]:
    """``python -m bots.cli -vv ...`` as an operator runs it: stdout and stderr (logs included)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ALUMNI_", "LC_"))}
    env.update(ALUMNI_DATABASE_URL=url, LANG="C.UTF-8", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "bots.cli", "-vv", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def test_db_upgrade_and_status_never_print_a_password_given_as_a_query_parameter(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        secrets = (SECRET, ENCODED)
        target = f"{database_url}?password={ENCODED}"
    else:  # the test server's password is its user name: look for it where a URL would show it
        secrets = (f"password={url.password}", f"{url.username}:{url.password}@")
        target = f"postgresql://{url.username}@{url.host}:{url.port}/{url.database}?password={url.password}"
    for command in (("db", "upgrade"), ("status",), ("status", "--json")):
        code, output = run_cli(target, *command)
        assert code == 0, output
        assert hidden(output, *secrets), output
        assert "password=***" in output
