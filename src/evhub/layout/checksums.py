"""Checksums of a run's files and of a dataset folder (SHA-256), as a manifest records them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evhub.layout.names import MANIFEST, REPORT

__all__ = [
    "file_entries",
    "sha256_file",
    "tree_checksum",
]

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _hidden(parts: Sequence[str]) -> bool:
    return any(p.startswith(".") or p == "__pycache__" for p in parts)


def tree_checksum(folder: Path) -> str:
    """One SHA-256 over the files of a folder and its sub-folders.

    Over each file in sorted order of its relative path: the path, a zero
    byte and the file's own SHA-256 (hidden files and ``__pycache__`` are
    left out), so a renamed, added, removed or changed file changes it.
    """
    digest = hashlib.sha256()
    files = sorted(
        (p.relative_to(folder).as_posix(), p)
        for p in folder.rglob("*")
        if p.is_file() and not _hidden(p.relative_to(folder).parts)
    )
    for rel, path in files:
        digest.update(rel.encode("utf-8") + b"\0" + bytes.fromhex(sha256_file(path)))
    return digest.hexdigest()


def file_entries(folder: Path) -> dict[str, dict[str, Any]]:
    """``{name: {"bytes": size, "sha256": hex}}`` of the files of a run folder.

    Every file except the manifest and the report (which ``evhub report`` adds later).
    """
    return {
        p.name: {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name not in (MANIFEST, REPORT)
    }
