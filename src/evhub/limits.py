"""Limits of the run options, checked before anything is allocated.

The command line, the Python API and the dashboard pass their ensemble
options (``samples``, ``seed``, ``sampler``, ``chunk_size``, ``workers``)
through :func:`check_run_options`; an ensemble's size is checked against the
memory and the scratch disk it would need (:func:`check_ensemble_size`) before
any member is drawn.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal, get_args

from evhub.errors import InputError

__all__ = [
    "MAX_CHUNK",
    "MAX_SAMPLES",
    "MAX_SEED",
    "MAX_WORKERS",
    "SAMPLERS",
    "Sampler",
    "check_ensemble_size",
    "check_run_options",
    "memory_available",
]

#: Most ensemble members per scenario (a run of this size takes hours; more is a typo).
MAX_SAMPLES = 10_000_000
#: Largest seed: NumPy seeds are unsigned 64-bit integers.
MAX_SEED = 2**64 - 1
#: Most members run at once (memory grows with it).
MAX_CHUNK = 1_000_000
#: Most Dask worker processes on one machine.
MAX_WORKERS = 256
#: How an ensemble's draws fill the unit cube: a Latin hypercube or a scrambled Sobol sequence.
Sampler = Literal["lhs", "sobol"]
#: The samplers, in the order the messages list them.
SAMPLERS: tuple[Sampler, ...] = get_args(Sampler)

_BYTES = 8  # float64
#: Copies of a member's values held at once while quantiles are taken (values, sort, result).
_COPIES = 3


def _integer(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            msg = f"{name} {value!r}: must be a whole number"
            raise InputError(msg)
    if not low <= value <= high:
        bound = f"at least {low:,}" if value < low else f"at most {high:,}"
        msg = f"{name} {value:,}: must be {bound}"
        raise InputError(msg)
    return int(value)


def check_run_options(
    *,
    samples: Any = None,
    seed: Any = 0,
    sampler: Any = "lhs",
    chunk_size: Any = None,
    workers: Any = None,
) -> None:
    """Check the ensemble options of a run (each named as its command-line option).

    Raises
    ------
    InputError
        For a count that is not a whole number or out of its range, a negative
        seed or an unknown sampler.
    """
    if samples is not None:
        _integer("--samples", samples, 1, MAX_SAMPLES)
    _integer("--seed", seed, 0, MAX_SEED)
    if sampler not in SAMPLERS:
        msg = f"--sampler {sampler!r}: expected one of {list(SAMPLERS)}"
        raise InputError(msg)
    if chunk_size is not None:
        _integer("--chunk-size", chunk_size, 1, MAX_CHUNK)
    if workers is not None:
        _integer("--workers", workers, 1, MAX_WORKERS)


def memory_available() -> int:
    """Memory the system can give this process now [bytes] (``MemAvailable``)."""
    try:
        with Path("/proc/meminfo").open(encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    try:  # pragma: no cover - not Linux
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError):  # pragma: no cover
        return 2**63


def _size(n: float) -> str:
    for unit, scale in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n / 1e3:,.0f} kB"


def check_ensemble_size(
    samples: int,
    scenarios: int,
    *,
    variables: int,
    years: int,
    inputs: int,
    scratch: Path | None = None,
    what: str = "",
) -> None:
    """Refuse an ensemble that would not fit in memory or on the scratch disk.

    Parameters
    ----------
    samples
        Members per scenario.
    scenarios
        Scenarios in the run.
    variables, years
        IAMC variables and model years kept of every member.
    inputs
        Sampled inputs per member (the largest design of the scenarios).
    scratch
        Folder of the ensemble's scratch files (default: the system's temporary folder).
    what
        The option as the user gave it, if ``samples`` is derived from it
        (``--samples 256`` for the runs of a sensitivity analysis).

    Raises
    ------
    InputError
        Naming ``--samples``, what is needed and what is available.
    """
    folder = Path(tempfile.gettempdir()) if scratch is None else scratch
    disk = float(samples) * scenarios * variables * years * _BYTES
    # one variable of every member at a time for the quantiles, plus the draws and inputs
    memory = float(samples) * (_COPIES * years + 2 * inputs) * _BYTES
    free = shutil.disk_usage(folder).free
    available = memory_available()
    option = what or f"--samples {samples:,}"
    if disk > free:
        msg = (
            f"{option}: {scenarios} scenario(s) of {samples:,} members need about "
            f"{_size(disk)} of scratch space in {folder}, which has {_size(free)} free; "
            "run fewer members"
        )
        raise InputError(msg)
    if memory > available:
        msg = (
            f"{option}: {samples:,} runs need about {_size(memory)} of memory "
            f"and {_size(available)} is available; run fewer members"
        )
        raise InputError(msg)
