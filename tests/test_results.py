"""Results: IAMC table, aggregates, units, the store, and pyam."""

import duckdb
import numpy as np
import pandas as pd
import pyam
import pytest

import evhub
from evhub.fit import load_checks
from evhub.variables import iamc_names, memo_variables

IAMC_NAMES = iamc_names(evhub.load_dataset().dims)
#: The scenarios of the shipped dataset (dataset.yaml).
SHIPPED = ["baseline", "announced", "hub", "net-zero", "otv-reform", "tariff-cut"]
MEMO_VARIABLES = memo_variables(evhub.load_dataset().dims)

REQUIRED = [
    "Sales|Passenger Cars",
    *(f"Sales|Passenger Cars|{p}" for p in ("Petrol", "Diesel", "LPG", "HEV", "PHEV", "BEV")),
    "Stock|Passenger Cars",
    *(f"Stock|Passenger Cars|{p}" for p in ("Petrol", "Diesel", "LPG", "HEV", "PHEV", "BEV")),
    "Retirements|Passenger Cars",
    "Share|Sales|Passenger Cars|EV",
    "Share|Stock|Passenger Cars|EV",
    "Activity|Passenger Cars",
    *(f"Final Energy|Passenger Cars|{f}" for f in ("Petrol", "Diesel", "LPG", "Electricity")),
    "Electricity Demand|Passenger Cars",
    "Emissions|CO2|Passenger Cars",
    "Emissions|CO2|Passenger Cars|Tank-to-Wheel",
    "Emissions|CO2|Passenger Cars|Electricity",
    "Battery|Demand|Sales",
    "Battery|Retired",
    *(
        f"Material Demand|Batteries|{m}"
        for m in ("Lithium", "Nickel", "Cobalt", "Manganese", "Graphite")
    ),
]


def test_required_variables_and_units(shipped):
    iamc = shipped.to_iamc()
    assert list(iamc.columns[:5]) == ["Model", "Scenario", "Region", "Variable", "Unit"]
    assert [int(c) for c in iamc.columns[5:]] == list(range(2000, 2061))
    assert set(iamc["Model"]) == {"evhub"}
    assert set(iamc["Region"]) == {"Türkiye"}
    assert set(iamc["Scenario"]) == set(SHIPPED)
    assert set(REQUIRED) <= set(iamc["Variable"])
    units = dict(zip(iamc["Variable"], iamc["Unit"], strict=False))
    assert units["Sales|Passenger Cars"] == "veh/yr"
    assert units["Stock|Passenger Cars"] == "veh"
    assert units["Share|Sales|Passenger Cars|EV"] == "%"
    assert units["Activity|Passenger Cars"] == "bn vkm/yr"
    assert units["Final Energy|Passenger Cars|Petrol"] == "PJ/yr"
    assert units["Electricity Demand|Passenger Cars"] == "TWh/yr"
    assert units["Emissions|CO2|Passenger Cars"] == "Mt CO2/yr"
    assert units["Battery|Retired"] == "GWh/yr"
    assert units["Material Demand|Batteries|Lithium"] == "kt/yr"
    # labelled arrays carry units
    for name in shipped.data.data_vars:
        assert shipped.data[name].attrs["units"]


def test_parents_equal_the_sum_of_their_children(shipped):
    iamc = shipped.to_iamc().set_index(["Scenario", "Variable"])
    years = [c for c in iamc.columns if isinstance(c, int)]
    names = list(IAMC_NAMES)
    checked = 0
    for parent in names:
        children = [
            n for n in names if n.startswith(parent + "|") and n.count("|") == parent.count("|") + 1
        ]
        children = [c for c in children if c not in MEMO_VARIABLES]
        if not children or parent.startswith("Share|"):
            continue
        for scen in iamc.index.get_level_values(0).unique():
            total = iamc.loc[(scen, parent), years].to_numpy(float)
            parts = sum(iamc.loc[(scen, c), years].to_numpy(float) for c in children)
            mask = ~np.isnan(total)
            # sums of up to six float64 terms of similar size: a few ulps of the largest
            scale = np.nanmax(np.abs(total)) if mask.any() else 1.0
            np.testing.assert_allclose(parts[mask], total[mask], rtol=0, atol=1e-12 * scale)
            checked += 1
    assert checked >= 6 * 4


