"""``alumni db upgrade``: create or migrate the schema and seed the channels."""
from __future__ import annotations

import argparse
import asyncio

from core.app import prepare_database
from core.db.migrate import current_revision
from core.i18n import _
from core.redaction import redact_url

from .common import out, settings


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the ``db`` group to the ``alumni`` parser."""
    db = groups.add_parser("db", help=_("database schema"), description=_("Database schema."))
    sub = db.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    upgrade = sub.add_parser(
        "upgrade",
        help=_("create or upgrade the schema, seed the channels"),
        description=_("Create or upgrade the database schema to the newest revision and seed the channels."),
    )
    upgrade.set_defaults(handler=db_upgrade)


def db_upgrade(args: argparse.Namespace) -> int:
    url = settings().database_url
    asyncio.run(prepare_database(url))
    revision = current_revision(url) or _("(none)")
    out(_("database {url} is at revision {revision}").format(url=redact_url(url), revision=revision))
    return 0
