"""Small file-system helpers of the results folder: list, test, remove, sync, explain an error."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

__all__ = [
    "exists",
    "fsync_dir",
    "listdir",
    "reason",
    "remove",
]


def reason(exc: BaseException) -> str:
    """Why an operation failed, for a message: the OS's text, else the first line of the error."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def listdir(path: Path) -> list[str]:
    """The names in a folder, sorted (none if it cannot be read)."""
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def exists(path: Path) -> bool:
    """Whether anything is at ``path``, a broken link too (``False`` for a bad name)."""
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False


def remove(path: Path) -> None:
    """Remove a file, a link or a folder with its content (nothing if it is gone)."""
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries to disk (best effort: not every file system can)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
