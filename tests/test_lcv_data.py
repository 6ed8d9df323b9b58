"""Light commercial vehicles (class ``lcv``) as data in the shipped Türkiye dataset.

The rows come from ``research/lcv/`` (see its README for what moved where). These
tests check the data only: the chain does not run two classes yet.
"""

from __future__ import annotations

import itertools
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import evhub
from evhub import parameters
from evhub.dataset import Dataset, load_dataset, schema, variable_keys
from evhub.dims import select_keys
from evhub.pipeline import load_pipeline
from evhub.scenario import default_parameters

LCV = "lcv"
#: The tables keyed by vehicle class (``key_values`` of schema.yaml).
CLASS_TABLES = ("stock", "sales", "ownership", "vehicle", "battery", "industry", "trade")


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load_dataset()


def _class_rows(data: Dataset, table: str, vehicle_class: str) -> pd.DataFrame:
    frame = data.tables[table]
    rows: pd.DataFrame = frame.loc[frame["class"] == vehicle_class]
    return rows


def test_the_dataset_has_two_classes(data: Dataset) -> None:
    assert data.dims.classes.ids == ("car", LCV)
    assert data.dims.classes.label(LCV) == "Light Commercial Vehicles"
    # every powertrain is sold in both classes: each has a 2025 LCV sales share
    for member in data.dims.powertrains.members:
        assert member.attributes["classes"] == ["car", LCV]
    kind = data.dims.project_kinds.member(LCV).attributes
    assert kind["vehicle_class"] == LCV
    assert kind["capacity_label"] is None


def test_every_class_table_has_lcv_rows(data: Dataset) -> None:
    for table in CLASS_TABLES:
        assert not _class_rows(data, table, LCV).empty, table


def test_lcv_rows_meet_every_need(data: Dataset) -> None:
    """Each need of schema.yaml in a table keyed by class has the lcv class's own rows."""
    tables = schema()["tables"]
    checked = 0
    for need in schema()["needs"]:
        spec = tables[need["table"]]
        if "class" not in (spec.get("key_values") or {}):
            continue
        inherited = variable_keys(spec, need["variable"])
        if inherited.get("class") == [""]:
            continue  # one row for every class together (e.g. battery materials)
        selectors = {
            **{c: inherited[c] for c in spec["key_values"] if c != "class"},
            **{c: s for c, s in (need.get("keys") or {}).items() if c != "class"},
        }
        keyed = {c: select_keys(data.dims, s) for c, s in selectors.items()}
        for combo in itertools.product(*keyed.values()):
            keys = dict(zip(keyed, combo, strict=True))
            rows = data.rows(need["table"], need["variable"], **{"class": LCV, **keys})
            assert not rows.empty, (need["table"], need["variable"], keys)
            if need["years"] in ("base", "to_base"):
                assert data.base_year in set(rows["year"].dropna().astype(int)), need
            checked += 1
    # stock, stock_share x3, sales, sales_share x6, production, exports,
    # import_share x3, eu_cvd x1 (the base duties went with trade.duty: the choice prices origins)
    assert checked == 17


def test_lcv_sales_shares_sum_to_100_on_their_own(data: Dataset) -> None:
    shares = data.rows("sales", "sales_share", **{"class": LCV})
    # 2025 (the base year) and the history anchors 2021-2024
    assert set(shares["year"].astype(int)) == set(range(2021, 2026))
    for year, group in shares.groupby("year"):
        assert sorted(group["powertrain"]) == sorted(data.dims.powertrains.ids), year
        # the assumed shares have one decimal: the sum is 100 up to float rounding
        assert group["value"].sum() == pytest.approx(100.0, abs=1e-9), year
    # the car shares of 2025 sum to 100 apart from them
    car = data.rows("sales", "sales_share", **{"class": "car"})
    assert car[car["year"] == 2025]["value"].sum() == pytest.approx(100.0, abs=0.5)


def test_lcv_sales_are_n1_not_odmd_light_commercial_vehicles(data: Dataset) -> None:
    """ODMD's 'hafif ticari' count includes minibuses; the class's sales are N1 only."""
    sales = data.series("sales", "sales", **{"class": LCV, "powertrain": ""})
    assert list(sales.index) == list(range(2010, 2026))
    rows = data.rows("sales", "sales", **{"class": LCV})
    assert set(rows["status"]) == {"derived"}
    assert all("0.10 minibus share" in note for note in rows["note"])
    # 2025: ODMD 283,904 x (1 - 0.10), rounded as staged
    assert sales[2025] == 255514


