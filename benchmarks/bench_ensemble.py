"""Benchmark: evhub's whole chain as ensembles of 1 to 100,000 runs.

"The whole chain" is ``evhub.run(SCENARIO, samples=N, seed=0, dataset=data)``
(the deterministic run, sampling, running every member in chunks, writing
each chunk to the scratch folder) followed by ``res.ensemble.quantiles()`` and
``res.ensemble.targets()`` (the summaries, read back from the scratch folder).
Writing the results (``res.write(folder)``) is a separate step, timed at
``STORE_RUNS`` runs in-process (the median of ``WRITE_REPEATS`` writes of one
ensemble into fresh folders), with its ``Ensemble.write_store`` part (the
ensemble tables of the DuckDB store) timed on its own. Beside each write, the
writer of commit 71f81d1 (:func:`reference_store_71f81d1`: a pandas frame per
chunk in long format, float64, inserted from pandas) stores the same ensemble
into a fresh DuckDB file, so that the speed-up is also measured on today's
variables (the store held 68 variables x 61 years per member then).

End to end (:func:`end_to_end`): ``evhub run SCENARIO --samples E2E_RUNS
--seed 1 --out DIR`` as a whole process (interpreter start, imports, the
run, the summaries, every file), against the in-process compute
``evhub.run(SCENARIO, samples=E2E_RUNS, seed=1)`` timed inside a fresh
process (imports not timed); ``E2E_REPEATS`` pairs, one after the other, so
that a change in the machine's load hits both; medians.

Each (runs, mode) is measured in a fresh Python process, so its peak memory is
that run's alone: ``ru_maxrss`` of ``RUSAGE_SELF`` (the main process) and, with
Dask workers, of ``RUSAGE_CHILDREN`` (the largest worker process, counted once
the workers have exited, which ``evhub.run`` waits for). Interpreter start,
imports and loading the dataset are not timed; one deterministic run warms
the caches first (its time is reported as the cold first call).

Modes: ``in-process`` (chunks of ``DEFAULT_CHUNK`` members in this process) and
``workers=2`` (a Dask ``LocalCluster`` of 2 worker processes, started and
stopped inside ``evhub.run``, so its start-up is part of the time).

Run ``python benchmarks/bench_ensemble.py`` to print the table,
``python benchmarks/bench_ensemble.py --end-to-end`` for the end-to-end pairs, or
``python benchmarks/bench_ensemble.py --profile [RUNS]`` for the evhub
functions with the most cumulative time in an in-process ensemble.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SCENARIO = "baseline"
SIZES = (1, 1_000, 10_000, 100_000)
BOTH_MODES = (1_000, 10_000)  # sizes measured in-process and with workers
WORKERS = 2
STORE_RUNS = 10_000  # the size at which res.write() is timed
WRITE_REPEATS = 3  # writes of the same ensemble (median)
E2E_RUNS = 10_000  # members of the end-to-end run
E2E_SEED = 1
E2E_REPEATS = 5  # (end to end, compute) pairs (median)
PROFILE_RUNS = 10_000
DETERMINISTIC_REPEATS = 7
IN_PROCESS = "in-process"
DASK = f"workers={WORKERS}"
GB = 1e9  # bytes
_RESULT = "BENCH-RESULT "

PrintFn = Callable[[str], None]


# --------------------------------------------------------------------------
# In the fresh process
# --------------------------------------------------------------------------


def _measure(runs: int, mode: str, write: bool) -> dict:
    """Time the whole chain for ``runs`` members in this (fresh) process."""
    import evhub  # imports evhub.ensemble too: an import, not timed
    from evhub.variables import iamc_variables

    if mode == DASK:
        import dask.distributed  # noqa: F401  (likewise)

    data = evhub.load_dataset()
    start = time.perf_counter()
    evhub.run(SCENARIO, dataset=data)  # warm-up: lazy imports and caches
    cold = time.perf_counter() - start

    workers = WORKERS if mode == DASK else None
    start = time.perf_counter()
    res = evhub.run(SCENARIO, samples=runs, seed=0, dataset=data, workers=workers)
    ran = time.perf_counter()
    assert res.ensemble is not None
    res.ensemble.quantiles()
    summarised = time.perf_counter()
    res.ensemble.targets()
    end = time.perf_counter()
    main_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scratch = sum(p.stat().st_size for p in res.ensemble.scratch.iterdir())
    out = {
        "runs": runs,
        "mode": mode,
        "cold_first_run_s": cold,
        "run_s": ran - start,
        "quantiles_s": summarised - ran,
        "targets_s": end - summarised,
        "total_s": end - start,
        "main_bytes": main_kib * 1024,
        "workers_bytes": workers_kib * 1024 if mode == DASK else None,
        "scratch_bytes": scratch,
    }
    if write:
        out.update(_write_times(res, WRITE_REPEATS))
        out["store_variables"] = len(iamc_variables(data.dims))
        out["store_years"] = len(data.years)
        out["store_rows"] = runs * out["store_variables"] * out["store_years"]
    res.ensemble.close()
    return out


def reference_store_71f81d1(ensemble, con) -> None:
    """The ensemble tables as commit 71f81d1 wrote them, on today's ensemble: the reference.

    ``Ensemble.write_store`` of 71f81d1 (``src/evhub/ensemble.py``) re-created
    with today's names: one pandas frame per chunk in long format (scenario,
    run, variable, year, value; float64, categorical names) registered and
    inserted into ``ensemble``, then ``samples``, ``distributions`` and
    ``ensemble_runs`` from pandas (the same frames as today's,
    :func:`evhub.ensemble.store.side_tables`). Only the benchmark calls it: it times the old
    way of writing on today's variables (:data:`STORE_BEFORE` in ``run.py``
    was measured on 71f81d1's 68).
    """
    import numpy as np
    import pandas as pd

    from evhub.ensemble.store import side_tables
    from evhub.variables import iamc_names

    years = np.array([int(y) for y in ensemble.dataset.years], dtype=np.int16)
    variables = pd.CategoricalDtype(list(iamc_names(ensemble.dataset.dims)))
    scenarios = pd.CategoricalDtype(ensemble.scenarios)
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        "CREATE TABLE ensemble (scenario VARCHAR, run INTEGER, variable VARCHAR, "
        "year SMALLINT, value DOUBLE)"
    )
    for name, member in ensemble.members.items():
        for k, (start, stop) in enumerate(member.bounds):
            block = member.chunk(k)  # (variable, member, year)
            n_var, n_run, n_year = block.shape
            frame = pd.DataFrame(
                {
                    "scenario": pd.Categorical.from_codes(
                        np.zeros(block.size, dtype=np.int8) + ensemble.scenarios.index(name),
                        dtype=scenarios,
                    ),
                    "run": np.tile(
                        np.repeat(np.arange(start, stop, dtype=np.int32), n_year), n_var
                    ),
                    "variable": pd.Categorical.from_codes(
                        np.repeat(np.arange(n_var, dtype=np.int16), n_run * n_year),
                        dtype=variables,
                    ),
                    "year": np.tile(years, n_var * n_run),
                    "value": block.reshape(-1),
                }
            )
            con.register("chunk", frame)
            con.execute("INSERT INTO ensemble SELECT * FROM chunk")
            con.unregister("chunk")
    frames = side_tables(ensemble)  # the same tables then
    for table, frame in frames.items():
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
        con.unregister("frame")


def _reference_time(ensemble, path: Path) -> tuple[float, float, float, int]:
    """Time :func:`reference_store_71f81d1` into a new file at ``path``.

    Returns the wall-clock and CPU seconds of the call (timed as
    ``Ensemble.write_store`` is: the store open, the close not included),
    the wall-clock seconds of the close that follows (DuckDB's checkpoint)
    and the file's bytes.
    """
    import duckdb

    con = duckdb.connect(str(path))
    try:
        cpu, start = time.process_time(), time.perf_counter()
        reference_store_71f81d1(ensemble, con)
        wall, used = time.perf_counter() - start, time.process_time() - cpu
    finally:
        closing = time.perf_counter()
        con.close()
    closed = time.perf_counter() - closing
    size = path.stat().st_size
    path.unlink()
    return wall, used, closed, size


def _write_times(res, repeats: int) -> dict:
    """Medians of ``res.write()``, of its ``Ensemble.write_store`` part and of the reference.

    Seconds of wall-clock time and of CPU time (this process, every thread).
    Each write is followed by a write of the same ensemble by 71f81d1's writer
    (:func:`reference_store_71f81d1`, into a file of its own), so that a
    change in the machine's load hits both. The peak memory with writing is
    taken after the first write, before the reference's first.
    """
    ensemble = res.ensemble
    inner = ensemble.write_store
    store: list[tuple[float, float]] = []

    def timed(con, progress=None):
        cpu, start = time.process_time(), time.perf_counter()
        inner(con, progress)
        store.append((time.perf_counter() - start, time.process_time() - cpu))

    ensemble.write_store = timed  # this object only
    writes: list[tuple[float, float]] = []
    reference: list[tuple[float, float, float, int]] = []
    peak = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for k in range(repeats):
                cpu, start = time.process_time(), time.perf_counter()
                folder = res.write(Path(tmp) / f"out{k}")
                writes.append((time.perf_counter() - start, time.process_time() - cpu))
                size = (folder / "evhub.duckdb").stat().st_size
                if k == 0:  # before the reference's frames (its peak is its own)
                    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
                reference.append(_reference_time(ensemble, Path(tmp) / f"reference{k}.duckdb"))
    finally:
        del ensemble.write_store
    median = statistics.median
    return {
        "write_s": median(w for w, _ in writes),
        "write_cpu_s": median(c for _, c in writes),
        "store_s": median(w for w, _ in store),
        "store_cpu_s": median(c for _, c in store),
        "write_repeats": repeats,
        "store_bytes": size,
        "reference_s": median(r[0] for r in reference),
        "reference_cpu_s": median(r[1] for r in reference),
        "reference_close_s": median(r[2] for r in reference),
        "reference_bytes": reference[-1][3],
        "main_bytes_with_write": peak,
    }


def _compute(runs: int) -> dict:
    """Time ``evhub.run(SCENARIO, samples=runs, seed=E2E_SEED)`` in this (fresh) process.

    The allocator is set as ``evhub run`` sets it (:func:`evhub.allocator.tune_allocator`),
    so that the two sides of the ratio differ only in what the command adds.
    """
    import evhub  # imports evhub.ensemble too: an import, not timed
    from evhub.allocator import tune_allocator

    tune_allocator()

    cpu, start = time.process_time(), time.perf_counter()
    res = evhub.run(SCENARIO, samples=runs, seed=E2E_SEED)
    out = {"compute_s": time.perf_counter() - start, "compute_cpu_s": time.process_time() - cpu}
    assert res.ensemble is not None
    res.ensemble.close()
    return out


def _run_child(command: list[str]) -> dict:
    """Run a child of this module; return the figures it printed."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(_RESULT)]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout + done.stderr)
        msg = f"{' '.join(command)} failed with exit code {done.returncode}"
        raise RuntimeError(msg)
    result: dict = json.loads(lines[-1][len(_RESULT) :])
    return result


def _whole_process(command: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of ``command``, start-up included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        msg = f"{' '.join(command)} failed with exit code {done.returncode}"
        raise RuntimeError(msg)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def end_to_end(runs: int = E2E_RUNS, repeats: int = E2E_REPEATS) -> dict:
    """``evhub run`` as a whole process against the in-process compute: medians of pairs.

    Returns the medians of the end-to-end and compute seconds (wall clock and
    CPU) and of their ratio, taken pair by pair, and the command.
    """
    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeats):
            compute = _run_child(
                [sys.executable, str(Path(__file__).resolve()), "--compute", str(runs)]
            )
            command = [
                *(sys.executable, "-m", "evhub", "run", SCENARIO),
                *("--samples", str(runs), "--seed", str(E2E_SEED), "--out", f"{tmp}/out{k}"),
            ]
            wall, cpu = _whole_process(command)
            pairs.append(
                {
                    **compute,
                    "e2e_s": wall,
                    "e2e_cpu_s": cpu,
                    "ratio": wall / compute["compute_s"],
                    "cpu_ratio": cpu / compute["compute_cpu_s"],
                }
            )
    shown = ["evhub", *command[3:-1], "DIR"]
    out: dict = {key: statistics.median(p[key] for p in pairs) for key in pairs[0]}
    return {**out, "runs": runs, "repeats": repeats, "command": " ".join(shown)}


def _child(runs: int, mode: str, write: bool = False) -> dict:
    """Run :func:`_measure` in a fresh interpreter; return its figures."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(runs), mode]
    if write:
        command.append("--write")
    return _run_child(command)


# --------------------------------------------------------------------------
# In the driving process
# --------------------------------------------------------------------------


def deterministic_ms(repeats: int = DETERMINISTIC_REPEATS) -> float:
    """Median ms of ``evhub.run(SCENARIO)`` (one deterministic run), after a warm-up."""
    import evhub

    data = evhub.load_dataset()
    evhub.run(SCENARIO, dataset=data)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        evhub.run(SCENARIO, dataset=data)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def _gb(value: float | None) -> str:
    return "-" if value is None else f"{value / GB:.2f}"


def _line(row: dict) -> str:
    breakdown = f"{row['run_s']:.2f} + {row['quantiles_s']:.2f} + {row['targets_s']:.2f}"
    return (
        f"{row['runs']:>7,} | {row['mode']:<10} | {row['total_s']:>7.2f} | "
        f"{1e3 * row['total_s'] / row['runs']:>10.3f} | {_gb(row['main_bytes']):>17} | "
        f"{_gb(row['workers_bytes']):>20} | {breakdown}"
    )


def best(rows: list[dict], runs: int) -> dict:
    """The fastest row measured at ``runs``."""
    return min((r for r in rows if r["runs"] == runs), key=lambda r: r["total_s"])


def run(print_fn: PrintFn | None = None) -> dict:
    """Measure every (runs, mode); return the rows and the deterministic cost.

    The 100,000-run ensemble uses workers if they were faster at 10,000 runs.
    """
    say = print_fn or (lambda _: None)
    det = deterministic_ms()
    say(
        f"deterministic 1-run cost, evhub.run({SCENARIO!r}): {det:.1f} ms "
        f"(median of {DETERMINISTIC_REPEATS} repeats)"
    )
    say("")
    say(
        f"{'runs':>7} | {'mode':<10} | {'total s':>7} | {'ms per run':>10} | "
        f"{'peak RSS main (GB)':>17} | {'peak RSS workers (GB)':>20} | "
        "run + quantiles + targets s"
    )
    rows: list[dict] = []
    for runs in SIZES:
        if runs in BOTH_MODES:
            modes = [IN_PROCESS, DASK]
        elif runs == max(SIZES):
            faster = best(rows, max(BOTH_MODES))["mode"]
            modes = [faster]
        else:
            modes = [IN_PROCESS]
        for mode in modes:
            row = _child(runs, mode, write=runs == STORE_RUNS and mode == IN_PROCESS)
            rows.append(row)
            say(_line(row))
    largest = rows[-1]
    say(
        f"({largest['runs']:,} runs use {largest['mode']}: the faster mode at "
        f"{max(BOTH_MODES):,} runs. Peak RSS workers: the largest worker process "
        f"(ru_maxrss of RUSAGE_CHILDREN). GB = 10^9 bytes.)"
    )
    say(
        f"(not timed: interpreter start, imports, loading the dataset; the first "
        f"evhub.run in a fresh process took {rows[0]['cold_first_run_s']:.2f} s "
        f"(lazy imports, caches) and is a warm-up. Scratch files at "
        f"{largest['runs']:,} runs: {_gb(largest['scratch_bytes'])} GB on disk.)"
    )
    stored = next(r for r in rows if "write_s" in r)
    say(
        f"store, res.write() at {stored['runs']:,} runs (not in the totals): "
        f"{stored['write_s']:.2f} s (CPU {stored['write_cpu_s']:.2f} s), of which "
        f"Ensemble.write_store {stored['store_s']:.2f} s (CPU {stored['store_cpu_s']:.2f} s), "
        f"median of {stored['write_repeats']} writes; 71f81d1's writer on the same ensemble "
        f"{stored['reference_s']:.2f} s (CPU {stored['reference_cpu_s']:.2f} s; its close "
        f"{stored['reference_close_s']:.2f} s more; {_gb(stored['reference_bytes'])} GB); "
        f"{stored['store_rows']:,} ensemble rows, "
        f"evhub.duckdb {_gb(stored['store_bytes'])} GB, peak RSS main incl. write "
        f"{_gb(stored['main_bytes_with_write'])} GB"
    )
    return {"deterministic_ms": det, "rows": rows}


def peak_bytes(row: dict) -> float:
    """Peak memory of a measurement: main, plus every worker at the largest's peak."""
    workers = row["workers_bytes"] or 0
    return float(row["main_bytes"] + (WORKERS * workers if row["mode"] == DASK else 0))


def profile(runs: int = PROFILE_RUNS, top: int = 10, print_fn: PrintFn = print) -> None:
    """Profile the in-process chain for ``runs`` members; print evhub's top functions."""
    import evhub

    data = evhub.load_dataset()
    evhub.run(SCENARIO, dataset=data)  # warm-up
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    res = evhub.run(SCENARIO, samples=runs, seed=0, dataset=data)
    assert res.ensemble is not None
    res.ensemble.quantiles()
    res.ensemble.targets()
    profiler.disable()
    total = time.perf_counter() - start
    res.ensemble.close()
    package = str(Path(evhub.__file__).resolve().parent) + os.sep
    stats = pstats.Stats(profiler).stats
    mine = [
        (ct, tt, nc, f"{Path(file).resolve().relative_to(package)}:{line} {name}")
        for (file, line, name), (_, nc, tt, ct, _) in stats.items()
        if str(Path(file).resolve()).startswith(package)
    ]
    mine.sort(reverse=True)
    print_fn(
        f"cProfile, {runs:,} runs in-process, {total:.2f} s wall (with the profiler's overhead)"
    )
    print_fn(f"{'cum s':>7} {'own s':>7} {'calls':>8}  evhub function")
    for ct, tt, nc, where in mine[:top]:
        print_fn(f"{ct:>7.2f} {tt:>7.2f} {nc:>8}  {where}")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        result = _measure(int(argv[1]), argv[2], "--write" in argv)
        print(_RESULT + json.dumps(result), flush=True)
    elif argv[:1] == ["--compute"]:
        print(_RESULT + json.dumps(_compute(int(argv[1]))), flush=True)
    elif argv[:1] == ["--end-to-end"]:
        print(json.dumps(end_to_end(int(argv[1]) if len(argv) > 1 else E2E_RUNS), indent=1))
    elif argv[:1] == ["--profile"]:
        profile(int(argv[1]) if len(argv) > 1 else PROFILE_RUNS)
    else:
        run(print)


if __name__ == "__main__":  # Dask spawns processes that import this module
    main(sys.argv[1:])
