"""Ensembles: reproducible, independent of how they are run, and right on closed forms.

- the same scenario, seed and sampler give the same ensemble, byte for byte in
  the files; chunking and Dask (a local cluster, or a scheduler address) give
  exactly the in-process numbers;
- the member whose inputs are the central values is the deterministic run;
- quantiles and probabilities on cases with a closed form: sales growing at a
  uniform rate, and production linear in a uniform utilisation;
- a Latin hypercube realises each uncertain project in exactly its share of
  members;
- the DuckDB store holds every member (float32: each value within half an
  ulp of the member's float64 value) and agrees with the quantiles;
- bad arguments give one clear message, and the scratch files live and die
  with the ensemble.
"""

from __future__ import annotations

import gc
import math
import re
import tempfile
import threading
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import evhub
from evhub import InputError
from evhub.ensemble import QUANTILES, make_task, run_chunk, run_ensemble
from evhub.ensemble.chunks import chunk_shape, write_chunk
from evhub.pipeline import load_pipeline, load_stage_probabilities
from evhub.sensitivity import central_values
from evhub.variables import iamc_names

VARIABLES = list(iamc_names(evhub.load_dataset().dims))
N = 40  # members of the small ensembles: enough to tell seeds apart, fast
FLOAT32_REL = 2.0**-24  # the store keeps float32: relative rounding error at most half an ulp


def _years(dataset) -> list[int]:
    return [int(y) for y in dataset.years]


def _all_values(results, scenario: str) -> dict[str, pd.DataFrame]:
    return {v: results.ensemble.values(scenario, v) for v in VARIABLES}


def _assert_same_ensemble(a, b, scenario: str) -> None:
    """Identical quantiles, targets, sampled inputs and members (not merely close)."""
    pd.testing.assert_frame_equal(a.ensemble.quantiles(), b.ensemble.quantiles(), check_exact=True)
    pd.testing.assert_frame_equal(a.ensemble.targets(), b.ensemble.targets(), check_exact=True)
    pd.testing.assert_frame_equal(
        a.ensemble.inputs(scenario), b.ensemble.inputs(scenario), check_exact=True
    )
    for variable in VARIABLES:
        pd.testing.assert_frame_equal(
            a.ensemble.values(scenario, variable),
            b.ensemble.values(scenario, variable),
            check_exact=True,
            obj=variable,
        )


# --------------------------------------------------------------------------
# Reproducibility
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_same_seed_same_ensemble(dataset, tmp_path: Path, sampler: str) -> None:
    a = evhub.run("baseline", dataset=dataset, samples=N, seed=11, sampler=sampler)
    b = evhub.run("baseline", dataset=dataset, samples=N, seed=11, sampler=sampler)
    _assert_same_ensemble(a, b, "baseline")
    a.write(tmp_path / "a")
    b.write(tmp_path / "b")
    for name in ("iamc_quantiles.csv", "targets.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # another seed draws other inputs, and so other members
    c = evhub.run("baseline", dataset=dataset, samples=N, seed=12, sampler=sampler)
    inputs_a, inputs_c = a.ensemble.inputs("baseline"), c.ensemble.inputs("baseline")
    assert list(inputs_a.columns) == list(inputs_c.columns)
    assert not np.any(inputs_a["car.market.saturation"] == inputs_c["car.market.saturation"])
    share_a = a.ensemble.values("baseline", "Share|Sales|Passenger Cars|EV")[2035]
    share_c = c.ensemble.values("baseline", "Share|Sales|Passenger Cars|EV")[2035]
    assert not np.any(share_a.to_numpy() == share_c.to_numpy())
    assert not a.ensemble.quantiles().equals(c.ensemble.quantiles())
    for res in (a, b, c):
        res.ensemble.close()


def test_samplers_differ(dataset) -> None:
    lhs = evhub.run("hub", dataset=dataset, samples=N, seed=3, sampler="lhs")
    sobol = evhub.run("hub", dataset=dataset, samples=N, seed=3, sampler="sobol")
    assert lhs.ensemble.sampler == "lhs" and sobol.ensemble.sampler == "sobol"
    assert not lhs.ensemble.inputs("hub").equals(sobol.ensemble.inputs("hub"))
    lhs.ensemble.close()
    sobol.ensemble.close()


# --------------------------------------------------------------------------
# How the members are run does not change them
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hub_one_chunk(dataset):
    """The hub ensemble of N members in one chunk, in this process."""
    res = evhub.run("hub", dataset=dataset, samples=N, seed=5, chunk_size=N)
    yield res
    res.ensemble.close()


def test_chunks_give_the_same_members(dataset, hub_one_chunk) -> None:
    # every member runs through the same vectorised code whatever the chunk: exactly equal
    chunked = evhub.run("hub", dataset=dataset, samples=N, seed=5, chunk_size=7)
    _assert_same_ensemble(hub_one_chunk, chunked, "hub")
    chunked.ensemble.close()


@pytest.mark.slow
# evhub's LocalCluster binds its scheduler's HTTP server to the default port 8787; when
# another cluster on the machine holds it, distributed warns and takes another port
@pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")
@pytest.mark.filterwarnings("ignore:unclosed <socket:ResourceWarning")
def test_local_dask_cluster_gives_the_same_members(dataset, hub_one_chunk) -> None:
    on_dask = evhub.run("hub", dataset=dataset, samples=N, seed=5, chunk_size=10, workers=2)
    _assert_same_ensemble(hub_one_chunk, on_dask, "hub")
    on_dask.ensemble.close()
    gc.collect()  # any socket distributed left open is collected under the filters above


def test_dask_scheduler_address_gives_the_same_members(dataset, hub_one_chunk) -> None:
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=1, processes=False, dashboard_address=":0", silence_logs=50
    ) as cluster:
        remote = evhub.run(
            "hub",
            dataset=dataset,
            samples=N,
            seed=5,
            chunk_size=10,
            scheduler=cluster.scheduler_address,
        )
    _assert_same_ensemble(hub_one_chunk, remote, "hub")
    remote.ensemble.close()