def test_pyam_reads_the_file_and_agrees_on_aggregates(shipped, tmp_path):
    path = tmp_path / "iamc.csv"
    shipped.to_iamc().to_csv(path, index=False)
    df = pyam.IamDataFrame(str(path))
    assert set(df.scenario) == set(SHIPPED)
    for parent in (
        "Sales|Passenger Cars",
        "Stock|Passenger Cars",
        "Emissions|CO2|Passenger Cars",
        "Production|Passenger Cars",
        "Imports|Passenger Cars",
        "Exports|Passenger Cars",
        "Capacity|Vehicle Assembly",
    ):
        components = [
            v
            for v in IAMC_NAMES
            if v.startswith(parent + "|")
            and v.count("|") == parent.count("|") + 1
            and v not in MEMO_VARIABLES
        ]
        # pyam's own check: None means every year agrees within its rtol of 1e-5
        assert df.check_aggregate(parent, components=components) is None


@pytest.mark.parametrize("vehicle_class", ["car", "lcv"])
def test_history_sales_equal_observed_sales(shipped, dataset, vehicle_class):
    sales = dataset.of_class(vehicle_class).series("sales", "sales", powertrain="")
    label = dataset.dims.classes.label(vehicle_class)
    model = shipped.variable(f"Sales|{label}").sel(scenario="baseline").isel(run=0)
    # observed sales are copied, then split by shares and summed again: rounding only
    # (the tolerance [%] is history_checks.yaml's)
    (check,) = [c for c in load_checks(dataset) if c.id == f"sales-{vehicle_class}"]
    first, last = check.years
    for year, value in sales.items():
        if first <= year <= last:
            assert float(model.sel(year=year)) == pytest.approx(value, rel=check.tolerance / 100)


def test_no_negative_stocks_or_flows(shipped):
    for name in ("sales", "stock", "retirements", "vehicle_km", "fuel_energy", "electricity"):
        assert float(shipped.data[name].min()) >= -1e-6, name


def test_stock_change_equals_sales_minus_retirements(shipped):
    stock = shipped.variable("Stock|Passenger Cars").isel(run=0).values
    sales = shipped.variable("Sales|Passenger Cars").isel(run=0).values
    retired = shipped.variable("Retirements|Passenger Cars").isel(run=0).values
    change = np.diff(stock, axis=1)
    # cancellation of numbers near 2e7: 1e-9 relative to the stock
    np.testing.assert_allclose(
        change, sales[:, 1:] - retired[:, 1:], rtol=0, atol=1e-9 * stock.max()
    )


def test_write_creates_csv_and_store(shipped, tmp_path):
    out = shipped.write(tmp_path / "res")
    iamc = pd.read_csv(out / "iamc.csv")
    # every variable of every scenario but the prices of the class on logistic curves
    priced = [n for n in IAMC_NAMES if not n.startswith("Price|Light Commercial Vehicles|")]
    assert len(iamc) == len(SHIPPED) * len(priced)
    con = duckdb.connect(str(out / "evhub.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {"runs", "inputs", "sources", "results"} <= tables
        n_inputs = con.execute(
            "SELECT count(*) FROM inputs WHERE scenario = 'baseline' AND source = ''"
        ).fetchone()[0]
        assert n_inputs == 0  # every input names where it comes from
        # every source id an input cites is in the bibliography (a join drops none)
        unknown = con.execute(
            "SELECT DISTINCT x.source FROM input_sources x LEFT JOIN sources s "
            "ON s.id = x.source WHERE x.kind = 'source' AND s.id IS NULL"
        ).fetchall()
        assert unknown == []
        kinds = {k for (k,) in con.execute("SELECT DISTINCT kind FROM input_sources").fetchall()}
        assert kinds == {"source", "scenario", "dataset"}  # no overrides in this run
        value = con.execute(
            "SELECT value FROM results WHERE scenario='hub' AND variable='Stock|Passenger Cars' "
            "AND year=2035"
        ).fetchone()[0]
    finally:
        con.close()
    expected = float(shipped.variable("Stock|Passenger Cars").sel(scenario="hub", year=2035)[0])
    assert value == pytest.approx(expected, rel=1e-12)
    # the CSV at full precision: every number reads back as the results' float64, bit for bit
    wide = shipped.to_iamc()
    years = [c for c in wide.columns if isinstance(c, int)]
    np.testing.assert_array_equal(
        iamc[[str(y) for y in years]].to_numpy(), wide[years].to_numpy(dtype=float)
    )


def test_same_inputs_same_outputs(dataset):
    a = evhub.run("hub", dataset=dataset).to_iamc()
    b = evhub.run("hub", dataset=dataset).to_iamc()
    pd.testing.assert_frame_equal(a, b)


def test_scenario_path_and_list(dataset, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: mine\ndescription: test\nextends: baseline\n"
        "overrides:\n  policy.subsidy.car.bev.2026: 5000\n",
        encoding="utf-8",
    )
    res = evhub.run(["baseline", str(path)], dataset=dataset)
    share = res.variable("Share|Sales|Passenger Cars|EV").sel(year=2030).isel(run=0)
    assert float(share.sel(scenario="mine")) > float(share.sel(scenario="baseline"))
