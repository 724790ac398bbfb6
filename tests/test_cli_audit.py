"""``alumni audit``: every privileged action of the command line is read back, with its filters, in-process
on SQLite and PostgreSQL. (The chat platforms' actions are read back in test_authorization.py.)"""
from __future__ import annotations

import getpass
import json
from datetime import datetime, timezone
from pathlib import Path

from core import audit
from tests.cli_fixtures import cli, cli_environment  # noqa: F401 - fixtures

YEAR = datetime.now().year + 1


def _entries(cli, *filters: str) -> list[dict]:  # noqa: ANN001
    code, out, err = cli("audit", "--json", *filters)
    assert code == 0 and not err, err
    return [json.loads(line) for line in out.splitlines()]


def test_every_command_line_action_is_read_back(cli, tmp_path: Path) -> None:  # noqa: ANN001
    started = datetime.now(timezone.utc).replace(microsecond=0)
    assert cli("audit")[1].strip() == "no audit entries"
    steps = [
        ("roles", "grant", "ambassador", "--country", "tn", "--platform", "telegram", "--user-id", "42"),
        ("roles", "revoke", "ambassador", "--country", "tn", "--platform", "telegram", "--user-id", "42"),
        ("events", "create", "--title", "Forum", "--start", f"{YEAR}-05-20 18:30", "--timezone", "Europe/Paris",
         "--country", "FR", "--place", "Paris"),
        ("events", "export", "1", "-o", str(tmp_path / "forum.ics")),
        ("events", "import", str(tmp_path / "forum.ics")),
        ("events", "cancel", "1"),
        ("directory", "import", "--sample"),
        ("announce", "--channel", "tn", "--text-fr", "Bonjour"),
        ("announce", "--channel", "tn", "--text-en", "Later", "--at", f"{YEAR}-01-02 10:00", "--timezone", "UTC"),
    ]
    for argv in steps:
        code, _out, err = cli(*argv)
        assert code == 0, (argv, err)

    found = _entries(cli)
    assert [(e["action"], e["object_kind"], e["object_id"]) for e in found] == [
        (audit.ROLE_GRANT, "member", "1"),
        (audit.ROLE_REVOKE, "member", "1"),
        (audit.EVENT_CREATE, "event", "1"),
        (audit.EVENTS_IMPORT, "calendar", "forum.ics"),
        (audit.EVENT_CANCEL, "event", "1"),
        (audit.DIRECTORY_IMPORT, "directory", "sample_directory.csv"),
        (audit.ANNOUNCEMENT_PLAN, "announcement", "1"),
        (audit.ANNOUNCEMENT_SCHEDULE, "announcement", "2"),
    ]
    user = getpass.getuser()
    assert {(e["source"], e["actor_member_id"], e["actor_user_id"]) for e in found} == {("cli", None, user)}
    assert found[0]["details"] == {"role": "ambassador", "country": "TN"}
    assert found[3]["details"]["unchanged"] == 1 and found[3]["details"]["created"] == 0
    assert found[5]["details"]["created"] > 0 and found[5]["details"]["rejected"] == 0
    assert found[6]["details"]["channel"] == "tn" and found[7]["details"]["languages"] == ["en"]
    assert all(datetime.fromisoformat(e["at"]) >= started for e in found)
    assert [e["id"] for e in found] == sorted(e["id"] for e in found)  # newest last

    assert [e["action"] for e in _entries(cli, "--action", "event.cancel")] == [audit.EVENT_CANCEL]
    assert len(_entries(cli, "--actor", f"cli:{user}")) == len(found)
    assert _entries(cli, "--actor", "telegram:42") == [] and _entries(cli, "--actor", "1") == []
    assert len(_entries(cli, "--since", started.strftime("%Y-%m-%d"))) == len(found)
    assert _entries(cli, "--since", f"{YEAR + 1}-01-01 00:00") == []

    code, out, _err = cli("audit", "--action", "role.grant")
    (line,) = out.splitlines()
    assert "role.grant" in line and f"cli:{user}" in line and "member 1" in line and "country=TN" in line


def test_bad_filters_are_one_clear_line(cli) -> None:  # noqa: ANN001
    code, out, err = cli("audit", "--action", "role.give")
    assert code == 2 and not out
    assert err.count("\n") == 1 and "role.give" in err and ", ".join(audit.ACTIONS) in err
    code, _out, err = cli("audit", "--since", "yesterday")
    assert code == 2 and "YYYY-MM-DD" in err and "UTC" in err
    code, _out, err = cli("audit", "--actor", "myspace:1")
    assert code == 2 and "telegram, discord, slack, console, cli" in err
