"""An ensemble's tables in the DuckDB store, written chunk by chunk.

Every member's IAMC variables go into :data:`PATHS_TABLE` (one float32
array over the model years per scenario, run and variable) with the long
view :data:`ENSEMBLE_TABLE`, beside the sampled inputs (``samples``), the
distributions and the ensemble's settings (:func:`write_store`). The rows are
Arrow tables converted in a thread ahead of DuckDB and inserted by whole row
groups on two connections at once, so memory does not grow with the number
of members; ``evhub run`` fills the members' table while the chunks still
run (:class:`StoreStream`). The table and column names are those of
:data:`evhub.layout.ENSEMBLE_STORE_TABLES`.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from evhub import layout
from evhub.distributions import show_spec
from evhub.errors import InputError
from evhub.provenance import citation_text, citations
from evhub.readable import exact
from evhub.variables import iamc_names

if TYPE_CHECKING:
    import pyarrow as pa

    from evhub.ensemble.summary import Ensemble, Member

__all__ = ["ENSEMBLE_TABLE", "PATHS_TABLE", "StoreStream", "side_tables", "write_store"]

F = NDArray[np.float64]
T = TypeVar("T")

#: Store table of every member's values, one array over the years per
#: (scenario, run, variable), and the long-format view of it.
PATHS_TABLE = "ensemble_paths"
ENSEMBLE_TABLE = "ensemble"
#: Chunks read ahead while DuckDB stores the last (memory: this many chunks).
_READ_AHEAD = 2
#: Rows of the store's ensemble table per insert: whole row groups of DuckDB
#: (122,880 rows each) go straight to the file; a part of one goes through the
#: write-ahead log and is copied again at the next checkpoint.
_INSERT_ROWS = 2 * 122_880
#: DuckDB's memory limit while the ensemble is stored (written blocks need not stay cached).
_STORE_MEMORY = "256MB"
#: Insert statements run at once (DuckDB appends one statement's rows on one thread).
_WRITERS = 2
#: DuckDB's compression methods left out while the members' values are stored: those
#: it would try on a FLOAT column. The float32 values come from float64 arithmetic and
#: use their whole mantissa, so ALP stored them in 92 % of the bytes of the plain
#: floats (10,000 members: 308 MB against 332 MB) for half of the insert's CPU time;
#: without them DuckDB stores the floats as they are. The other columns (names, runs,
#: the NULL mask) keep theirs.
_FLOAT_COMPRESSION = "alp,alprd,rle"
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def write_store(
    ensemble: Ensemble, con: Any, progress: Callable[[int, int, str], None] | None = None
) -> None:
    """Add the ensemble tables to an open DuckDB connection, chunk by chunk.

    Tables: ``ensemble`` (scenario, run, variable, year, value: every
    member's IAMC variables, long format; a view of ``ensemble_paths``),
    ``ensemble_paths`` (scenario, run, variable, value: each member's
    values of a variable over the model years, one ``FLOAT[years]`` array
    per row, as stored), ``samples`` (scenario, run, parameter, value:
    every member's sampled inputs), ``distributions`` (scenario,
    parameter, distribution, central value, sources) and ``ensemble_runs``
    (scenario, samples, seed, sampler, chunk size). Their comments are
    written with those of the other tables (:func:`evhub.layout.comment_store`).

    The values are stored as float32: a relative rounding error of at most
    2**-24 (about 6e-8; 0.5 vehicles in a stock of 8 million), against
    inputs uncertain by percents (their sampled ranges). Nothing in evhub
    reads the members back from the store: the summaries in
    ``iamc_quantiles.csv``, ``targets.csv`` and the scorecard come from the
    float64 chunks. ``ensemble.value`` reads them back as DOUBLE; a NaN (a
    variable without a value in a year) is NULL. DuckDB stores the floats
    as they are (:data:`_FLOAT_COMPRESSION`): its float compression saved 8 %
    of the bytes for half of the insert's CPU time.

    Each chunk becomes an Arrow table of ``variables x members`` rows, read
    and converted in a thread ahead of DuckDB (:func:`_read_ahead`); the
    rows go in by statements of whole row groups on two connections at
    once (:func:`_insert`). Memory does not grow with the number of members.

    Parameters
    ----------
    ensemble
        The ensemble (its chunk files are read back one by one).
    con
        An open ``duckdb`` connection to the store.
    progress
        Called as ``progress(done, total, description)`` after each chunk.

    Raises
    ------
    InputError
        If a value is finite but beyond the float32 range (about 3.4e38).
    """
    years = [int(y) for y in ensemble.dataset.years]
    jobs = [
        (name, member, k)
        for name, member in ensemble.members.items()
        for k in range(len(member.chunks))
    ]
    streamed = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [PATHS_TABLE]
    ).fetchone()[0]
    if streamed:  # written while the chunks ran (evhub.ensemble.run_ensemble(stream_store=True))
        if progress is not None:
            progress(len(jobs), len(jobs), "writing the ensemble to DuckDB")
    else:
        _create_paths_table(con, len(years))
        with contextlib.closing(
            _read_ahead(functools.partial(_path_table, ensemble), jobs)
        ) as chunks:
            _insert(con, PATHS_TABLE, chunks, len(jobs), progress)
    listed = ", ".join(str(y) for y in years)
    con.execute(
        f"CREATE VIEW {ENSEMBLE_TABLE} AS SELECT scenario, run, variable, "
        f"unnest([{listed}]::SMALLINT[]) AS year, unnest(value)::DOUBLE AS value "
        f"FROM {PATHS_TABLE}"
    )
    frames = side_tables(ensemble)
    for table, frame in frames.items():
        layout.ENSEMBLE_STORE_TABLES[table].create(con, frame)


def side_tables(ensemble: Ensemble) -> dict[str, pd.DataFrame]:
    """The ensemble's tables beside its members' values, by table name.

    ``samples`` holds each member's sampled inputs (long format), ``distributions``
    each sampled input's distribution, central value and sources, ``ensemble_runs``
    one row per scenario of the ensemble's settings.
    """
    samples = []
    for name in ensemble.members:
        inputs = (
            ensemble.inputs(name)
            .reset_index()
            .melt(id_vars="run", var_name="parameter", value_name="value")
        )
        inputs.insert(0, "scenario", name)
        samples.append(inputs)
    frames = {
        "samples": pd.concat(samples, ignore_index=True)
        if samples
        else pd.DataFrame(columns=["scenario", "run", "parameter", "value"]),
        "distributions": pd.DataFrame(
            [
                {
                    "scenario": name,
                    "parameter": path,
                    "distribution": show_spec(dist.spec()),
                    "central": dist.central,
                    "source": citation_text(citations(member.scenario, path, ensemble.dataset)),
                }
                for name, member in ensemble.members.items()
                for path, dist in member.scenario.distributions.items()
            ],
            columns=["scenario", "parameter", "distribution", "central", "source"],
        ),
        "ensemble_runs": pd.DataFrame(
            [
                {
                    "scenario": name,
                    "samples": ensemble.samples,
                    "seed": ensemble.seed,
                    "sampler": ensemble.sampler,
                    "chunk_size": ensemble.chunk_size,
                    "inputs_sampled": len(member.design.columns),
                }
                for name, member in ensemble.members.items()
            ]
        ),
    }
    return frames


def _path_table(ensemble: Ensemble, name: str, member: Member, k: int) -> pa.Table:
    """Chunk ``k`` of a scenario as rows of :data:`PATHS_TABLE` (an Arrow table)."""
    start, _ = member.bounds[k]
    years = [int(y) for y in ensemble.dataset.years]
    index = ensemble.scenarios.index(name)
    names = iamc_names(ensemble.dataset.dims)
    return _arrow_rows(member.chunk(k), start, index, ensemble.scenarios, years, names)


def _arrow_rows(
    block: F,
    start: int,
    index: int,
    scenarios: Sequence[str],
    years: Sequence[int],
    variables: Sequence[str],
) -> pa.Table:
    """A chunk (variable, member, year) of scenario ``scenarios[index]`` as store rows.

    ``variables`` names the chunk's variables (:func:`evhub.variables.iamc_names`).
    """
    import pyarrow as pa

    n_var, n_run, n_year = block.shape
    values = _float32(block, start, years, variables)
    rows = n_var * n_run
    scenario = pa.DictionaryArray.from_arrays(
        pa.array(np.full(rows, index, dtype=np.int32)), pa.array(list(scenarios), pa.string())
    )
    variable = pa.DictionaryArray.from_arrays(
        pa.array(np.repeat(np.arange(n_var, dtype=np.int32), n_run)),
        pa.array(list(variables), pa.string()),
    )
    run = np.tile(np.arange(start, start + n_run, dtype=np.int32), n_var)
    flat = values.reshape(-1)
    value = pa.FixedSizeListArray.from_arrays(pa.array(flat, mask=np.isnan(flat)), n_year)
    return pa.table(
        [scenario, pa.array(run), variable, value],
        names=["scenario", "run", "variable", "value"],
    )


def _create_paths_table(con: Any, years: int) -> None:
    con.execute(
        f"CREATE TABLE {PATHS_TABLE} (scenario VARCHAR, run INTEGER, variable VARCHAR, "
        f"value FLOAT[{years}])"
    )


class StoreStream:
    """The store's :data:`PATHS_TABLE`, filled in a thread as the chunks finish.

    ``evhub run`` writes its store anyway, so the members go into a DuckDB
    file in the scratch folder while the next chunks run (DuckDB and numpy
    release the GIL: on two cores the store costs little wall time);
    :func:`write_store` then finds the table written and adds the
    rest. Errors (a value beyond float32) are raised by :meth:`put` or
    :meth:`finish`.
    """

    def __init__(
        self,
        path: Path,
        scenarios: Sequence[str],
        years: Sequence[int],
        total: int,
        variables: Sequence[str],
    ) -> None:
        import duckdb

        self.path = path
        self.variables = tuple(variables)
        self.items: queue.SimpleQueue[tuple[F, int, int] | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.con = duckdb.connect(str(path))
        _create_paths_table(self.con, len(years))
        self.thread = threading.Thread(
            target=self._run,
            args=(list(scenarios), [int(y) for y in years], total),
            name="evhub-store-stream",
            daemon=True,
        )
        self.thread.start()

    def _chunks(self, scenarios: list[str], years: list[int]) -> Iterator[pa.Table]:
        while (item := self.items.get()) is not None:
            block, start, index = item
            yield _arrow_rows(block, start, index, scenarios, years, self.variables)

    def _run(self, scenarios: list[str], years: list[int], total: int) -> None:
        try:
            _insert(self.con, PATHS_TABLE, self._chunks(scenarios, years), total, None)
        except BaseException as exc:  # raised in the main thread by put() or finish()
            self.error = exc

    def put(self, block: F, start: int, index: int) -> None:
        """Queue one finished chunk (of scenario ``index``, members from ``start``)."""
        if self.error is not None:
            raise self.error
        self.items.put((block, start, index))

    def finish(self) -> Path:
        """Wait for every queued chunk; return the store file."""
        self.items.put(None)
        self.thread.join()
        self.con.close()
        if self.error is not None:
            raise self.error
        return self.path

    def abort(self) -> None:
        """Stop after a failure of the run (the scratch folder goes with it)."""
        self.items.put(None)
        self.thread.join()
        self.con.close()


def _insert(
    con: Any,
    table: str,
    chunks: Iterator[pa.Table],
    total: int,
    progress: Callable[[int, int, str], None] | None,
) -> None:
    """Insert Arrow tables into ``table``, :data:`_INSERT_ROWS` rows per statement.

    An insert of whole row groups goes straight to the file; one of a chunk
    (fewer rows than a row group) would go through the write-ahead log and be
    copied again at the next checkpoint. The chunks' slices are joined into
    one Arrow batch per statement: DuckDB appends each batch of a table on its
    own, so a statement of many small chunks (chunks of 100 members: 13,400
    rows) left as many partial row groups, which its checkpoint rewrote, with
    about 600 MB more memory at 10,000 members. The statements run on
    :data:`_WRITERS` connections at once (:class:`_Writers`). DuckDB's memory
    limit is :data:`_STORE_MEMORY` meanwhile, so that it does not keep every
    written block cached and memory stays flat; the caller's limit is restored
    (:func:`_restore_memory_limit`). The floats are stored without DuckDB's
    float compression (:data:`_FLOAT_COMPRESSION`, restored likewise).
    ``progress(done, total, ...)`` follows each chunk once its rows are stored
    or queued (at most :data:`_WRITERS` statements); the last once every row
    is stored.
    """
    import pyarrow as pa

    [(limit,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    [(disabled,)] = con.execute("SELECT current_setting('disabled_compression_methods')").fetchall()
    con.execute(f"SET memory_limit = '{_STORE_MEMORY}'")
    con.execute(f"SET disabled_compression_methods = '{_FLOAT_COMPRESSION}'")
    try:
        with _Writers(con, table) as write:
            held: list[pa.RecordBatch] = []  # slices of chunks: the next statement
            rows = 0
            for done, chunk in enumerate(chunks, 1):
                start = 0
                while start < chunk.num_rows:
                    part = chunk.slice(start, _INSERT_ROWS - rows)
                    held.extend(part.to_batches())
                    rows = (rows + part.num_rows) % _INSERT_ROWS
                    start += part.num_rows
                    if rows == 0:
                        write(pa.Table.from_batches(held).combine_chunks())
                        held = []
                if done == total:
                    if held:
                        write(pa.Table.from_batches(held).combine_chunks())
                        held = []
                    write.wait()
                if progress is not None:
                    progress(done, total, "writing the ensemble to DuckDB")
            if held:  # more chunks than ``total``
                write(pa.Table.from_batches(held).combine_chunks())
    finally:
        _restore_memory_limit(con, limit)
        if disabled:
            con.execute(f"SET disabled_compression_methods = '{disabled}'")
        else:
            con.execute("RESET disabled_compression_methods")


class _Writers:
    """``INSERT INTO table`` statements on :data:`_WRITERS` connections at once.

    DuckDB appends a statement's rows on one thread, so two statements on two
    connections to the database (``con.cursor()``) use two cores. The other
    connections see the table only if its creation is committed; inside a
    transaction of the caller every statement runs on ``con``, one at a time,
    and stays in that transaction.

    Call the object with an Arrow table to insert it (waiting while
    :data:`_WRITERS` statements run); :meth:`wait` for every statement to finish.
    A failed statement's error is raised by the next call, by :meth:`wait` or
    on leaving the ``with`` block.
    """

    def __init__(self, con: Any, table: str) -> None:
        self.table = table
        cursors = [con.cursor() for _ in range(_WRITERS)]
        seen = (
            cursors[0]
            .execute("SELECT table_name FROM duckdb_tables() WHERE table_name = ?", [table])
            .fetchall()
        )
        if not seen:  # created in the caller's transaction
            for cursor in cursors:
                cursor.close()
            cursors = [con]
        self.owned = [c for c in cursors if c is not con]
        self.free: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for cursor in cursors:
            self.free.put(cursor)
        self.slots = len(cursors)
        self.pool = ThreadPoolExecutor(self.slots, thread_name_prefix="evhub-store-writer")
        self.pending: deque[Future[None]] = deque()

    def __call__(self, rows: pa.Table) -> None:
        """Insert ``rows`` (an Arrow table) once a connection is free."""
        while len(self.pending) >= self.slots:
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(self._insert, rows))

    def _insert(self, rows: pa.Table) -> None:
        cursor = self.free.get()
        try:
            cursor.register("chunk", rows)
            cursor.execute(f"INSERT INTO {self.table} SELECT * FROM chunk")
            cursor.unregister("chunk")
        finally:
            self.free.put(cursor)

    def wait(self) -> None:
        """Wait for every statement; raise the error of a failed one."""
        while self.pending:
            self.pending.popleft().result()

    def __enter__(self) -> _Writers:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self.wait()
        finally:
            for future in self.pending:
                future.cancel()
            self.pool.shutdown(wait=True)
            for cursor in self.owned:
                cursor.close()


def _restore_memory_limit(con: Any, shown: str) -> None:
    """Set DuckDB's memory limit back to ``shown`` (``current_setting`` before the change).

    DuckDB's default limit is restored exactly; a limit the caller had set is
    set again as shown, to the precision DuckDB shows it in (e.g. ``2.7 GiB``).
    """
    con.execute("RESET memory_limit")
    [(default,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    if shown != default:
        con.execute(f"SET memory_limit = '{shown}'")


def _float32(
    block: F, start: int, years: Sequence[int], variables: Sequence[str]
) -> NDArray[np.float32]:
    """``block`` (variable, member, year) as float32; an error where a value would overflow."""
    with np.errstate(over="ignore"):  # an overflow is found and named below
        out = block.astype(np.float32)
    if np.isinf(out).any():
        over = np.isinf(out) & np.isfinite(block)
        if over.any():
            v, m, y = (int(i[0]) for i in np.nonzero(over))
            msg = (
                f"{variables[v]}, member {start + m}, {years[y]}: {exact(block[v, m, y])} is "
                f"beyond the store's float32 range (±{_FLOAT32_MAX:.3g}); check the inputs of the "
                "run"
            )
            raise InputError(msg)
    return out


def _read_ahead(
    function: Callable[..., T], jobs: Sequence[tuple[Any, ...]], ahead: int = _READ_AHEAD
) -> Generator[T, None, None]:
    """Yield ``function(*job)`` for each job in order, computing up to ``ahead`` in a thread.

    numpy, pyarrow and DuckDB release the GIL in their bulk work, so reading
    and converting the next chunks overlaps with storing the current one. An
    exception raised by ``function`` is raised here, at its job.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="evhub-read-ahead") as pool:
        pending = deque(pool.submit(function, *job) for job in jobs[:ahead])
        following = iter(jobs[ahead:])
        try:
            while pending:
                result = pending.popleft().result()
                job = next(following, None)
                if job is not None:
                    pending.append(pool.submit(function, *job))
                yield result
        finally:
            for future in pending:  # stopped early: skip the jobs not yet started
                future.cancel()
