"""A second, synthetic dataset runs end to end: the engine is country-neutral.

``tests/data/synthetic/`` describes Freedonia, a fictional country (every number
invented, ``sources.yaml``). It differs from the shipped Türkiye dataset in what
the engine must not care about: the model years (2005-2023-2050), the ids and
labels of every dimension, no LPG and no powertrain converted to another, five
origins with the home country in a customs union with one, three
destinations, five stages of its own, four powertrain groups and three vehicle
classes: ``pc`` (Personal Cars, ownership-driven), ``van`` (Delivery Vans,
ownership-driven, no hybrids) and ``mbus`` (Minibuses, growth-driven, no
plug-in hybrids), each with its own plants, trade and lifetime. Here it is
validated, run with the Python API and the command line (deterministic and as
an ensemble), reported on, calibrated (each class), put through sensitivity
and goal seek and driven through the dashboard's logic, and the results are
checked to hold its ids, labels and years, every class, totals that are the
sums over the classes, and nothing of Türkiye's.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner, Result

import evhub
from evhub import parameters
from evhub.cli import app
from evhub.dashboard import logic
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.fit import load_checks
from evhub.results import Results

DATA = Path(__file__).parent / "data" / "synthetic"
SCENARIOS = ["baseline", "electric-push", "full-hub"]  # the order of its dataset.yaml
CLASSES = {"pc": "Personal Cars", "van": "Delivery Vans", "mbus": "Minibuses"}
YEARS = list(range(2005, 2051))
BASE_YEAR = 2023
REGION = "Freedonia"
#: Words of the shipped Türkiye dataset no result of Freedonia may contain.
TURKISH = ("Türkiye", "Turkey", "LPG", "China", "Passenger Cars", "BEV", "PHEV", "HEV", "EU")
#: nomenclature-iamc's own environment (see tests/test_definitions.py).

runner = CliRunner()


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _words(text: str, words: tuple[str, ...]) -> list[str]:
    """The words found in ``text`` as whole words (``EU`` but not ``EUR``)."""
    return [w for w in words if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text)]


@pytest.fixture(scope="module")
def data() -> Dataset:
    return evhub.load_dataset(DATA)


@pytest.fixture(scope="module")
def central(data: Dataset) -> Results:
    """Every scenario of the dataset, run once with the Python API (central values)."""
    return evhub.run(dataset=data)


@pytest.fixture(scope="module")
def cli_baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``evhub run baseline --dataset DIR --out OUT``."""
    out = tmp_path_factory.mktemp("synthetic") / "baseline"
    result = _invoke("run", "baseline", "--dataset", str(DATA), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def cli_ensemble(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``evhub run --dataset DIR --samples 50 --seed 1 --out OUT``: every scenario."""
    out = tmp_path_factory.mktemp("synthetic") / "ensemble"
    args = ("run", "--dataset", str(DATA), "--samples", "50", "--seed", "1", "--out", str(out))
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    return out


# --------------------------------------------------------------------------
# The dataset itself
# --------------------------------------------------------------------------


def test_the_dataset_is_fictional_and_has_no_lpg() -> None:
    files = sorted(p for p in DATA.rglob("*") if p.suffix in (".csv", ".yaml"))
    # dataset, dimensions, sources, 11 tables, assumptions, pipeline, stage
    # probabilities, 3 scenarios and the checks of the fit to history
    assert len(files) == 21
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "lpg" not in text.lower(), path.name
        if path.suffix == ".csv":
            assert not _words(text, ("Türkiye", "China")), path.name
    sources = yaml.safe_load((DATA / "sources.yaml").read_text(encoding="utf-8"))
    assert {s["publisher"] for s in sources.values()} == {"evhub test suite"}
    assert all(s["title"].startswith("Synthetic") for s in sources.values())
    # every source is cited, and every row cites one of them
    cited: set[str] = set()
    classes: set[str] = set()
    for path in files:
        if path.suffix == ".csv":
            text = path.read_text(encoding="utf-8")
            for row in csv.DictReader(io.StringIO(text)):
                ids = {i.strip() for i in row["source"].split(";")}
                assert ids and ids <= set(sources), (path.name, row)
                cited |= ids
                # one block of rows per vehicle class, or rows of all classes ('')
                classes.add(row.get("class", ""))
    assert cited == set(sources)
    assert classes == {"", *CLASSES}
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "every number here is invented" in readme


def test_the_dimensions_are_its_own(data: Dataset) -> None:
    shipped = evhub.load_dataset().dims
    dims = data.dims
    # ids differ from Türkiye's wherever the engine allows it
    for name in (
        "classes",
        "fuels",
        "powertrain_groups",
        "statistics_groups",
        "blocs",
        "origins",
        "destinations",
        "project_kinds",
        "stages",
    ):
        ours, theirs = set(getattr(dims, name).ids), set(getattr(shipped, name).ids)
        assert ours.isdisjoint(theirs), (name, ours & theirs)
    assert set(dims.powertrains.ids) & set(shipped.powertrains.ids) == {"diesel"}
    assert dims.classes.labels() == CLASSES
    # a powertrain sold in only some classes: no hybrid vans, no plug-in minibuses
    assert dims.sold_in("pc") == dims.powertrains.ids
    assert dims.sold_in("van") == ("gasoline", "diesel", "plugin", "electric")
    assert dims.sold_in("mbus") == ("gasoline", "diesel", "hybrid", "electric")
    assert dims.stages.ids == ("rumour", "signed", "site_works", "running", "abandoned")
    assert len(dims.origins) == 5 and len(dims.destinations) == 3
    assert dims.home == "home"
    assert dims.in_union_with_home("origins") == ("union",)
    assert dims.in_union_with_home("destinations") == ("concordia",)
    assert dims.origins.where(eu_cvd=True) == ("east",)
    assert not [p for p in dims.powertrains.members if p.attributes["converted_from"]]
    assert (data.first_year, data.base_year, data.last_year) == (2005, BASE_YEAR, 2050)
    assert data.meta["price_year"] == 2025  # the catalogue's dollars (see dataset.yaml)


def test_a_class_s_parameters_are_described_by_the_class(data: Dataset) -> None:
    """Help texts (evhub scenarios show, the dashboard) of a van's parameters speak of vans."""
    described = {
        p.path: parameters.describe_path(p.path, data.dims)
        for p in parameters.expand(data.dims)
        if p.keys.get("class") in ("van", "mbus")
    }
    assert {p: d for p, d in described.items() if re.search(r"\b[Cc]ars?\b", d)} == {}
    assert described["van.market.electric_share.ceiling"] == (
        "Long-run share of Electric in sales of Delivery Vans"
    )
    assert described["mbus.trade.import_price.east"] == (
        "Average value of an imported vehicle of Minibuses built in Eastland (one published value "
        "for every origin)"
    )


def test_data_validate_passes() -> None:
    result = _invoke("data", "validate", str(DATA))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"ok {DATA}")
    assert "11 projects, 2 sources; years 2005-2023 observed, to 2050" in result.stdout


# --------------------------------------------------------------------------
# The Python API
# --------------------------------------------------------------------------


def test_results_run_over_its_years_and_hold_its_labels(central: Results) -> None:
    assert central.data["year"].values.tolist() == YEARS
    assert central.data.attrs["base_year"] == BASE_YEAR
    assert central.data["vehicle_class"].values.tolist() == list(CLASSES)
    assert central.data["powertrain"].values.tolist() == [
        "gasoline",
        "diesel",
        "hybrid",
        "plugin",
        "electric",
    ]
    assert central.data["fuel"].values.tolist() == ["gasoline", "gasoil"]
    assert central.data["origin"].values.tolist() == ["union", "east", "west", "south"]
    iamc = central.to_iamc()
    assert iamc["Scenario"].unique().tolist() == SCENARIOS
    assert iamc["Region"].unique().tolist() == [REGION]
    assert iamc["Model"].unique().tolist() == ["evhub"]
    assert [c for c in iamc.columns if isinstance(c, int)] == YEARS
    variables = set(iamc["Variable"])
    for name in (
        "Sales|Personal Cars|Plug-in hybrid",
        "Stock|Personal Cars|Electric",
        "Imports|Personal Cars|Eastland",
        "Imports|Personal Cars|Southmark",
        "Exports|Personal Cars|Concordia",
        "Exports|Personal Cars|Non-Concordia",
        "Final Energy|Personal Cars|Gasoil",
        "Production|Personal Cars|Self-charging",
        "Material Demand|Batteries|Iron",
        "Capacity|Vehicle Assembly|Personal Cars",
        "Sales|Delivery Vans|Plug-in hybrid",
        "Imports|Delivery Vans|Eastland",
        "Production|Delivery Vans|Battery-electric",
        "Capacity|Vehicle Assembly|Delivery Vans",
        "Sales|Minibuses|Hybrid",
        "Final Energy|Minibuses|Electricity",
        "Exports|Minibuses|Concordia",
        "Capacity|Vehicle Assembly|Minibuses",
    ):
        assert name in variables, name
    for label in CLASSES.values():
        for head in ("Sales", "Stock", "Retirements", "Production", "Exports", "Imports"):
            assert f"{head}|{label}" in variables, (head, label)
        for head in ("Final Energy", "Emissions|CO2", "Ownership", "Trade Balance"):
            assert f"{head}|{label}" in variables, (head, label)
    found = {v: _words(v, TURKISH) for v in variables}
    assert {v: w for v, w in found.items() if w} == {}
    labels = set(central.scorecard()["indicator"])
    assert {"Electric stock (Personal Cars)", "Exports to the Concordia (Personal Cars)"} <= labels


def test_every_class_has_its_own_vehicles(central: Results) -> None:
    base = central.data.isel(run=0).sel(scenario="baseline", year=BASE_YEAR)
    for klass in CLASSES:
        own = base.sel(vehicle_class=klass)
        for name in ("sales", "stock", "production", "exports", "battery_demand"):
            assert float(own[name].sum()) > 0, (klass, name)


def test_base_year_sales_and_shares_are_the_observed(central: Results, data: Dataset) -> None:
    for klass, label in CLASSES.items():
        view = data.of_class(klass)
        shares = view.rows("sales", "sales_share")
        total = central.variable(f"Sales|{label}").isel(run=0)
        for year in sorted(shares["year"].unique()):
            for row in shares[shares["year"] == year].to_dict("records"):
                name = data.dims.powertrains.label(row["powertrain"])
                part = central.variable(f"Sales|{label}|{name}").isel(run=0)
                # shares are observed up to the base year in every scenario: rounding only
                np.testing.assert_allclose(
                    (part / total).sel(year=int(year)).values, row["value"] / 100, rtol=1e-12
                )
        observed = view.series("sales", "sales", powertrain="")
        np.testing.assert_allclose(
            total.sel(year=BASE_YEAR).values, observed[BASE_YEAR], rtol=1e-12
        )
    ev = central.variable("Share|Sales|Personal Cars|EV").isel(run=0).sel(year=BASE_YEAR)
    np.testing.assert_allclose(ev.values, 15.0, rtol=1e-12)  # plugin 5 % + electric 10 %
    ev = central.variable("Share|Sales|Delivery Vans|EV").isel(run=0).sel(year=BASE_YEAR)
    np.testing.assert_allclose(ev.values, 6.0, rtol=1e-12)  # plugin 1 % + electric 5 %
    ev = central.variable("Share|Sales|Minibuses|EV").isel(run=0).sel(year=BASE_YEAR)
    np.testing.assert_allclose(ev.values, 4.0, rtol=1e-12)  # electric 4 % (no plug-in)


def test_a_class_sells_none_of_what_it_does_not_sell(central: Results, data: Dataset) -> None:
    own = central.data.isel(run=0)
    for klass in CLASSES:
        unsold = [p for p in data.dims.powertrains.ids if p not in data.dims.sold_in(klass)]
        for name in ("sales", "stock", "retirements", "vehicle_km"):
            gone = own[name].sel(vehicle_class=klass, powertrain=unsold)
            assert gone.size == 0 or float(np.abs(gone).max()) == 0.0, (klass, name)
    # the groups of those powertrains are not built in the class either
    made = own["production"].sel(**{"class": "self_charging"})
    assert float(np.abs(made.sel(vehicle_class="van")).max()) == 0.0
    assert float(made.sel(vehicle_class="mbus").max()) > 0  # minibus hybrids are built


def test_stock_is_conserved_powertrain_by_powertrain(central: Results) -> None:
    stock = central.data["stock"].isel(run=0).values  # (scenario, vehicle_class, powertrain, year)
    sales = central.data["sales"].isel(run=0).values
    retired = central.data["retirements"].isel(run=0).values
    # no powertrain gains converted cars, so every car enters as a sale; every class
    # on its own: cancellation of numbers near 5e6 (cars) or 5e4 (minibuses),
    # 1e-9 relative to the class's largest stock
    for k in range(stock.shape[1]):
        np.testing.assert_allclose(
            np.diff(stock[:, k], axis=-1),
            sales[:, k, :, 1:] - retired[:, k, :, 1:],
            rtol=0,
            atol=1e-9 * stock[:, k].max(),
        )
    for name in ("sales", "stock", "retirements", "fuel_energy", "electricity", "imports"):
        assert float(central.data[name].min()) >= 0.0, name


def test_totals_are_the_sums_over_the_classes(central: Results) -> None:
    data = central.data

    def total(name: str) -> np.ndarray:
        return central.variable(name).values  # (scenario, run, year)

    def summed(name: str) -> np.ndarray:
        # a class whose production is not observed yet is unknown, and so is the total
        return data[name].sum("vehicle_class", skipna=False).values

    # sums of three positive parts: a few ulps
    np.testing.assert_allclose(total("Battery|Demand|Sales"), summed("battery_demand"), rtol=1e-12)
    np.testing.assert_allclose(
        total("Battery|Demand|Domestic Production"), summed("cell_demand"), rtol=1e-12
    )
    np.testing.assert_allclose(total("Battery|Retired"), summed("battery_retired"), rtol=1e-12)
    materials = data["materials"].sum(["vehicle_class", "material"]).values
    np.testing.assert_allclose(total("Material Demand|Batteries"), materials, rtol=1e-12)
    # the cells imported are the cells every class's production needs beyond domestic supply
    np.testing.assert_allclose(
        total("Battery|Cell Imports") + total("Battery|Cell Supply|Domestic"),
        np.maximum(summed("cell_demand"), total("Battery|Cell Supply|Domestic")),
        rtol=1e-12,
    )
    # each class's own part is there (the vans' packs are not the cars')
    vans = data["battery_demand"].sel(vehicle_class="van").isel(run=0)
    assert float(vans.sel(scenario="baseline", year=2030)) > 0.1
    # the totals over classes of dimensions.yaml: all three, and cars with vans
    for head in ("Sales", "Stock", "Final Energy", "Emissions|CO2", "Production", "Imports"):
        parts = {label: total(f"{head}|{label}") for label in CLASSES.values()}
        road = parts["Personal Cars"] + parts["Delivery Vans"] + parts["Minibuses"]
        np.testing.assert_allclose(total(f"{head}|Road Vehicles"), road, rtol=1e-12)
        light = parts["Personal Cars"] + parts["Delivery Vans"]
        np.testing.assert_allclose(total(f"{head}|Light Vehicles"), light, rtol=1e-12)


def test_history_follows_the_dataset(central: Results, data: Dataset) -> None:
    # the tolerances [%] are history_checks.yaml's (the calibrated lifetime of
    # assumptions.csv against the synthetic register; the utilisation and the export share
    # are fitted to the observed production and exports of the one association)
    checks = {c.id: c for c in load_checks(data)}
    for klass, label in CLASSES.items():
        stock = checks[f"stock-{klass}"]
        production, exports = checks[f"production-{klass}"], checks[f"exports-{klass}"]
        assert stock.years == (2012, BASE_YEAR)
        view = data.of_class(klass)
        base = central.variable(f"Stock|{label}").isel(run=0).sel(scenario="baseline")
        observed = view.series("stock", "stock", powertrain="")
        for year in range(2012, BASE_YEAR + 1):
            error = abs(float(base.sel(year=year)) / observed[year] - 1) * 100
            assert error < stock.tolerance, (klass, year)
        made = central.variable(f"Production|{label}").isel(run=0).sel(scenario="baseline")
        for year, value in view.series("industry", "production", producer="").items():
            assert float(made.sel(year=int(year))) == pytest.approx(
                value, rel=production.tolerance / 100
            ), year
        exported = central.variable(f"Exports|{label}").isel(run=0).sel(scenario="baseline")
        for year, value in view.series("industry", "exports", producer="").items():
            assert float(exported.sel(year=int(year))) == pytest.approx(
                value, rel=exports.tolerance / 100
            ), year
    exported = central.variable("Exports|Personal Cars").isel(run=0).sel(scenario="baseline")
    assert float(exported.sel(year=BASE_YEAR)) == pytest.approx(99000, rel=1e-12)
    # the vans' imports come from where trade.csv says, by class
    vans = central.variable("Imports|Delivery Vans").isel(run=0).sel(year=BASE_YEAR)
    union = central.variable("Imports|Delivery Vans|Concordia").isel(run=0).sel(year=BASE_YEAR)
    np.testing.assert_allclose((union / vans).values, 0.60, rtol=1e-12)


def test_each_class_sells_by_its_own_driver(central: Results, data: Dataset) -> None:
    """Minibuses grow at their rate; cars and vans follow ownership towards saturation."""

    def value(name: str, year: int, scenario: str = "baseline") -> float:
        return float(central.variable(name).isel(run=0).sel(scenario=scenario, year=year))

    # growth: 3,100 minibuses in 2023, 1 %/yr (assumptions.csv)
    base = data.of_class("mbus").series("sales", "sales", powertrain="")[BASE_YEAR]
    assert base == 3100
    for year in (2030, 2050):
        assert value("Sales|Minibuses", year) == pytest.approx(
            base * 1.01 ** (year - BASE_YEAR), rel=1e-12
        )
    # ownership: vans per 1,000 people rise from 55.5 towards the saturation of 80
    assert value("Ownership|Delivery Vans", BASE_YEAR) == pytest.approx(55.5, abs=0.1)
    assert 55.5 < value("Ownership|Delivery Vans", 2050) < 80.0


def test_scenarios_differ_as_they_say(central: Results) -> None:
    def value(name: str, scenario: str, year: int) -> float:
        return float(central.variable(name).isel(run=0).sel(scenario=scenario, year=year))

    ev = "Share|Sales|Personal Cars|EV"
    assert value(ev, "baseline", 2030) < value(ev, "electric-push", 2030)
    # the ban of 2040 leaves only cars with a plug
    assert value(ev, "electric-push", 2040) == pytest.approx(100.0, abs=1e-9)
    assert value(ev, "baseline", 2040) < 90.0
    # the vans' ban comes in 2045; the minibuses have none
    vans = "Share|Sales|Delivery Vans|EV"
    assert value(vans, "electric-push", 2044) < 100.0
    assert value(vans, "electric-push", 2045) == pytest.approx(100.0, abs=1e-9)
    assert value(vans, "baseline", 2045) < 90.0
    buses = "Share|Sales|Minibuses|EV"
    assert value(buses, "electric-push", 2045) == value(buses, "baseline", 2045) < 90.0
    cells = "Capacity|Battery Cells"
    # the cell plant under construction: 12 GWh/yr at 0.9 (site_works) or realised
    assert value(cells, "baseline", 2040) == pytest.approx(0.9 * 12, rel=1e-12)
    assert value(cells, "full-hub", 2040) == pytest.approx(12, rel=1e-12)
    built = "Production|Personal Cars"
    assert value(built, "full-hub", 2030) > value(built, "baseline", 2030)
    # full hub: the running van line (60,000, 10 % electric) and the signed electric van
    # plant (40,000, 90 % electric) realised, both at 85 % utilisation in 2035
    made = "Production|Delivery Vans|Battery-electric"
    expected = 0.85 * (60_000 * 0.1 + 40_000 * 0.9)
    assert value(made, "full-hub", 2035) == pytest.approx(expected, rel=1e-12)
    table = evhub.pipeline("full-hub", year=2030, dataset=DATA).set_index("id")
    assert table.loc["eastauto-harbour", "probability"] == 1.0
    assert table.loc["unionvan-port", "probability"] == 1.0
    assert table.loc["sunray-cells-south", "probability"] == 0.0
    assert set(table["stage"]) == {"rumour", "signed", "site_works", "running", "abandoned"}


@pytest.mark.parametrize("klass", list(CLASSES))
def test_calibration_recovers_the_shipped_lifetime(klass: str) -> None:
    result = evhub.calibrate("baseline", dataset=DATA, vehicle_class=klass)
    # no converted powertrain: the lifetime is all there is to fit
    assert set(result.parameters) == {
        f"{klass}.fleet.lifetime.shape",
        f"{klass}.fleet.lifetime.scale",
        f"{klass}.fleet.initial_stock_growth",
    }
    checks = {c.id: c for c in load_checks(evhub.load_dataset(DATA))}
    assert result.max_abs_error_percent < checks[f"calibration-{klass}"].tolerance
    shipped = evhub.resolve("baseline", DATA).values
    for path, value in result.parameters.items():
        # assumptions.csv holds the fit rounded to two or three significant digits
        error = abs(value - shipped[path]) / abs(shipped[path]) * 100
        assert error < checks[f"calibrated-values-{klass}"].tolerance, path


def test_calibration_asks_for_a_class() -> None:
    with pytest.raises(InputError) as info:
        evhub.calibrate("baseline", dataset=DATA)
    assert str(info.value) == (
        "calibrate: the dataset has the vehicle classes pc, van, mbus; name the one to "
        "calibrate (evhub calibrate --class CLASS)"
    )


# --------------------------------------------------------------------------
# The command line: a deterministic run, an ensemble, the report
# --------------------------------------------------------------------------


def test_cli_run_writes_the_central_run(cli_baseline: Path, central: Results) -> None:
    manifest = json.loads((cli_baseline / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dataset"]["name"] == "freedonia"
    assert manifest["dataset"]["shipped"] is False
    assert manifest["request"]["scenarios"] == ["baseline"]
    iamc = pd.read_csv(cli_baseline / "iamc.csv")
    assert iamc["Region"].unique().tolist() == [REGION]
    # the command line runs what the Python API runs, to the last digit
    expected = central.to_iamc()
    expected = expected[expected["Scenario"] == "baseline"].reset_index(drop=True)
    expected.columns = expected.columns.astype(str)
    pd.testing.assert_frame_equal(iamc, expected, check_dtype=False, rtol=0, atol=0)
    dims = yaml.safe_load((cli_baseline / "dimensions.yaml").read_text(encoding="utf-8"))
    assert list(dims["origins"]) == ["home", "union", "east", "west", "south"]
    card = pd.read_csv(cli_baseline / "scorecard.csv")
    assert set(card["year"]) == {2030, 2040, 2050}  # report years and the CO2 target years


def test_cli_ensemble_gives_quantiles_and_probabilities(cli_ensemble: Path) -> None:
    quantiles = pd.read_csv(cli_ensemble / "iamc_quantiles.csv")
    assert quantiles["Scenario"].unique().tolist() == SCENARIOS
    assert quantiles["Region"].unique().tolist() == [REGION]
    assert sorted(quantiles["Quantile"].unique()) == [0.05, 0.25, 0.5, 0.75, 0.95]
    ev = quantiles[
        (quantiles["Scenario"] == "baseline")
        & (quantiles["Variable"] == "Share|Sales|Personal Cars|EV")
    ].set_index("Quantile")["2030"]
    assert ev[0.05] < ev[0.5] < ev[0.95]  # the EV share curve is uncertain in baseline
    assert ev[0.95] <= 95.0  # below the highest ceiling of assumptions.csv
    history = quantiles[quantiles["Variable"] == "Sales|Personal Cars"]["2020"]
    assert history.nunique() == 1  # observed history does not vary
    # every class has its bands; the vans' and minibuses' own distributions move them
    baseline = quantiles[quantiles["Scenario"] == "baseline"]
    for name in ("Share|Sales|Delivery Vans|EV", "Sales|Minibuses"):
        band = baseline[baseline["Variable"] == name].set_index("Quantile")["2040"]
        assert band[0.05] < band[0.5] < band[0.95], name
    for label in CLASSES.values():
        assert f"Stock|{label}" in set(quantiles["Variable"]), label
    targets = pd.read_csv(cli_ensemble / "targets.csv")
    assert set(targets["scenario"]) == set(SCENARIOS)
    assert targets["probability"].between(0, 1).all()
    evs = targets[
        (targets["target"] == "EVs built (Personal Cars)") & (targets["scenario"] == "full-hub")
    ]
    assert evs["probability"].tolist() == [1.0]  # every plant realised: 147,840 > 90,000


def test_cli_report_names_the_scenarios_and_nothing_of_turkiye(cli_ensemble: Path) -> None:
    result = _invoke("report", str(cli_ensemble))
    assert result.exit_code == 0, result.output
    html = (cli_ensemble / "report.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.DOTALL)
    page = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    # the charts' data (every script but the embedded Plotly library)
    charts = "".join(s for s in scripts if len(s) < 1_000_000)
    for scenario in SCENARIOS:
        assert scenario in page, scenario
    for name in (REGION, "Concordia", "eastauto-harbour", "Site works", "freedonia-synthetic"):
        assert name in page, name
    assert "Personal Cars" in charts
    assert _words(page, TURKISH) == []
    assert _words(charts, TURKISH) == []


@pytest.mark.parametrize("klass", list(CLASSES))
def test_cli_calibrate_takes_the_dataset_and_a_class(klass: str) -> None:
    result = _invoke("calibrate", "--dataset", str(DATA), "--class", klass)
    assert result.exit_code == 0, result.output
    assert f"{klass}.fleet.lifetime.scale" in result.output
    others = [c for c in CLASSES if c != klass]
    assert not [c for c in others if f"{c}.fleet" in result.output]
    assert "lpg" not in result.output.lower()


def test_cli_pipeline_takes_the_dataset() -> None:
    table = _invoke("pipeline", "--dataset", str(DATA), "--scenario", "baseline")
    assert table.exit_code == 0, table.output
    for project in ("fredmotors-capital", "voltcell-riverside", "sunray-cells-s"):
        assert project in table.output, project
    for project in ("fredmotors-vans", "unionvan-port", "capital-coachworks"):
        assert project in table.output, project


def test_cli_sensitivity_of_a_class_s_indicator(tmp_path: Path) -> None:
    """The minibuses' electric stock moves with the minibuses' own inputs only."""
    out = tmp_path / "results"
    args = ("sensitivity", "baseline", "--indicator", "Stock|Minibuses|Electric")
    options = ("--year", "2040", "--method", "morris", "--samples", "4", "--dataset", str(DATA))
    result = _invoke(*args, *options, "--out", str(out))
    assert result.exit_code == 0, result.output
    [tornado] = (out / "sensitivity").glob("*-tornado.csv")
    assert tornado.name == ("sensitivity-baseline-stock-minibuses-electric-2040-morris-tornado.csv")
    swing = pd.read_csv(tornado).set_index("input")["swing"]
    moving = set(swing[swing > 0].index)
    assert moving == {
        "mbus.market.growth_rate",
        "mbus.market.electric_share.ceiling",
        "mbus.market.electric_share.midpoint_year",
    }


def test_cli_goalseek_varies_a_class_s_parameter() -> None:
    """The minibuses' growth rate that gives 40,000 minibuses in 2040."""
    args = ("goalseek", "baseline", "--target", "Stock|Minibuses", "--year", "2040")
    options = ("--value", "40000", "--vary", "mbus.market.growth_rate", "--range", "-3", "5")
    result = _invoke(*args, *options, "--direction", "min", "--dataset", str(DATA))
    assert result.exit_code == 0, result.output
    found = re.search(r"with mbus\.market\.growth_rate = (-?[0-9.]+)", result.output)
    assert found is not None, result.output
    rate = float(found[1])
    assert -3 < rate < 1.0  # below the baseline's 1 %/yr: 2040's stock is above 40,000 there
    check = evhub.run("baseline", dataset=DATA, overrides={"mbus.market.growth_rate": rate})
    stock = float(check.variable("Stock|Minibuses").isel(run=0).sel(year=2040).squeeze())
    assert stock == pytest.approx(40_000, rel=1e-4)  # brentq's tolerance on the rate


# --------------------------------------------------------------------------
# The dashboard's logic (no browser)
# --------------------------------------------------------------------------


def test_dashboard_logic_runs_the_dataset(data: Dataset) -> None:
    resolved = [evhub.resolve(name, data) for name in SCENARIOS]
    sliders = logic.slider_specs(resolved[0], data, resolved)
    # the sliders and their ranges come from its dimensions, scenarios and assumptions.csv
    assert [(s.key, s.low, s.high, s.value) for s in sliders] == [
        ("electric_ceiling_pc", 40, 95, 65),
        ("electric_ceiling_van", 50, 95, 75),
        ("electric_ceiling_mbus", 35, 90, 60),
        ("electric_midpoint_pc", 2027, 2040, 2032),
        ("electric_midpoint_van", 2028, 2040, 2033),
        ("electric_midpoint_mbus", 2028, 2042, 2034),
        ("electric_steepness_pc", 0.12, 0.5, 0.28),
        ("electric_steepness_van", 0.12, 0.5, 0.3),
        ("electric_steepness_mbus", 0.1, 0.5, 0.25),
        ("eu_export_share_pc", 55, 75, 64),
        ("eu_export_share_van", 45, 70, 58),
        ("eu_export_share_mbus", 25, 55, 40),
        ("grid_2030", 0, 100, 55),
        ("grid_2040", 55, 85, 70),
        ("grid_2050", 0, 100, 85),
    ]
    projects = logic.project_frame(resolved[0], data)
    assert "concord-rnd-capital" not in set(projects["project id"])  # no capacity
    edited = projects.copy()
    edited.loc[edited["project id"] == "eastauto-harbour", "realised"] = "yes"
    edited.loc[edited["project id"] == "unionvan-port", "realised"] = "no"
    values = {s.key: s.cast(s.value) for s in sliders}
    values |= {"electric_ceiling_pc": 85, "electric_ceiling_mbus": 70}
    overrides = logic.form_overrides(sliders, values, projects, edited, "")
    assert overrides == {
        "pc.market.electric_share.ceiling": 85.0,
        "mbus.market.electric_share.ceiling": 70.0,
        "pipeline.overrides.eastauto-harbour.probability": 1.0,
        "pipeline.overrides.unionvan-port.probability": 0.0,
    }
    first = logic.run("baseline", {}, data=data, label="baseline")
    second = logic.run("baseline", overrides, data=data, label="edited", samples=20, seed=1)
    assert [h.label for h in first.headlines] == [
        "EV share of sales (Personal Cars) 2030",
        "Vehicles built (Personal Cars) 2030",
        "Road CO2 (Personal Cars) 2040",
        "Cell capacity 2030",
    ]
    assert second.headlines[1].value > first.headlines[1].value  # the Eastland plant comes
    assert (first.base_year, first.last_year) == (BASE_YEAR, 2050)
    bands = logic.compare_bands([first, second])
    assert set(bands["scenario"]) == {"baseline", "edited"}
    assert set(bands["year"]) == set(YEARS)
    assert _words(" ".join(bands["variable"].unique()), TURKISH) == []
    assert set(first.sources["id"]) == {"freedonia-synthetic", "freedonia-assumption"}
    # every class is in the bands, and the edited minibus ceiling moves the minibuses
    for label in CLASSES.values():
        assert f"Stock|{label}" in set(bands["variable"]), label

    def central(run: logic.Run, name: str, year: int) -> float:
        frame = run.bands
        chosen = (frame["variable"] == name) & (frame["year"] == year)
        return float(frame[chosen & (frame["stat"] == "central")]["value"].iloc[0])

    buses = "Share|Sales|Minibuses|EV"
    assert central(second, buses, 2045) > central(first, buses, 2045)
    vans = "Capacity|Vehicle Assembly|Delivery Vans"
    assert central(second, vans, 2035) == 60_000  # the electric van plant dropped
    assert central(first, vans, 2035) == pytest.approx(60_000 + 0.65 * 40_000, rel=1e-12)


# --------------------------------------------------------------------------
# nomenclature-iamc reads its definitions and results
# --------------------------------------------------------------------------


def test_nomenclature_validates_its_results(central: Results, nomenclature) -> None:
    done = nomenclature(central)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("validate: ok") and lines[1] == "check_aggregate: ok"


# --------------------------------------------------------------------------
# A class the country builds none of
# --------------------------------------------------------------------------


def test_a_class_built_only_abroad_is_all_imports(tmp_path: Path) -> None:
    """No minibus plant and 0 built: a utilisation and an export share of 0, imports = sales."""
    folder = tmp_path / "synthetic"
    shutil.copytree(DATA, folder)
    registry = folder / "pipeline.csv"
    lines = registry.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [x for x in lines if not x.startswith(("capital-coachworks,", "voltbus-riverside,"))]
    assert len(kept) == len(lines) - 2
    registry.write_text("".join(kept), encoding="utf-8")
    industry = folder / "industry.csv"
    text = industry.read_text(encoding="utf-8")
    zeroed = re.sub(
        r"^(production|exports),mbus,,(\d{4}),\d+,", r"\1,mbus,,\2,0,", text, flags=re.M
    )
    assert zeroed.count(",mbus,,") == 14 and zeroed != text
    industry.write_text(zeroed, encoding="utf-8")
    result = evhub.run(dataset=folder)

    def series(name: str) -> np.ndarray:
        return result.variable(name).isel(run=0).sel(year=slice(2017, None)).values

    for name in (
        "Production|Minibuses",
        "Exports|Minibuses",
        "Sales|Minibuses|Domestic Production",
    ):
        assert np.all(series(name) == 0.0), name
    # every minibus sold is imported (from the base year, the import split by origin too)
    np.testing.assert_allclose(series("Imports|Minibuses"), series("Sales|Minibuses"), rtol=1e-12)
    # the other classes are built as before
    assert float(result.variable("Production|Delivery Vans").isel(run=0).max()) > 0