# --------------------------------------------------------------------------
# The central member is the deterministic run
# --------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["baseline", "hub"])
def test_central_member_is_the_deterministic_run(dataset, scenario: str) -> None:
    resolved = evhub.resolve(scenario, dataset)
    task = make_task(resolved, dataset)
    row = central_values(task.design, task)
    assert row.shape == (1, len(task.design.columns))
    block = run_chunk(task, row)  # (variable, member, year)
    assert block.shape == (len(VARIABLES), 1, len(dataset.years))
    iamc = evhub.run(scenario, dataset=dataset).to_iamc().set_index("Variable")
    # a variable without any value has no row in the table: all NaN in the member too
    expected = iamc.reindex(VARIABLES)[_years(dataset)].to_numpy(dtype=float)
    # the design turns percent into fractions as value * 0.01, the deterministic run as
    # value / 100; the two can differ in the last bit, which the chain carries to ~1e-14
    np.testing.assert_allclose(block[:, 0, :], expected, rtol=1e-12, atol=0)
    assert np.isnan(expected).any()  # NaN where a variable has no value, in both


# --------------------------------------------------------------------------
# Closed forms
# --------------------------------------------------------------------------


def _growth_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "growth.yaml"
    path.write_text(
        "name: growth\n"
        "description: Total sales grow at an uncertain rate; nothing else is a distribution.\n"
        "overrides:\n"
        "  car:\n"
        "    market:\n"
        "      sales_mode: growth\n"
        "      growth_rate: {dist: uniform, low: 0, high: 4}\n",
        encoding="utf-8",
    )
    return path


def test_sales_quantiles_match_the_closed_form(dataset, tmp_path: Path) -> None:
    path = _growth_scenario(tmp_path)
    n = 1000
    res = evhub.run(path, dataset=dataset, samples=n, seed=21)
    assert list(res.scenarios[0].distributions) == ["car.market.growth_rate"]
    base = dataset.base_year
    deterministic = res.variable("Sales|Passenger Cars").isel(scenario=0, run=0)
    s_base = float(deterministic.sel(year=base))
    # sales t years after the base year: S_base (1 + g)^t; the central g is the midpoint, 2 %
    assert float(deterministic.sel(year=base + 5)) == pytest.approx(s_base * 1.02**5, rel=1e-12)
    table = res.ensemble.quantiles()
    sales = table[table["Variable"] == "Sales|Passenger Cars"].set_index("Quantile")
    assert sales.index.tolist() == list(QUANTILES)
    # the base year is observed: every member has the same value
    np.testing.assert_allclose(sales[base].to_numpy(), s_base, rtol=1e-12)
    # g = 4 % * u with u uniform, so the q-quantile of sales is S_base (1 + 0.04 q)^5. The
    # sorted LHS draws lie one in each stratum [i/N, (i+1)/N), so the empirical quantile's u
    # is within 2/N of q, and its sales within 5 * 0.04 * 2/N = 0.4/N = 4e-4 relative
    closed = s_base * (1 + 0.04 * np.array(QUANTILES)) ** 5
    np.testing.assert_allclose(sales[base + 5].to_numpy(), closed, rtol=0.4 / n)
    # P(sales > S_base 1.03^5) = P(g > 3 %) = (4 - 3) / (4 - 0) = 1/4, within 1/N for an LHS
    members = res.ensemble.values("growth", "Sales|Passenger Cars")[base + 5].to_numpy()
    share = float(np.mean(members > s_base * 1.03**5))
    assert abs(share - 0.25) <= 1 / n
    # and each member is exactly its own sampled rate's closed form
    g = res.ensemble.inputs("growth")["car.market.growth_rate"].to_numpy() / 100
    np.testing.assert_allclose(members, s_base * (1 + g) ** 5, rtol=1e-12)
    res.ensemble.close()


