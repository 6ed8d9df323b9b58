"""An ensemble chunk's IAMC values in a scratch file, without what its members share.

A chunk is a block ``(variable, member, year)`` of float64. Close to half of
its cells hold the same value in every member (the history years, the
variables no sampled input reaches, the NaN of a variable without a value in
a year): :func:`write_chunk` keeps those once and the others member by
member, so the scratch folder of a 10,000-member ensemble holds about 350 MB
rather than 650 MB. The values read back are bit for bit those written
(cells are compared by their bits, so NaN, -0.0 and 0.0 stay what they were).

The file holds three ``.npy`` arrays one after the other:

- ``varies`` (variable, year), bool: whether the cell differs between members;
- ``first`` (variable, year), float64: the first member's values (every
  member's, where the cell does not vary);
- ``packed`` (cell, member), float64: the values of the varying cells, the
  cells in (variable, year) order, so a range of variables is one stretch of
  the file (:func:`read_variables`).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

__all__ = ["ChunkFile", "chunk_shape", "read_chunk", "read_variables", "write_chunk"]

F = NDArray[np.float64]


def write_chunk(path: Path, block: F) -> None:
    """Write a chunk's block to ``path`` (a new file, or one to replace).

    Parameters
    ----------
    path
        The chunk's scratch file.
    block : (variable, member, year)
        The chunk's IAMC values, in their units.
    """
    block = np.ascontiguousarray(block, dtype=np.float64)
    bits = block.view(np.uint64)
    varies = (bits != bits[:, :1, :]).any(axis=1)
    packed = block.transpose(0, 2, 1)[varies]  # (cell, member)
    with path.open("wb") as file:
        np.save(file, varies)
        np.save(file, block[:, 0, :])
        np.save(file, packed)


def _header(file: BinaryIO) -> tuple[tuple[int, ...], np.dtype]:
    """Read a ``.npy`` header; return the array's shape and dtype (file at its data)."""
    version = np.lib.format.read_magic(file)
    shape, fortran, dtype = (
        np.lib.format.read_array_header_1_0(file)
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0(file)
    )
    if fortran:
        msg = f"{file.name}: not an ensemble chunk (an array in Fortran order)"
        raise ValueError(msg)
    return shape, dtype


class ChunkFile:
    """A chunk file's headers, read once: the cells that vary, the shared values, the offsets.

    Reading a range of variables (:meth:`read`) then reads only their packed
    values; an :class:`~evhub.ensemble.summary.Ensemble` summarising its
    variables a few at a time reads every chunk many times.
    """

    def __init__(self, path: Path) -> None:
        with path.open("rb") as file:
            self.varies: NDArray[np.bool_] = np.load(file)
            self.first: F = np.load(file)
            (_, members), self.dtype = _header(file)
            self.offset = file.tell()
        self.path = path
        self.stamp = _stamp(path)
        self.members = int(members)
        #: Varying cells before each variable (and in all: the last entry).
        self.before = np.concatenate([[0], np.cumsum(np.count_nonzero(self.varies, axis=1))])

    def current(self, path: Path) -> bool:
        """Whether these headers are those of the file now at ``path``."""
        return path == self.path and _stamp(path) == self.stamp

    @property
    def shape(self) -> tuple[int, int, int]:
        """The block's shape ``(variable, member, year)``."""
        n_var, n_year = self.first.shape
        return n_var, self.members, n_year

    def read(self, first: int, stop: int, out: F) -> None:
        """Read variables ``first:stop`` into ``out``.

        Parameters
        ----------
        first, stop
            The range of variables (indices of the block's leading axis).
        out : (stop - first, member, year)
            Where the values go; a view into a larger buffer will do.

        Raises
        ------
        ValueError
            If the file is shorter than its headers say.
        """
        out[...] = self.first[first:stop, None, :]
        skip, end = int(self.before[first]), int(self.before[stop])
        if end == skip:
            return
        packed = np.empty((end - skip, self.members), dtype=self.dtype)
        with self.path.open("rb") as file:
            file.seek(self.offset + skip * self.members * self.dtype.itemsize)
            if file.readinto(packed.data.cast("B")) != packed.nbytes:
                msg = f"{self.path}: the ensemble chunk is cut short"
                raise ValueError(msg)
        v, y = np.nonzero(self.varies[first:stop])
        out[v, :, y] = packed


def _stamp(path: Path) -> tuple[int, int]:
    """The file's modification time [ns] and size [B]: whether it was written again."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def read_variables(path: Path, first: int, stop: int, out: F) -> None:
    """Read variables ``first:stop`` of a chunk into ``out`` (see :meth:`ChunkFile.read`)."""
    ChunkFile(path).read(first, stop, out)


def read_chunk(path: Path) -> F:
    """A chunk's whole block ``(variable, member, year)``."""
    chunk = ChunkFile(path)
    out: F = np.empty(chunk.shape)
    chunk.read(0, chunk.shape[0], out)
    return out


def chunk_shape(path: Path) -> tuple[int, int, int]:
    """The shape ``(variable, member, year)`` of a chunk's block."""
    return ChunkFile(path).shape