def test_lcv_stock_2015_to_2025_rises_as_observed(data: Dataset) -> None:
    stock = data.series("stock", "stock", **{"class": LCV, "powertrain": ""})
    years = list(range(2015, 2026))
    assert all(y in stock.index for y in years)
    values = stock.loc[years].to_numpy()
    assert (values[1:] > values[:-1]).all()
    # TÜİK kamyonet: observed end-2015 and end-2020; 2025 derived (14.6 % of all vehicles)
    assert stock[2015] == 3255299
    assert stock[2020] == 3938732
    assert stock[2025] == 4907447
    # the model interpolates the stock from the first model year: the class has a row then
    assert stock.index.min() <= data.first_year


def test_every_lcv_parameter_has_a_sourced_default(data: Dataset) -> None:
    defaults = default_parameters(data)
    # the choice model's parameters have none: the dataset prices no LCV (logistic curves)
    paths = [
        p.path
        for p in parameters.expand(data.dims)
        if p.keys.get("class") == LCV and p.spec.default and not p.path.startswith(f"{LCV}.choice.")
    ]
    # 47 numbers and the four choices of dataset.yaml (trade.duty x3 and
    # trade.origin_elasticity went: the choice prices origins)
    assert len(paths) == 51
    for path in paths:
        assert path in defaults, path
        default = defaults[path]
        assert default.source, path
        if path != "lcv.market.ice_ban_year":  # no ban: null is the default
            assert default.value is not None, path
    assert defaults["lcv.market.sales_mode"].value == "growth"
    assert defaults["lcv.fleet.lifetime.distribution"].value == "weibull"


def _width(rows: pd.DataFrame) -> float:
    return float((rows["high"] - rows["low"]).max())


def test_a_car_value_reused_for_lcvs_says_so_with_a_wider_range(data: Dataset) -> None:
    reused = "CAR VALUE REUSED"
    assumptions = data.assumptions.set_index("parameter")
    paths = [p for p in assumptions.index if p.startswith("lcv.")]
    flagged = [p for p in paths if reused in str(assumptions.loc[p, "note"])]
    # (the lifetime, the initial growth and the LPG conversions are fitted by calibrate now)
    # (and lcv.trade.origin_elasticity went with the choice model)
    assert len(flagged) >= 6
    for path in flagged:
        car = "car." + path.removeprefix("lcv.")
        lcv_width = assumptions.loc[path, "high"] - assumptions.loc[path, "low"]
        car_width = assumptions.loc[car, "high"] - assumptions.loc[car, "low"]
        assert lcv_width > car_width, path
    # every lcv assumption has a range and cites a source
    for path in paths:
        row = assumptions.loc[path]
        assert not math.isnan(row["low"]) and not math.isnan(row["high"]), path
        assert row["source"], path
    # the same in the tables: the car row of the same variable and keys has a narrower range
    checked = 0
    for table in CLASS_TABLES:
        frame = data.tables[table]
        keys = [c for c in frame.columns[1 : frame.columns.get_loc("year")] if c != "class"]
        lcv = _class_rows(data, table, LCV)
        for row in lcv[lcv["note"].str.contains(reused)].to_dict("records"):
            car = _class_rows(data, table, "car")
            for key in keys:
                car = car[(car["variable"] == row["variable"]) & (car[key] == row[key])]
            assert not car.empty, row
            assert row["high"] - row["low"] > _width(car), (table, row["variable"])
            checked += 1
    assert checked >= 9  # (the duty rows of trade.csv went with trade.duty)


def test_producers_of_a_class_are_plants_of_that_class(data: Dataset) -> None:
    segment = {p.id: p.segment for p in load_pipeline(data)}
    kinds = data.dims.project_kinds
    for row in data.rows("industry", "production").to_dict("records"):
        if row["producer"]:
            kind = next(
                k
                for k in kinds.ids
                if kinds.member(k).attributes["segment"] == segment[row["producer"]]
            )
            assert kinds.member(kind).attributes["vehicle_class"] == row["class"], row["producer"]


