"""The scratch files of an ensemble's chunks: what is read back is what was written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evhub.ensemble.chunks import ChunkFile, chunk_shape, read_chunk, read_variables, write_chunk


def _block() -> np.ndarray:
    """3 variables x 4 members x 5 years with shared, varying and special cells."""
    block = np.empty((3, 4, 5))
    block[0] = np.arange(5.0)  # every member the same: kept once
    block[1] = np.arange(20.0).reshape(4, 5)  # every cell varies
    block[2] = np.nan  # a variable without a value
    block[2, :, 3] = [1.0, 1.0, 2.0, 1.0]  # ... but in one year, varying
    block[0, :, 4] = [0.0, -0.0, 0.0, 0.0]  # equal as numbers, not as bits: varies
    return block


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint64)


def test_a_chunk_reads_back_bit_for_bit(tmp_path: Path) -> None:
    block = _block()
    path = tmp_path / "0.chunk"
    write_chunk(path, block)
    assert chunk_shape(path) == (3, 4, 5)
    np.testing.assert_array_equal(_bits(read_chunk(path)), _bits(block))
    # -0.0 of member 1 is kept apart from 0.0
    assert np.signbit(read_chunk(path)[0, 1, 4])
    assert not np.signbit(read_chunk(path)[0, 0, 4])


def test_only_the_cells_that_vary_are_kept_per_member(tmp_path: Path) -> None:
    block = _block()
    path = tmp_path / "0.chunk"
    write_chunk(path, block)
    varying = 1 + 5 + 1  # variable 0's year 4 (-0.0), variable 1's 5 years, variable 2's year 3
    with path.open("rb") as file:
        varies, first, packed = np.load(file), np.load(file), np.load(file)
    assert varies.sum() == varying
    # the varying cells' 4 members each, in (variable, year) order; not all 15 cells'
    assert packed.shape == (varying, 4)
    np.testing.assert_array_equal(packed[1:6], block[1].T)
    np.testing.assert_array_equal(packed[6], [1.0, 1.0, 2.0, 1.0])
    np.testing.assert_array_equal(_bits(first), _bits(block[:, 0, :]))


@pytest.mark.parametrize(("first", "stop"), [(0, 1), (1, 2), (2, 3), (1, 3), (0, 3)])
def test_a_range_of_variables_reads_into_a_strided_view(
    tmp_path: Path, first: int, stop: int
) -> None:
    block = _block()
    path = tmp_path / "0.chunk"
    write_chunk(path, block)
    # members 2..5 of a buffer of 8 members, as Member.variables fills it
    buffer = np.full((3, 8, 5), 7.0)
    read_variables(path, first, stop, buffer[: stop - first, 2:6])
    np.testing.assert_array_equal(_bits(buffer[: stop - first, 2:6]), _bits(block[first:stop]))
    assert (buffer[: stop - first, :2] == 7.0).all()
    assert (buffer[: stop - first, 6:] == 7.0).all()


def test_a_cut_chunk_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "0.chunk"
    write_chunk(path, _block())
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(ValueError, match="cut short"):
        read_variables(path, 0, 3, np.empty((3, 4, 5)))


def test_a_chunk_file_s_headers_are_read_once_and_again_when_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "0.chunk"
    write_chunk(path, _block())
    chunk = ChunkFile(path)
    assert chunk.shape == (3, 4, 5)
    assert chunk.before.tolist() == [0, 1, 6, 7]  # varying cells before each variable
    assert chunk.current(path)
    changed = _block()
    changed[0, 2, 0] = 99.0  # one more varying cell: the headers change
    write_chunk(path, changed)
    assert not chunk.current(path)
    out = np.empty((3, 4, 5))
    ChunkFile(path).read(0, 3, out)
    np.testing.assert_array_equal(_bits(out), _bits(changed))
