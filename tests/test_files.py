"""Files the project writes: replaced in one step, never half-written, never over another file."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.files import atomic_writer, write_atomic, write_new


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("previous\n", encoding="utf-8")
    os.chmod(target, 0o640)
    with pytest.raises(RuntimeError):
        with atomic_writer(target, newline="") as handle:
            handle.write("half of the new one")
            raise RuntimeError("the database went away")
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]
    with atomic_writer(target) as handle:
        handle.write("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert os.stat(target).st_mode & 0o777 == 0o640  # a replaced file keeps its permissions
    write_atomic(tmp_path / "fresh.ics", b"BEGIN:VCALENDAR")
    assert (tmp_path / "fresh.ics").read_bytes() == b"BEGIN:VCALENDAR"
    assert os.stat(tmp_path / "fresh.ics").st_mode & 0o777 == 0o600  # new files: personal data, owner only
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv", "fresh.ics"]


def test_write_new_never_replaces_a_file_nor_leaves_its_directory(tmp_path: Path) -> None:
    first = write_new(tmp_path, "alumni-mydata.json", b"1")
    second = write_new(tmp_path, "alumni-mydata.json", b"2")
    escaped = write_new(tmp_path, "../../.bashrc", b"3")
    assert (first.name, second.name, escaped.name) == ("alumni-mydata.json", "alumni-mydata-1.json", "bashrc")
    assert [first.read_bytes(), second.read_bytes(), escaped.read_bytes()] == [b"1", b"2", b"3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alumni-mydata-1.json", "alumni-mydata.json", "bashrc"]
