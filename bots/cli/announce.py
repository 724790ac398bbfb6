"""``alumni announce ...``: broadcast to a channel from the command line."""
from __future__ import annotations

import argparse
from typing import Any


def add_parser(groups: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds the ``announce`` command to the ``alumni`` parser (filled in with the announcements feature)."""
