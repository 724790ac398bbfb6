"""Regenerate core/db/migrations/versions/0001_initial.py from core/db/models.py.

Usage: python scripts/regen_migration.py   (or: make migration)

Autogenerates against an empty scratch SQLite database, so the migration describes the
whole schema. Only for the initial revision, before any installation has applied it:
once 0001 is deployed, add new revisions with ``alembic revision --autogenerate`` instead.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402

from core.db.migrate import MIGRATIONS, alembic_config  # noqa: E402

TARGET = MIGRATIONS / "versions" / "0001_initial.py"


def main() -> int:
    if TARGET.exists():
        TARGET.unlink()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'empty.db'}"
        command.revision(alembic_config(url), message="initial schema", autogenerate=True, rev_id="0001")
    produced = sorted((MIGRATIONS / "versions").glob("0001_*.py"))
    for path in produced:
        if path != TARGET:
            path.rename(TARGET)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
