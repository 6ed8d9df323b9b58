"""The C allocator's settings for a process that runs large ensembles.

An ensemble makes and drops arrays of a few megabytes per chunk (the chain's
intermediate arrays, the chunk's IAMC block, its float32 copy, the Arrow
columns). glibc's ``malloc`` maps every block above its mmap threshold
afresh and gives freed memory at the top of the heap back to the kernel
above its trim threshold, so each chunk touches new pages: at 10,000 members
``evhub run`` took about 300,000 minor page faults and 3-4 s of system time
(of 9-11 s). With the threshold at glibc's largest and the trim threshold at
1 GiB, the heap keeps its pages between chunks: about 180,000 faults and
1.6-2 s of system time, and the peak memory about the same (the heap is
reused, not grown).

:func:`tune_allocator` is called by the command line (a process of its own);
a Python program may call it too. It changes the whole process's allocator,
so the library itself never calls it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["tune_allocator"]

#: ``mallopt`` parameters (glibc's ``malloc.h``).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks above this many bytes are mapped on their own (glibc's upper limit on
#: 64-bit: 4 * 1024 * 1024 * sizeof(long)); smaller ones come from the heap.
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
#: Free memory at the top of the heap kept by the process, not returned to the kernel.
TRIM_THRESHOLD_BYTES = 1024 * 1024 * 1024


def tune_allocator() -> bool:
    """Set glibc's mmap and trim thresholds (see the module docstring).

    Returns
    -------
    bool
        Whether both settings were taken: ``False`` on a C library without
        ``mallopt`` (macOS, Windows, musl), where nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    mmap = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    trim = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    return bool(mmap) and bool(trim)
