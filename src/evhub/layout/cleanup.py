"""Removing what killed writers left behind: temporary and stale run folders, scratch folders."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from evhub.layout.filesystem import listdir, remove
from evhub.layout.folder import inspect
from evhub.layout.names import ANALYSES, CURRENT, RUN_ID_PATTERN, RUNS, TMP_RUN, is_temp
from evhub.layout.swap import relink

__all__ = [
    "scratch_folder",
    "tidy",
]


def _current_id(out: Path) -> str | None:
    current = out / CURRENT
    if not current.is_symlink():
        return None
    try:
        target = Path(os.readlink(current))
    except OSError:
        return None
    return target.name if RUN_ID_PATTERN.match(target.name) else None


def tidy(out: Path) -> None:
    """Remove what killed writers left behind (call with the lock held)."""
    folder = inspect(out)
    if folder.kind not in ("results", "old"):
        return
    for name in listdir(out):
        if is_temp(name):  # links and folders being swapped in
            remove(out / name)
    for analysis in ANALYSES:
        sub = out / analysis
        if sub.is_dir() and not sub.is_symlink():
            for name in listdir(sub):
                if name.startswith(TMP_RUN):
                    remove(sub / name)
    runs = out / RUNS
    current = _current_id(out)
    copied = (out / CURRENT).is_dir() and not (out / CURRENT).is_symlink()  # no links
    if runs.is_dir() and not runs.is_symlink():
        for name in listdir(runs):
            stale = RUN_ID_PATTERN.match(name) and name != current and not copied
            if name.startswith(TMP_RUN) or stale:
                remove(runs / name)
    if current is not None and (runs / current).is_dir():
        relink(out, runs / current)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def scratch_folder(
    prefix: str, base: str | Path | None = None, stale_after: float = 86_400.0
) -> Path:
    """A new scratch folder ``<base>/<prefix><pid>-...``; first remove those of dead processes.

    Folders of the same prefix whose process is gone are left-overs of a
    killed run; those without a pid in the name (older evhub) are removed
    once they are ``stale_after`` seconds old [s].

    Parameters
    ----------
    prefix
        Start of the folder's name, e.g. ``evhub-ensemble-``.
    base
        Where to make it (default: the system's temporary folder).
    stale_after
        Age from which a folder without a pid counts as left over [s].
    """
    base = Path(base if base is not None else tempfile.gettempdir())
    own = re.compile(re.escape(prefix) + r"(\d+)-")
    now = time.time()
    for path in base.glob(f"{prefix}*"):
        match = own.match(path.name)
        try:
            if not path.is_dir() or path.is_symlink():
                continue
            if match is not None:
                stale = not _alive(int(match.group(1)))
            else:
                stale = now - path.stat().st_mtime > stale_after
        except OSError:
            continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=base))
