"""Writing a run: fill a temporary folder, rename it into ``runs/``, swap ``current``, relink.

A run fills ``runs/.tmp-<run-id>-<pid>/``, writes its manifest there, renames
the folder to ``runs/<run-id>`` and then points ``current`` at it with one
rename of a link: a reader sees the old run or the new one, never a mix. The
crash-test hook (``EVHUB_CRASH_AT=<stage>``, :data:`CRASH_STAGES`) kills the
writer at each stage.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from evhub.errors import InputError
from evhub.layout.checksums import file_entries
from evhub.layout.filesystem import exists, fsync_dir, listdir, reason, remove
from evhub.layout.folder import inspect
from evhub.layout.manifest import Manifest
from evhub.layout.names import CURRENT, LINKED, MANIFEST, RUN_ID_PATTERN, RUNS, TMP_RUN

__all__ = [
    "CRASH_ENV",
    "CRASH_STAGES",
    "link",
    "relink",
    "write_atomically",
    "write_run",
]

#: Environment variable of the crash test hook: a stage of :data:`CRASH_STAGES`.
CRASH_ENV = "EVHUB_CRASH_AT"
#: Stages of a write at which ``EVHUB_CRASH_AT=<stage>`` kills the writer (SIGKILL):
#: after the temporary folder is filled, after its manifest, after it is renamed
#: to ``runs/<run-id>`` (before the swap), after ``current`` is swapped, after the
#: links are updated (before old runs are removed); and, replacing the files of
#: an evhub without manifests, after ``current`` points at them (``adopted``).
CRASH_STAGES = ("filled", "manifest", "renamed", "swapped", "linked", "adopted")


def _crash_point(stage: str) -> None:
    """The crash-test hook: die here (SIGKILL) if ``EVHUB_CRASH_AT`` names this stage."""
    if os.environ.get(CRASH_ENV) == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())


def _new_run_id(created: dt.datetime) -> str:
    return f"{created.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def link(out: Path, name: str) -> None:
    """Make ``out/name`` a link to ``current/name`` (atomically; no-op if it is one)."""
    target = os.path.join(CURRENT, name)
    path = out / name
    with contextlib.suppress(OSError):
        if path.is_symlink() and os.readlink(path) == target:
            return
    tmp = out / f".{name}.tmp-{os.getpid()}"
    remove(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, path)


def _point_current(out: Path, run: Path) -> None:
    """Swap ``out/current`` to ``runs/<run-id>`` with one rename."""
    current = out / CURRENT
    if current.is_dir() and not current.is_symlink():  # a copy made without links
        parked = out / RUNS / f"{TMP_RUN}current-{os.getpid()}"
        os.replace(current, parked)
    tmp = out / f".{CURRENT}.tmp-{os.getpid()}"
    remove(tmp)
    os.symlink(os.path.join(RUNS, run.name), tmp)
    os.replace(tmp, current)
    fsync_dir(out)


def relink(out: Path, run: Path) -> None:
    """Make the names in ``out`` match the current run: links for its files, nothing else.

    Files of an old layout (real files where the links go) are removed first,
    all of them, before the first link is made: a reader sees old files, or
    none, or links into the current run, never old and new together.
    """
    for name in LINKED:
        path = out / name
        if exists(path) and not path.is_symlink():
            remove(path)
    have = {n for n in LINKED if (run / n).is_file()}
    for name in LINKED:
        if name in have:
            link(out, name)
        elif (out / name).is_symlink():
            remove(out / name)


def _adopt(out: Path) -> None:
    """Turn a folder of an evhub without manifests into this layout, with its files as the run.

    The files are hard-linked (or copied) into a run folder, ``current`` is
    pointed at it, and each file is replaced by its link with one rename: at
    every moment each name shows the same old content. The new run then
    replaces this one as any other.
    """
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run_id = _new_run_id(created)
    runs = out / RUNS
    runs.mkdir(exist_ok=True)
    tmp = runs / f"{TMP_RUN}{run_id}-{os.getpid()}"
    tmp.mkdir()
    try:
        for name in LINKED:
            source = out / name
            if source.is_file() and not source.is_symlink():
                try:
                    os.link(source, tmp / name)
                except OSError:  # no hard links on this file system
                    shutil.copy2(source, tmp / name)
        os.replace(tmp, runs / run_id)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _point_current(out, runs / run_id)
    _crash_point("adopted")
    for name in LINKED:
        path = out / name
        if path.is_file() and not path.is_symlink():
            link(out, name)


def write_run(
    out: str | Path,
    fill: Callable[[Path, str, dt.datetime], None],
    describe: Callable[[str, dt.datetime], Mapping[str, Any]],
) -> Manifest:
    """Write one run into a results folder and swap it in (with :func:`evhub.layout.lock` held).

    ``fill(folder, run_id, created)`` writes the run's files into a new
    temporary folder ``runs/.tmp-<run-id>-<pid>``; ``describe(run_id,
    created)`` gives its manifest, to which the files and their checksums
    are added. The folder is renamed to ``runs/<run-id>``, ``current`` is
    swapped to it, the links follow, and the other runs are removed. If
    anything fails before the swap, the folder is as it was.

    Raises
    ------
    InputError
        If the folder cannot be written (the message names it and why).
    """
    path = Path(out)
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run_id = _new_run_id(created)
    runs = path / RUNS
    tmp = runs / f"{TMP_RUN}{run_id}-{os.getpid()}"
    final = runs / run_id
    swapped = False
    try:
        if inspect(path).kind == "old":  # (check_target let it through: force)
            _adopt(path)
        runs.mkdir(exist_ok=True)
        tmp.mkdir()
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)
        fill(tmp, run_id, created)
        _crash_point("filled")
        body = dict(describe(run_id, created))
        body["files"] = file_entries(tmp)
        _write_json(tmp / MANIFEST, body)
        _crash_point("manifest")
        os.replace(tmp, final)
        fsync_dir(runs)
        _crash_point("renamed")
        _point_current(path, final)
        swapped = True
        _crash_point("swapped")
        relink(path, final)
        _crash_point("linked")
        for name in listdir(runs):
            if name != run_id and (RUN_ID_PATTERN.match(name) or name.startswith(TMP_RUN)):
                remove(runs / name)
    except OSError as exc:
        state = "the new run is in place" if swapped else "nothing was changed"
        msg = f"{path}: cannot write the results ({reason(exc)}); {state}"
        raise InputError(msg) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if not swapped and final.exists():
            shutil.rmtree(final, ignore_errors=True)
    return Manifest(final / MANIFEST, body)


def write_atomically(out: Path, writer: Callable[[Path], None]) -> Path:
    """Let ``writer`` fill a temporary folder, then move its files into ``out``.

    If ``out`` does not exist, the filled folder is renamed to ``out`` (it is
    made beside it); otherwise the temporary folder is made inside ``out``
    (on its file system, which may be another one than its parent's) and
    each file replaces its namesake with one rename. If ``writer`` fails,
    nothing in ``out`` changes (and ``out`` is not created).

    Raises
    ------
    InputError
        If ``out`` is a file or cannot be written.
    """
    out = Path(out)
    try:
        if out.exists() and not out.is_dir():
            msg = f"{out}: is a file, not a folder"
            raise InputError(msg)
        if out.is_dir():
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out))
        else:
            parent = out.absolute().parent
            parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    except OSError as exc:
        msg = f"{out}: cannot write into the folder ({exc.strerror or exc})"
        raise InputError(msg) from None
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the output folder should not be
    try:
        writer(tmp)
        if not out.exists():
            os.replace(tmp, out)
            return out
        for item in sorted(tmp.iterdir()):
            target = out / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(item, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out
