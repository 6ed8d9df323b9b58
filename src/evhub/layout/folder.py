"""What a results folder holds, and whether a run may be written into it."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from evhub.errors import InputError
from evhub.layout.filesystem import exists, listdir
from evhub.layout.manifest import Manifest, Request
from evhub.layout.names import (
    ANALYSES,
    CURRENT,
    LINKED,
    LOCK,
    MANIFEST,
    RUN_ID_PATTERN,
    RUNS,
    STORE,
    TMP_RUN,
    is_temp,
)

__all__ = [
    "Folder",
    "Kind",
    "check_folder",
    "check_name",
    "check_target",
    "folder_label",
    "inspect",
    "refuse_shape",
]

_IGNORED = frozenset({LOCK, ".gitkeep", ".DS_Store"})
_OLD_SENSITIVITY = re.compile(r"^sensitivity-.+\.csv$")

Kind = Literal["missing", "file", "empty", "results", "old", "run", "foreign"]


@dataclass(frozen=True)
class Folder:
    """What a results folder (``--out``) holds, as :func:`inspect` found it.

    Attributes
    ----------
    path
        The folder.
    kind
        ``missing``; ``file`` (not a folder); ``empty``; ``results`` (this
        layout, with or without a current run); ``old`` (the files of a run,
        with its store, directly in the folder, as evhub before the manifest
        wrote them); ``run`` (the folder of one run, ``runs/<run-id>``, with
        its manifest); ``foreign`` (something else).
    manifest
        The current run's manifest, if it has one that can be read.
    problem
        Why the current run's manifest cannot be read (``results`` only).
    names
        The entries of the folder (for messages).
    """

    path: Path
    kind: Kind
    manifest: Manifest | None = None
    problem: str = ""
    names: tuple[str, ...] = ()

    @property
    def has_run(self) -> bool:
        """Whether a run is current (or was, and its manifest cannot be read)."""
        return self.manifest is not None or bool(self.problem)


def _runs_only(path: Path) -> bool:
    runs = path / RUNS
    return (
        runs.is_dir()
        and not runs.is_symlink()
        and all(RUN_ID_PATTERN.match(n) or n.startswith(TMP_RUN) for n in listdir(runs))
    )


def inspect(out: str | Path) -> Folder:
    """What a folder holds: missing, a file, empty, results of evhub (which run), or else."""
    path = Path(out)
    if not exists(path):
        return Folder(path, "missing")
    try:
        is_dir = path.is_dir()
    except (OSError, ValueError):
        is_dir = False
    if not is_dir:
        return Folder(path, "file")
    names = tuple(n for n in listdir(path) if n not in _IGNORED and not is_temp(n))
    current = path / CURRENT
    regular = [n for n in names if n in LINKED and not (path / n).is_symlink()]
    if current.is_symlink() or current.is_dir():
        try:
            manifest = Manifest.read(current / MANIFEST, path / MANIFEST)
        except InputError as exc:
            return Folder(path, "results", problem=str(exc), names=names)
        return Folder(path, "results", manifest, names=names)
    if MANIFEST in regular:
        with contextlib.suppress(InputError, OSError):
            Manifest.read(path / MANIFEST)
            return Folder(path, "run", names=names)
    if STORE in regular:  # every evhub before manifests wrote its store
        return Folder(path, "old", names=names)
    if RUNS in names and _runs_only(path):
        return Folder(path, "results", names=names)
    evhub = [
        n
        for n in names
        if n in ANALYSES or _OLD_SENSITIVITY.match(n) or (n in LINKED and (path / n).is_symlink())
    ]
    if not names:
        return Folder(path, "empty")
    if len(evhub) == len(names):
        return Folder(path, "results", names=names)
    return Folder(path, "foreign", names=names)


def folder_label(out: Path, option: str | None) -> str:
    """The folder as messages name it: ``--out OUT`` with the option that gave it, else ``OUT``."""
    return f"{option} {out}" if option else str(out)


def _listing(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def refuse_shape(folder: Folder, option: str | None) -> None:
    """Refuse a file, someone else's folder, or the folder of one run as the results folder.

    Raises
    ------
    InputError
        If ``folder`` is of kind ``file``, ``foreign`` or ``run``.
    """
    label = folder_label(folder.path, option)
    if folder.kind == "file":
        broken = folder.path.is_symlink() and not folder.path.exists()
        what = "a broken link" if broken else "a file"
        msg = f"{label}: is {what}, not a folder; give a folder for the results"
        raise InputError(msg)
    if folder.kind == "foreign":
        msg = (
            f"{label}: not empty and not an evhub results folder (it holds "
            f"{_listing(folder.names)}); give a new or empty folder"
        )
        raise InputError(msg)
    if folder.kind == "run":
        msg = (
            f"{label}: is the folder of one run (it holds {MANIFEST}), not a results folder; "
            f"give the results folder, or a new one"
        )
        raise InputError(msg)


def check_folder(out: str | Path, option: str | None = None) -> Folder:
    """Check that results may go into ``out`` at all (it is not a file nor someone else's).

    Raises
    ------
    InputError
        If ``out`` is a file, the folder of one run, or a non-empty folder
        that is not an evhub results folder.
    """
    check_name(Path(out), folder_label(Path(out), option))
    folder = inspect(out)
    refuse_shape(folder, option)
    return folder


def _describe_old(path: Path, names: Sequence[str]) -> str:
    """What an old-layout results folder holds, from its store (or its file names)."""
    import duckdb

    files = [n for n in names if n in LINKED]
    try:
        con = duckdb.connect(str(path / STORE), read_only=True)
    except (duckdb.Error, OSError):
        return f"the files {_listing(files, 6)}"
    try:
        scenarios = [str(r[0]) for r in con.execute("SELECT scenario FROM runs").fetchall()]
        created = con.execute("SELECT max(created_utc) FROM runs").fetchone()
        text = ", ".join(dict.fromkeys(scenarios))
        with contextlib.suppress(duckdb.Error):
            row = con.execute("SELECT samples, seed, sampler FROM ensemble_runs LIMIT 1").fetchone()
            if row is not None:
                text += f" with {int(row[0]):,} members (seed {row[1]}, {row[2]})"
        if created and created[0]:
            text += f", written {created[0]}"
        return text
    except (duckdb.Error, TypeError, ValueError):
        return f"the files {_listing(files, 6)}"
    finally:
        con.close()


def check_target(
    out: str | Path, request: Request, *, force: bool = False, option: str | None = None
) -> Folder:
    """Check that a run of ``request`` may be written into ``out``.

    The same request may replace its own earlier results; the results of
    another run (other scenarios, overrides, samples, seed, sampler or
    dataset), or of an evhub that wrote no manifest, only with ``force``.

    Raises
    ------
    InputError
        If ``out`` is a file, the folder of one run or someone else's folder
        (even with ``force``), or holds the results of another run (without
        ``force``); the message names what would be lost.
    """
    folder = check_folder(out, option)
    if force:
        return folder
    label = folder_label(folder.path, option)
    hint = f"give --force or another {option}" if option else "pass force=True or another folder"
    command = request.command()
    if folder.kind == "old":
        msg = (
            f"{label}: holds the results of an evhub without manifests "
            f"({_describe_old(folder.path, folder.names)}); `{command}` would replace them: {hint}"
        )
        raise InputError(msg)
    if folder.kind == "results" and folder.has_run:
        if folder.manifest is None:
            msg = (
                f"{label}: holds a run whose manifest cannot be read ({folder.problem}); "
                f"`{command}` would replace it: {hint}"
            )
            raise InputError(msg)
        other = folder.manifest.request
        if other.key() != request.key():
            msg = (
                f"{label}: holds run {folder.manifest.run_id} of {other.describe()}; "
                f"`{command}` would replace it: {hint}"
            )
            raise InputError(msg)
    return folder


def check_name(path: Path, label: str) -> None:
    """Refuse a folder name the file system cannot take (a NUL byte).

    Raises
    ------
    InputError
        If the name holds a NUL byte.
    """
    if "\0" in str(path):
        msg = f"{label}: cannot create the folder: its name holds a NUL byte (embedded null byte)"
        raise InputError(msg)
