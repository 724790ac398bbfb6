"""Writing files so that a failure never leaves a half-written or emptied file behind.

Everything the project writes (exports, saved attachments) goes to a temporary file in the
target's directory, is flushed and fsynced, then renamed over the target in one step: a
reader sees the old file or the new one, never a mix, and an export that fails half-way
keeps the previous one. The temporary file is removed on failure (interruption included).
New files are private to their owner (0600): they may hold members' personal data. A file
replaced keeps its permissions.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

TEMP_SUFFIX = ".tmp"


def _temp_beside(target: Path) -> tuple[int, Path]:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    return fd, Path(name)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], binary: bool = False, **options: Any) -> Iterator[IO[Any]]:
    """``with atomic_writer(path) as handle: handle.write(...)``: ``path`` is replaced only if the block succeeds.

    ``options`` go to ``open`` in text mode (``encoding`` defaults to UTF-8, e.g. ``newline=""`` for CSV).
    """
    target = Path(path)
    fd, temp = _temp_beside(target)
    fd_owned = True  # until a file object takes the descriptor over
    try:
        with contextlib.suppress(OSError):
            os.chmod(temp, os.stat(target).st_mode & 0o7777)  # a replaced file keeps its mode
        if binary:
            handle: IO[Any] = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", **{"encoding": "utf-8", **options})
        fd_owned = False
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        if fd_owned:
            os.close(fd)
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_directory(target.parent)


def write_atomic(path: str | os.PathLike[str], content: bytes) -> None:
    """Replace ``path`` with ``content`` in one step."""
    with atomic_writer(path, binary=True) as handle:
        handle.write(content)


def write_new(directory: Path, filename: str, content: bytes) -> Path:
    """Write ``content`` as a new file in ``directory``, never over an existing one nor outside it.

    ``filename`` is reduced to a plain name (no directories, no leading dots); when it is taken,
    ``name-1.ext``, ``name-2.ext``... The file appears complete or not at all. Returns its path.
    """
    name = Path(filename.replace("\\", "/")).name.lstrip(".") or "attachment"
    stem, suffix = Path(name).stem, Path(name).suffix
    fd, temp = _temp_beside(directory / name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        counter = 0
        while True:
            target = directory / (name if counter == 0 else f"{stem}-{counter}{suffix}")
            try:
                os.link(temp, target)  # fails if the name is taken: never replaces a file
                break
            except FileExistsError:
                counter += 1
            except OSError:  # a file system without hard links: check, then rename
                if target.exists():
                    counter += 1
                    continue
                os.replace(temp, target)
                break
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    _fsync_directory(directory)
    return target