def test_target_probability_matches_the_closed_form(dataset, tmp_path: Path) -> None:
    # announced realises every project or none (probabilities 0 or 1) with fixed delays, so
    # only the utilisation moves car production. Below 1 / 1.288 = 77.6 % no plant is full
    # (Hyundai runs at 1.288 x the industry's utilisation), so production is linear in it.
    path = tmp_path / "plants.yaml"
    path.write_text(
        "name: plants\n"
        "description: Announced, with an uncertain utilisation and a production goal.\n"
        "extends: announced\n"
        "overrides:\n"
        "  car.trade.utilisation: {dist: uniform, low: 50, high: 75}\n"
        "  targets.cars_built: {year: 2030, value: 1}\n",
        encoding="utf-8",
    )
    year = 2030

    def production(utilisation: float) -> float:
        res = evhub.run(path, dataset=dataset, overrides={"car.trade.utilisation": utilisation})
        return float(res.variable("Production|Passenger Cars").sel(year=year).item())

    p50, p70, p75 = production(50), production(70), production(75)
    assert p75 / p50 == pytest.approx(1.5, rel=1e-12)  # linear through 0
    assert p70 / p50 == pytest.approx(1.4, rel=1e-12)
    # a goal of P(70 %): met where u >= 70, i.e. with probability (75 - 70) / (75 - 50) = 0.2
    n = 500
    res = evhub.run(
        path, dataset=dataset, samples=n, seed=8, overrides={"targets.cars_built.value": p70}
    )
    targets = res.ensemble.targets().set_index("target")
    row = targets.loc["Vehicles built (Passenger Cars)"]
    assert (row["variable"], row["year"], row["direction"]) == (
        "Production|Passenger Cars",
        year,
        "at least",
    )
    assert row["value"] == f"{p70:g}"
    assert abs(row["probability"] - 0.2) <= 1 / n
    # each member: production proportional to its own utilisation
    utilisation = res.ensemble.inputs("plants")["car.trade.utilisation"].to_numpy()
    made = res.ensemble.values("plants", "Production|Passenger Cars")[year].to_numpy()
    np.testing.assert_allclose(made, p50 * utilisation / 50, rtol=1e-12)
    assert row["probability"] == np.mean(made >= p70)
    res.ensemble.close()


def test_target_probabilities_are_shares_of_members(dataset) -> None:
    res = evhub.run("baseline", dataset=dataset, samples=N, seed=9)
    ens = res.ensemble
    targets = ens.targets()
    assert set(targets["scenario"]) == {"baseline"}
    paths = set()
    for row in targets.to_dict("records"):
        got = ens.values("baseline", row["variable"])[row["year"]].to_numpy()
        if row["value"] == "target path":  # each member against its own target path
            paths.add(row["variable"])
            path = ens.values("baseline", f"Target|{row['variable']}")[row["year"]].to_numpy()
            expected = np.mean(got <= path)
        else:
            assert row["direction"] == "at least"
            expected = np.mean(got >= float(row["value"]))
        assert row["probability"] == expected, row
    assert paths == {
        "Emissions|CO2|Passenger Cars",
        "Emissions|CO2|Light Commercial Vehicles",
    }
    # the scorecard carries them next to the deterministic values
    card = res.scorecard()
    merged = card.dropna(subset=["probability"])
    assert len(merged) == len(targets)
    ens.close()


