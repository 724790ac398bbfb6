"""Reading directory files into numbered rows (CSV physical line, or JSON item index)."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from core.i18n import _
from core.i18n.formatting import format_list
from core.imports import ImportLimits
from core.text import echo

from .spreadsheet import unescape_cell

# Python's csv refuses fields above 128 KiB; the validator rejects long cells itself.
csv.field_size_limit(1_000_000)


class DirectoryFileError(Exception):
    """The file cannot be read as a directory at all (missing, not UTF-8, bad JSON, no header...)."""


Row = tuple[int, dict[str, object]]


def read_file(path: Path, limits: ImportLimits = ImportLimits()) -> list[Row]:
    """The file's rows; ``ImportLimitError`` before reading a file too large, or on too many rows."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise DirectoryFileError(_("unsupported file type {suffix}: use .csv or .json").format(suffix=suffix or "(none)"))
    try:
        limits.check_size(path.stat().st_size)
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise DirectoryFileError(_("{path} is not UTF-8 text (byte {position})").format(path=path, position=error.start)) from error
    except OSError as error:
        raise DirectoryFileError(_("cannot read {path}: {error}").format(path=path, error=error.strerror or error)) from error
    if suffix == ".json":
        rows = parse_json(text)
        limits.check_rows(len(rows))
        return rows
    rows = []
    for row in parse_csv(text):  # counted while read: a long file stops at the limit
        rows.append(row)
        limits.check_rows(len(rows))
    return rows


def parse_csv(text: str) -> Iterator[Row]:
    """Rows keyed by lower-cased header, numbered by the physical line where each record starts.

    A cell the export escaped for spreadsheets (a leading ``'``) reads back as it was stored.
    """
    text = text.removeprefix("\ufeff")
    # StringIO(newline="") breaks lines at \n, \r and \r\n only (str.splitlines would also
    # break at form feeds and U+2028, shifting the reported line numbers).
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise DirectoryFileError(_("the file is empty")) from None
    except csv.Error as error:
        raise DirectoryFileError(_("unreadable CSV header: {error}").format(error=error)) from error
    keys = [cell.strip().lower().removeprefix("\ufeff") for cell in header]
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise DirectoryFileError(_("column {column} appears twice in the header").format(column=echo(key, 60)))
        if key:
            seen.add(key)
    missing = [key for key in ("name", "country") if key not in keys]
    if missing:
        raise DirectoryFileError(_("missing column(s) in the header: {columns}").format(columns=format_list(list(missing))))
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, {"__error__": _("unreadable CSV record: {error}").format(error=error)}
            return
        last_line = reader.line_num
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if len(cells) > len(keys):
            yield start, {"__error__": _("{count} fields, the header has {expected}").format(count=len(cells), expected=len(keys))}
            continue
        yield start, dict(zip(keys, map(unescape_cell, cells)))


def parse_json(text: str) -> list[Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DirectoryFileError(_("invalid JSON at line {line}: {error}").format(line=error.lineno, error=error.msg)) from error
    if not isinstance(data, list):
        raise DirectoryFileError(_("the JSON file must hold a list of objects"))
    rows: list[Row] = []
    for index, item in enumerate(data, start=1):
        if isinstance(item, dict):
            rows.append((index, {str(key).strip().lower(): value for key, value in item.items()}))
        else:
            rows.append((index, {"__error__": _("not an object")}))
    return rows