def test_lcv_registry(data: Dataset) -> None:
    plants = {p.id: p for p in load_pipeline(data) if p.segment == LCV}
    assert set(plants) == {"ford-otosan-kocaeli", "tofas-k0", "tofas-k9", "tofas-bursa-lcv"}
    assert plants["ford-otosan-kocaeli"].capacity == 612000
    assert plants["tofas-bursa-lcv"].end_year == 2022


def test_the_car_rows_are_untouched(data: Dataset) -> None:
    """A few known car values, read from the rows of class car."""

    def value(table: str, variable: str, year: float | None = None, **keys: str) -> float:
        rows = data.rows(table, variable, **{"class": "car", **keys})
        rows = rows[rows["year"].isna()] if year is None else rows[rows["year"] == year]
        assert len(rows) == 1, (table, variable, year, keys)
        return float(rows["value"].iloc[0])

    assert value("stock", "stock", 2025, powertrain="") == 17373581
    assert value("stock", "stock", 2000, powertrain="") == 4422180
    assert value("sales", "sales_share", 2025, powertrain="bev") == pytest.approx(17.507)
    assert value("industry", "production", 2025, producer="") == 872538
    assert value("industry", "exports", 2025, producer="") == 599687
    assert value("trade", "eu_cvd", 2025, origin="china") == pytest.approx(20.7)
    assert value("vehicle", "annual_distance", 2024, powertrain="") == 13859
    assert (
        value("battery", "pack_capacity", 2025, powertrain="bev", chemistry="", material="") == 65
    )
    assert value("ownership", "saturation", country="") == 560
    # the car class uses none of the variables added for LCV checks
    for table, variable in (
        ("stock", "share_of_all_vehicles"),
        ("industry", "production_growth"),
        ("vehicle", "vehicle_km"),
        ("vehicle", "final_energy"),
    ):
        assert data.rows(table, variable, **{"class": "car"}).empty
    car = [p for p in data.assumptions["parameter"] if re.match(r"car\.", p)]
    # and car.choice.origin_sensitivity, added with the choice model; less
    # car.trade.origin_elasticity, which the choice replaced
    assert len(car) == 20


def _lcv_only(data: Dataset, folder: Path) -> Path:
    """A copy of the shipped dataset with the lcv class alone (the car rows left out)."""
    target = folder / "lcv-only"
    shutil.copytree(data.path, target)
    dims_file = target / "dimensions.yaml"
    dims = yaml.safe_load(dims_file.read_text(encoding="utf-8"))
    del dims["classes"]["car"]
    for member in dims["class_totals"].values():
        member["classes"] = [LCV]
    for member in dims["powertrains"].values():
        member["classes"] = [LCV]
    dims["project_kinds"]["car"] |= {"vehicle_class": None, "capacity_label": "Passenger Cars"}
    dims_file.write_text(yaml.safe_dump(dims, allow_unicode=True), encoding="utf-8")
    optional = [
        name
        for name, spec in schema()["tables"].items()
        if spec.get("optional") and "class" in (spec.get("key_values") or {})
    ]
    for name in (*CLASS_TABLES, *optional, "assumptions"):
        path = target / f"{name}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if name == "assumptions":
            frame = frame[~frame["parameter"].str.startswith("car.")]
        else:
            frame = frame[frame["class"] != "car"]
        if frame.empty and name in optional:
            path.unlink()  # an optional table of car rows only: left out, as a dataset may
            continue
        frame.to_csv(path, index=False)
    meta_file = target / "dataset.yaml"
    meta = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
    meta["defaults"] = {k: v for k, v in meta["defaults"].items() if not k.startswith("car.")}
    meta_file.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    for scenario in meta["scenarios"]:  # the shipped scenarios override car paths
        text = f"name: {scenario}\ndescription: the dataset defaults\n"
        (target / "scenarios" / f"{scenario}.yaml").write_text(text, encoding="utf-8")
    return target


def test_the_lcv_rows_alone_build_the_chain_inputs(data: Dataset, tmp_path: Path) -> None:
    """Until the chain runs two classes: the lcv rows pass every check of a run on their own."""
    folder = _lcv_only(data, tmp_path)
    summary = evhub.validate(folder)
    assert summary["first_year"] == data.first_year
    assert load_dataset(folder).dims.classes.ids == (LCV,)