# --------------------------------------------------------------------------
# Projects realised with their probability
# --------------------------------------------------------------------------


def test_lhs_realises_each_project_in_its_share_of_members(dataset) -> None:
    n = 400
    res = evhub.run("baseline", dataset=dataset, samples=n, seed=13)
    inputs = res.ensemble.inputs("baseline")
    stages = load_stage_probabilities(dataset)
    p = {proj.id: stages[proj.stage].probability for proj in load_pipeline(dataset)}
    uncertain = {pid: q for pid, q in p.items() if 0 < q < 1}
    assert len(uncertain) >= 5
    columns = {c.removeprefix("pipeline.realised.") for c in inputs if "realised" in c}
    assert columns == set(uncertain)
    for pid, q in uncertain.items():
        drawn = inputs[f"pipeline.realised.{pid}"].to_numpy()
        assert set(np.unique(drawn)) <= {0.0, 1.0}
        # one draw in each stratum of width 1/N: the count below q is floor or ceil of q N
        assert abs(drawn.mean() - q) <= 1 / n, pid
    res.ensemble.close()


@pytest.mark.parametrize("scenario", ["announced", "hub"])
def test_no_realisation_columns_where_probabilities_are_0_or_1(dataset, scenario: str) -> None:
    task = make_task(evhub.resolve(scenario, dataset), dataset)
    assert task.design.columns
    assert not [c for c in task.design.names if c.startswith("pipeline.realised.")]
    assert not any(c.is_realisation for c in task.design.columns)


# --------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------


def test_store_holds_every_member(dataset, tmp_path: Path) -> None:
    scenarios = ["baseline", "hub"]
    res = evhub.run(scenarios, dataset=dataset, samples=N, seed=17, chunk_size=15)
    out = res.write(tmp_path / "out")
    n_years = len(dataset.years)
    con = duckdb.connect(str(out / "evhub.duckdb"), read_only=True)
    try:
        for name in scenarios:
            (rows,) = con.execute(
                "SELECT count(*) FROM ensemble WHERE scenario = ?", [name]
            ).fetchone()
            assert rows == N * len(VARIABLES) * n_years
            columns = len(res.ensemble.members[name].design.columns)
            (rows,) = con.execute(
                "SELECT count(*) FROM samples WHERE scenario = ?", [name]
            ).fetchone()
            assert rows == N * columns
            (runs,) = con.execute(
                "SELECT count(DISTINCT run) FROM ensemble WHERE scenario = ?", [name]
            ).fetchone()
            assert runs == N
            run_row = con.execute(
                "SELECT samples, seed, sampler, chunk_size, inputs_sampled FROM ensemble_runs "
                "WHERE scenario = ?",
                [name],
            ).fetchall()
            assert run_row == [(N, 17, "lhs", 15, columns)]
            resolved = res.ensemble.members[name].scenario
            dists = con.execute(
                "SELECT parameter, central FROM distributions WHERE scenario = ? ORDER BY rowid",
                [name],
            ).fetchall()
            assert dists == [(p, d.central) for p, d in resolved.distributions.items()]
        # one member's value in the store is the one the ensemble reads back
        variable, year, member = "Stock|Passenger Cars|BEV", 2040, 23
        (stored,) = con.execute(
            "SELECT value FROM ensemble WHERE scenario = 'hub' AND variable = ? AND year = ? "
            "AND run = ?",
            [variable, year, member],
        ).fetchone()
        exact = res.ensemble.values("hub", variable).loc[member, year]
        assert stored == float(np.float32(exact))  # stored as float32, read back as DOUBLE
        (median,) = con.execute(
            "SELECT quantile_cont(value, 0.5) FROM ensemble WHERE scenario = 'hub' "
            "AND variable = ? AND year = ?",
            [variable, year],
        ).fetchone()
    finally:
        con.close()
    table = res.ensemble.quantiles()
    pick = (
        (table["Scenario"] == "hub") & (table["Variable"] == variable) & (table["Quantile"] == 0.5)
    )
    exact = table.loc[pick, year].item()
    assert median == pytest.approx(exact, rel=FLOAT32_REL)
    # the CSV keeps the float64 quantile to the last bit (the store's float32 to its precision)
    csv = pd.read_csv(out / "iamc_quantiles.csv")
    pick = (csv["Scenario"] == "hub") & (csv["Variable"] == variable) & (csv["Quantile"] == 0.5)
    assert csv.loc[pick, str(year)].item() == pytest.approx(median, rel=FLOAT32_REL)
    assert csv.loc[pick, str(year)].item() == exact
    res.ensemble.close()


