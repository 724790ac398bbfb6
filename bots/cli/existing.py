"""Opening a database that must already exist: read-only commands never create or migrate one."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from core.db.engine import Database
from core.i18n import _

from .errors import CliError


def existing_database(url: str) -> Database:
    """The database at ``url``; a SQLite file that is not there is one clear line, not an empty new file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            raise CliError(_("no database at {path}: run 'alumni db upgrade' first").format(path=parsed.database))
    return Database(url)
