"""``alumni events ...``: create, list, import and export events from the command line."""
from __future__ import annotations

import argparse
from typing import Any


def add_parser(groups: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Adds the ``events`` group to the ``alumni`` parser (filled in with the events feature)."""