def _paths(folder: Path) -> pd.DataFrame:
    con = duckdb.connect(str(folder / "evhub.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT scenario, run, variable, value FROM ensemble_paths "
            "ORDER BY scenario, variable, run"
        ).df()
    finally:
        con.close()


def test_a_store_streamed_while_the_chunks_run_equals_one_written_after(
    dataset, tmp_path: Path
) -> None:
    """evhub run fills the members' table as chunks finish; the store is the same."""
    kwargs = {"dataset": dataset, "samples": N, "seed": 5, "chunk_size": 15}
    streamed = evhub.run(["baseline", "hub"], stream_store=True, **kwargs)
    assert streamed.ensemble.streamed is not None and streamed.ensemble.streamed.is_file()
    first = streamed.write(tmp_path / "a")
    assert streamed.ensemble.streamed is None  # moved into the store
    # written again (the streamed file is gone): the table is built from the chunks
    second = streamed.write(tmp_path / "b")
    after = evhub.run(["baseline", "hub"], **kwargs).write(tmp_path / "c")
    a, b, c = _paths(first), _paths(second), _paths(after)
    assert len(a) == 2 * len(VARIABLES) * N
    for got in (a, b):
        assert got[["scenario", "run", "variable"]].equals(c[["scenario", "run", "variable"]])
        for x, y in zip(got["value"], c["value"], strict=True):
            np.testing.assert_array_equal(np.asarray(x, float), np.asarray(y, float))
    streamed.ensemble.close()


def test_a_failed_ensemble_leaves_no_stream_behind(dataset, monkeypatch) -> None:
    import evhub.ensemble.execute as ens

    def boom(*args, **kwargs):
        msg = "boom"
        raise InputError(msg)

    monkeypatch.setattr(ens, "run_chunk", boom)
    before = set(Path(tempfile.gettempdir()).glob("evhub-ensemble-*"))
    with pytest.raises(InputError, match="boom"):
        evhub.run("baseline", dataset=dataset, samples=N, seed=5, stream_store=True)
    assert set(Path(tempfile.gettempdir()).glob("evhub-ensemble-*")) == before


def test_store_equals_the_members_in_memory(dataset, tmp_path: Path) -> None:
    """Every row of the store's ensemble table is the member's value, to float32 precision."""
    scenarios = ["baseline", "hub"]
    res = evhub.run(scenarios, dataset=dataset, samples=N, seed=5, chunk_size=15)
    calls: list[tuple[int, int, str]] = []
    out = res.write(tmp_path / "out", progress=lambda *a: calls.append(a))
    writes = [c for c in calls if c[2] == "writing the ensemble to DuckDB"]
    chunks = len(scenarios) * math.ceil(N / 15)
    assert [done for done, _, _ in writes] == list(range(1, chunks + 1))
    assert {total for _, total, _ in writes} == {chunks}
    years = _years(dataset)
    con = duckdb.connect(str(out / "evhub.duckdb"), read_only=True)
    try:
        columns = con.execute("DESCRIBE ensemble").fetchall()
        assert [(c[0], c[1]) for c in columns] == [
            ("scenario", "VARCHAR"),
            ("run", "INTEGER"),
            ("variable", "VARCHAR"),
            ("year", "SMALLINT"),
            ("value", "DOUBLE"),
        ]
        stored = con.execute(
            "SELECT scenario, variable, run, year, value FROM ensemble "
            "ORDER BY scenario, variable, run, year"
        ).df()
    finally:
        con.close()
    assert len(stored) == len(scenarios) * len(VARIABLES) * N * len(years)
    for (scenario, variable), got in stored.groupby(["scenario", "variable"], sort=False):
        expected = res.ensemble.values(scenario, variable)  # float64, (run, year)
        wide = got.pivot(index="run", columns="year", values="value")
        assert list(wide.index) == list(range(N))
        assert [int(y) for y in wide.columns] == years
        want = expected.to_numpy()
        have = wide.to_numpy(dtype=float)
        # NaN in memory (no value in that year) is NULL in the store
        np.testing.assert_array_equal(np.isnan(have), np.isnan(want), err_msg=variable)
        np.testing.assert_array_equal(have, want.astype(np.float32), err_msg=variable)
        np.testing.assert_allclose(have, want, rtol=FLOAT32_REL, atol=0, err_msg=variable)
    res.ensemble.close()


def test_store_goes_into_the_callers_transaction(dataset, tmp_path: Path) -> None:
    res = evhub.run("baseline", dataset=dataset, samples=N, seed=3, chunk_size=7)
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    try:
        (default,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
        res.ensemble.write_store(con)
        # DuckDB's default memory limit comes back exactly
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == (default,)
        con.execute("DROP VIEW ensemble")
        for table in ("ensemble_paths", "samples", "distributions", "ensemble_runs"):
            con.execute(f"DROP TABLE {table}")
        con.execute("SET memory_limit = '3GB'")
        (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
        con.execute("BEGIN TRANSACTION")
        res.ensemble.write_store(con)
        (rows,) = con.execute("SELECT count(*) FROM ensemble").fetchone()
        assert rows == N * len(VARIABLES) * len(dataset.years)
        con.execute("ROLLBACK")  # the caller's choice: nothing was committed behind its back
        listed = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        tables = {t for (t,) in listed}
        assert not tables & {"ensemble", "ensemble_paths", "samples"}
        # the caller's own limit comes back to the precision DuckDB shows it in
        (restored,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
        assert restored.split()[1] == limit.split()[1] == "GiB"
        assert abs(float(restored.split()[0]) - float(limit.split()[0])) <= 0.1 + 1e-9
    finally:
        con.close()
    res.ensemble.close()


def test_store_refuses_values_beyond_float32(dataset, tmp_path: Path) -> None:
    res = evhub.run("baseline", dataset=dataset, samples=3, seed=1)
    member = res.ensemble.members["baseline"]
    block = member.chunk(0)
    v, year = VARIABLES.index("Sales|Passenger Cars"), 2030
    block[v, 1, _years(dataset).index(year)] = 1e300
    write_chunk(member.chunks[0], block)
    with pytest.raises(InputError) as err:
        res.write(tmp_path / "out")
    message = str(err.value)
    assert "Sales|Passenger Cars, member 1, 2030: 1e+300" in message
    assert "float32" in message
    assert not (tmp_path / "out").exists()
    res.ensemble.close()


def test_read_ahead_keeps_order_and_raises_where_it_failed() -> None:
    from evhub.ensemble.store import _read_ahead

    jobs = [(k,) for k in range(50)]
    assert list(_read_ahead(lambda k: k * k, jobs, ahead=2)) == [k * k for k in range(50)]

    def convert(k: int) -> int:
        if k == 3:
            msg = f"chunk {k}"
            raise ZeroDivisionError(msg)
        return k

    got = []
    with pytest.raises(ZeroDivisionError, match="chunk 3"):
        for item in _read_ahead(convert, jobs):
            got.append(item)
    assert got == [0, 1, 2]
    # a consumer that stops early leaves no thread behind and skips the jobs not started
    started = []
    items = _read_ahead(lambda k: started.append(k) or k, jobs, ahead=2)
    assert next(items) == 0
    items.close()
    assert len(started) <= 4
    assert not [t for t in threading.enumerate() if t.name.startswith("evhub-read-ahead")]


# --------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------


@pytest.fixture
def scratch_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the ensemble's scratch folders here, to see that none is left behind."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": 0}, "--samples 0: must be at least 1"),
        ({"samples": -3}, "--samples -3: must be at least 1"),
        (
            {"samples": 4, "sampler": "halton"},
            "--sampler 'halton': expected one of ['lhs', 'sobol']",
        ),
        ({"samples": 4, "chunk_size": -1}, "--chunk-size -1: must be at least 1"),
        ({"samples": 4, "workers": 0}, "--workers 0: must be at least 1"),
    ],
)
def test_bad_ensemble_arguments(dataset, scratch_root: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
        evhub.run("hub", dataset=dataset, **kwargs)
    assert not any(scratch_root.iterdir())


def test_chunk_size_zero_in_run_ensemble(dataset, scratch_root: Path) -> None:
    resolved = [evhub.resolve("hub", dataset)]
    with pytest.raises(InputError, match=r"^--chunk-size 0: must be at least 1$"):
        run_ensemble(resolved, dataset, samples=4, chunk_size=0)
    assert not any(scratch_root.iterdir())


def test_chunk_size_zero_in_run(dataset) -> None:
    with pytest.raises(InputError, match=r"^--chunk-size 0: must be at least 1$"):
        evhub.run("hub", dataset=dataset, samples=4, chunk_size=0)


def test_unreachable_scheduler(
    dataset, scratch_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dask.distributed

    # evhub gives a scheduler 20 s to answer; shorten that here (the path is the same)
    real = dask.distributed.Client

    def quick(address, *, timeout):
        assert timeout == "20s"
        return real(address, timeout="1s")

    monkeypatch.setattr(dask.distributed, "Client", quick)
    address = "tcp://127.0.0.1:1"
    expected = (
        "^"
        + re.escape(
            f"--scheduler {address}: cannot reach the Dask scheduler (Timed out trying to "
            f"connect to {address} after 1 s)"
        )
        + "$"
    )
    with pytest.raises(InputError, match=expected):
        evhub.run("hub", dataset=dataset, samples=4, scheduler=address)
    assert not any(scratch_root.iterdir())  # the scratch folder went with the error


def test_malformed_scheduler_address(dataset) -> None:
    with pytest.raises(InputError, match=r"^--scheduler nonsense: "):
        evhub.run("hub", dataset=dataset, samples=4, scheduler="nonsense")


# --------------------------------------------------------------------------
# Scratch files
# --------------------------------------------------------------------------


def test_one_scratch_file_per_chunk_deleted_on_close(dataset) -> None:
    scenarios = ["baseline", "hub"]
    res = evhub.run(scenarios, dataset=dataset, samples=N, seed=1, chunk_size=7)
    ens = res.ensemble
    scratch = ens.scratch
    chunks = math.ceil(N / 7)  # 6: five of 7 members and one of 5
    files = sorted(scratch.iterdir())
    assert len(files) == len(scenarios) * chunks
    shape = (len(VARIABLES), len(dataset.years))
    for name in scenarios:
        member = ens.members[name]
        assert member.bounds == [(0, 7), (7, 14), (14, 21), (21, 28), (28, 35), (35, 40)]
        assert all(p.parent == scratch for p in member.chunks)
        # no file grows with the number of members: each holds one chunk
        sizes = [chunk_shape(p) for p in member.chunks]
        assert sizes == [(shape[0], 7, shape[1])] * 5 + [(shape[0], 5, shape[1])]
    assert sorted(p for m in ens.members.values() for p in m.chunks) == files
    ens.close()
    assert not scratch.exists()
    ens.close()  # a second close does nothing


def test_scratch_goes_with_the_ensemble(dataset) -> None:
    res = evhub.run("hub", dataset=dataset, samples=8, seed=1)
    scratch = res.ensemble.scratch
    assert len(list(scratch.iterdir())) == 1
    del res
    gc.collect()
    assert not scratch.exists()


@pytest.mark.parametrize("members", [1, 2, 7, 10_000])
def test_quantiles_of_constant_years_are_numpys_bits(members: int) -> None:
    """Years in which every member agrees skip the sort and still give np.quantile's bits.

    The cells: varying values, a constant, -0.0 (numpy's interpolation turns it
    into 0.0 at the levels whose fraction is below 0.5), +inf and -inf (NaN,
    as numpy gives), NaN in every member, NaN in one member (NaN) and a constant
    but for one member. Compared bit for bit, so 0.0 and -0.0 differ.
    """
    from evhub.ensemble.summary import _quantiles

    rng = np.random.default_rng(3)
    values = np.empty((members, 8))
    values[:, 0] = rng.normal(size=members)
    values[:, 1] = 1234.5678
    values[:, 2] = -0.0
    values[:, 3] = np.inf
    values[:, 4] = -np.inf
    values[:, 5] = np.nan
    values[:, 6] = 2.0
    values[-1, 6] = np.nan
    values[:, 7] = 5.0
    values[0, 7] = 6.0 if members > 1 else 5.0
    with np.errstate(invalid="ignore"):  # inf - inf inside np.quantile
        expected = np.quantile(values, QUANTILES, axis=0)
        result = _quantiles(values)
    assert result.shape == (len(QUANTILES), 8)
    np.testing.assert_array_equal(result.view(np.uint64), expected.view(np.uint64))
    if members > 1:  # what makes the bits matter: numpy gives -0.0 at some levels, 0.0 at others
        assert 0 < np.signbit(expected[:, 2]).sum() < len(QUANTILES)
