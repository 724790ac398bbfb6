"""Directory CSV cells that a spreadsheet shows as text, never runs as a formula (OWASP "CSV injection").

Excel, LibreOffice and Google Sheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, after trimming, one starting with a tab or carriage return): a directory row named
``=HYPERLINK(...)`` would run when an administrator opens the export. So the export puts an
apostrophe in front of such a cell, which spreadsheets take as "this is text".

The rule is one character wide and unambiguous, so that an export imports back unchanged:

- export: a cell gets one leading ``'`` when it starts with a trigger (after any spaces), or when
  it starts with ``'`` followed by a trigger or another ``'`` (it would otherwise read as escaped);
- import: a cell loses one leading ``'`` exactly when an apostrophe follows it or a trigger does.

So ``=1`` is written ``'=1``, ``'=1`` is written ``''=1``, and a name that just starts with an
apostrophe (``'s-Hertogenbosch``) is written and read as it is, in files made by hand too.
"""
from __future__ import annotations

ESCAPE = "'"
TRIGGERS = frozenset("=+-@\t\r")


def _starts_like_formula(cell: str) -> bool:
    """A trigger first, or after leading spaces (some spreadsheets trim them before evaluating)."""
    return cell[:1] in TRIGGERS or cell.lstrip()[:1] in TRIGGERS


def _is_escaped(cell: str) -> bool:
    rest = cell[1:]
    return cell[:1] == ESCAPE and (rest[:1] == ESCAPE or _starts_like_formula(rest))


def escape_cell(value: str) -> str:
    """The cell as written to an exported CSV."""
    return ESCAPE + value if _starts_like_formula(value) or _is_escaped(value) else value


def unescape_cell(cell: str) -> str:
    """The value of a cell read from a CSV file: ``unescape_cell(escape_cell(v)) == v`` for every ``v``."""
    return cell[1:] if _is_escaped(cell) else cell
