"""Opening a run folder: its checked manifest, and that its files are the manifest's."""

from __future__ import annotations

import os
from pathlib import Path

from evhub.errors import InputError
from evhub.layout.checksums import sha256_file
from evhub.layout.manifest import Manifest
from evhub.layout.names import CURRENT, MANIFEST, RUN_FILES

__all__ = [
    "open_run",
]


def open_run(folder: str | Path) -> tuple[Path, Manifest]:
    """The run folder of a results folder (or a run folder itself) and its checked manifest.

    Every file the manifest lists must be there with its size and SHA-256,
    and no file of a run may be there that it does not list: the files are
    from one run. Messages name the files as ``folder/<name>``.

    Raises
    ------
    InputError
        If there is no manifest (a folder of an older evhub, or not of
        evhub), it cannot be read, or a file does not belong to its run.
    """
    shown = Path(folder)
    again = f"write the folder again with `evhub run --out {shown}`"
    current = shown / CURRENT
    run = shown
    if current.is_symlink() or current.is_dir():
        real = Path(os.path.realpath(current))
        if not real.is_dir():
            target = os.readlink(current) if current.is_symlink() else str(current)
            msg = f"{current}: points to {target}, which does not exist; {again}"
            raise InputError(msg)
        run = real
    if not (run / MANIFEST).is_file():
        msg = (
            f"{shown / MANIFEST}: no such file; the folder was not written by `evhub run` of "
            f"this version (or its run was interrupted); {again}"
        )
        raise InputError(msg)
    try:
        manifest = Manifest.read(run / MANIFEST, shown / MANIFEST)
    except InputError as exc:
        msg = f"{exc}; {again}"
        raise InputError(msg) from None
    mine = f"run {manifest.run_id} (its {MANIFEST})"
    for name, entry in manifest.files.items():
        path = run / name
        if not path.is_file():
            msg = f"{shown / name}: no such file, but {mine} lists it; {again}"
            raise InputError(msg)
        size = path.stat().st_size
        if size != entry["bytes"]:
            msg = (
                f"{shown / name}: {size:,} bytes, but {mine} says {entry['bytes']:,}; the files "
                f"are not from one run; {again}"
            )
            raise InputError(msg)
        digest = sha256_file(path)
        if digest != entry["sha256"]:
            msg = (
                f"{shown / name}: sha256 {digest[:12]}… does not match {entry['sha256'][:12]}… of "
                f"{mine}; the files are not from one run; {again}"
            )
            raise InputError(msg)
    for name in RUN_FILES:
        if name not in manifest.files and (run / name).exists():
            msg = f"{shown / name}: not a file of {mine}; the files are not from one run; {again}"
            raise InputError(msg)
    if run != shown:  # the names in the folder must be links, or copies of the run's files
        for name in (*RUN_FILES, MANIFEST):
            path = shown / name
            if path.is_symlink() or not path.is_file():
                continue
            same = (
                path.read_bytes() == (run / MANIFEST).read_bytes()
                if name == MANIFEST
                else name in manifest.files and sha256_file(path) == manifest.files[name]["sha256"]
            )
            if not same:
                msg = (
                    f"{path}: a file, not a link into {CURRENT}/, and not the file of {mine}; "
                    f"the folder mixes two runs (a copy without its links?); {again}"
                )
                raise InputError(msg)
    return run, manifest
