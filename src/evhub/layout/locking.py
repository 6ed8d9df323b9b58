"""The lock of a results folder: one writer at a time, re-entrant within a process."""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from evhub.errors import InputError
from evhub.layout.cleanup import tidy
from evhub.layout.filesystem import exists, listdir, reason
from evhub.layout.folder import Folder, check_name, folder_label, refuse_shape
from evhub.layout.names import ANALYSES, CURRENT, LOCK, RUNS

__all__ = [
    "lock",
]


@dataclass
class _Held:
    count: int


_HELD: dict[str, _Held] = {}


def _make_folder(out: Path, label: str) -> list[Path]:
    """Create ``out`` and its missing parents; return the folders created, outermost first."""
    missing: list[Path] = []
    probe = out.absolute()
    while not exists(probe):
        missing.append(probe)
        probe = probe.parent
    try:
        is_dir = probe.is_dir()
    except (OSError, ValueError):
        is_dir = False
    if not is_dir:
        what = "is a file" if probe == out.absolute() else f"{probe} is a file, not a folder"
        msg = f"{label}: {what}; give a folder for the results"
        raise InputError(msg)
    created: list[Path] = []
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            if folder.is_dir():
                continue
            _remove_created(created)
            msg = f"{label}: {folder} is a file, not a folder; give a folder for the results"
            raise InputError(msg) from None
        except (OSError, ValueError) as exc:
            _remove_created(created)
            msg = f"{label}: cannot create the folder {folder} ({reason(exc)})"
            raise InputError(msg) from None
        created.append(folder)
    return created


def _remove_created(created: Sequence[Path]) -> None:
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            return


def _read_pid(path: Path) -> str:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        text = path.read_text(encoding="utf-8").strip()
        if text.isdecimal():
            return text
    return "unknown"


def _acquire(out: Path, label: str, option: str | None) -> int:
    import fcntl  # POSIX; imported here so that evhub imports everywhere

    path = out / LOCK
    for _ in range(10):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except (OSError, ValueError) as exc:
            msg = f"{label}: cannot write into the folder ({reason(exc)})"
            raise InputError(msg) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                msg = f"{label}: cannot lock the folder ({reason(exc)})"
                raise InputError(msg) from None
            other = "another evhub process" if option else "another process"
            msg = (
                f"{label}: {other} (pid {_read_pid(path)}) is writing into this folder; "
                f"wait for it to finish or give another {option or 'folder'}"
            )
            raise InputError(msg) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except OSError:
            same = False
        if same:  # not a file that its holder removed just before we locked it
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        os.close(fd)
        time.sleep(0.01)
    msg = f"{label}: cannot lock the folder (its lock file {path} keeps changing)"
    raise InputError(msg)


@contextlib.contextmanager
def lock(out: str | Path, option: str | None = None) -> Iterator[Path]:
    """Hold the lock of a results folder (creating the folder); one writer at a time.

    Another process that holds it makes this raise at once (naming its pid):
    a second run into the same folder refuses, it does not wait. The lock is
    re-entrant within a process. While it holds the lock, the first holder
    removes what killed writers left behind (temporary folders and links, run
    folders that never became current, old runs). When the lock is released,
    its file is removed, and so is the folder, if it was created here and
    nothing was written into it.

    Raises
    ------
    InputError
        If ``out`` is a file, cannot be created or written, or another
        process writes into it.
    """
    path = Path(out)
    label = folder_label(path, option)
    check_name(path, label)
    key = os.path.realpath(path)
    held = _HELD.get(key)
    if held is not None:
        held.count += 1
        try:
            yield path
        finally:
            held.count -= 1
        return
    if exists(path) and not path.is_dir():
        refuse_shape(Folder(path, "file"), option)
    created = _make_folder(path, label)
    try:
        fd = _acquire(path, label, option)
    except BaseException:
        _remove_created(created)
        raise
    _HELD[key] = _Held(1)
    try:
        with contextlib.suppress(OSError):  # best effort: a write that follows says what fails
            tidy(path)
        yield path
    finally:
        del _HELD[key]
        with contextlib.suppress(OSError):
            (path / LOCK).unlink()
        os.close(fd)
        _remove_empty(path, created)


def _remove_empty(path: Path, created: Sequence[Path]) -> None:
    """Remove the folders a failed write leaves empty (``runs``, the analyses', ``out``)."""
    for name in (RUNS, *ANALYSES):
        sub = path / name
        if sub.is_dir() and not sub.is_symlink() and not listdir(sub):
            if name == RUNS and (path / CURRENT).is_symlink():
                continue
            with contextlib.suppress(OSError):
                sub.rmdir()
    _remove_created(created)
