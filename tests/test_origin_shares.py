"""Where the cars of each powertrain group were built (``origin_shares.csv``).

The origin nest of the choice model starts from these shares in the base years;
earlier years (battery-electric cars in 2022-2023) are evidence on the cost
sensitivity (:mod:`evhub.choiceorigin`). The base years must be complete (every
origin of every group), every group of a year must have every origin, each sums
to 100 %, and they agree with the rest of the dataset: what is sold as built at home
cannot exceed what the plants built and did not export (``industry.csv`` with
the plants' powertrain mix of ``pipeline.csv``), the home-built total must
match sales minus imports, and the import mix they imply must lie in the
ranges of ``trade.csv``. Each check uses the rows' stated ranges (``low`` and
``high``; the value where none is given).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pytest

import evhub
from evhub.dataset import Dataset
from evhub.pipeline import Project, load_pipeline

TABLE = "origin_shares"
VARIABLE = "origin_share"


@pytest.fixture(scope="module")
def data() -> Dataset:
    return evhub.load_dataset()


@pytest.fixture(scope="module")
def shares(data: Dataset) -> pd.DataFrame:
    rows = data.rows(TABLE, VARIABLE).copy()
    rows["year"] = rows["year"].astype(int)
    for column in ("low", "high"):
        rows[column] = rows[column].fillna(rows["value"])
    return rows


def _home(data: Dataset) -> str:
    (home,) = data.dims.origins.where(home=True)
    return str(home)


def _group_sales(data: Dataset, vehicle_class: str, year: int) -> dict[str, float]:
    """New vehicles of each powertrain group sold in the year [veh/yr] (sales.csv)."""
    total = data.series("sales", "sales", **{"class": vehicle_class, "powertrain": ""})[year]
    shares = data.rows("sales", "sales_share", **{"class": vehicle_class})
    shares = shares[shares["year"] == year].set_index("powertrain")["value"]
    out = dict.fromkeys(data.dims.powertrain_groups.ids, 0.0)
    for member in data.dims.powertrains.members:
        out[member.attributes["group"]] += total * float(shares[member.id]) / 100.0
    return out


def _home_built(
    shares: pd.DataFrame, home: str, sales: Mapping[str, float], year: int, column: str
) -> dict[str, float]:
    """Home-built sales of each group [veh/yr] at the rows' ``value``, ``low`` or ``high``."""
    rows = shares[(shares["year"] == year) & (shares["origin"] == home)]
    by_group = rows.set_index("powertrain_group")[column]
    return {g: float(by_group[g]) / 100.0 * sales[g] for g in sales if g in by_group.index}


def _kept_at_home(
    data: Dataset, projects: list[Project], vehicle_class: str, year: int
) -> dict[str, float]:
    """What the plants built and did not export, by powertrain group [veh/yr].

    Only groups whose every producing plant of the class has a production row
    in the year are returned: for the others the plants' rows do not tell.
    """
    producing = set(data.dims.stages.where(producing=True))
    made = data.rows("industry", "production", **{"class": vehicle_class})
    made = made[made["year"] == year].set_index("producer")["value"]
    sent = data.rows("industry", "exports", **{"class": vehicle_class})
    sent = sent[sent["year"] == year].set_index("producer")["value"]
    out: dict[str, float] = {}
    for group in data.dims.powertrain_groups.ids:
        plants = [
            p
            for p in projects
            if p.segment == vehicle_class
            and p.stage in producing
            and p.shares.get(group, 0.0) > 0
            and (p.start_year is None or p.start_year <= year)
            and (p.end_year is None or p.end_year >= year)
        ]
        if not plants or not all(p.id in made.index for p in plants):
            continue
        out[group] = sum(
            (float(made[p.id]) - float(sent.get(p.id, 0.0))) * p.shares[group] for p in plants
        )
    return out


def test_every_group_has_every_origin_in_both_base_years(
    data: Dataset, shares: pd.DataFrame
) -> None:
    years = {data.base_year - 1, data.base_year}
    assert years <= set(shares["year"])
    assert set(shares["class"]) == {"car"}
    for group in data.dims.powertrain_groups.ids:
        for year in years:
            rows = shares[(shares["powertrain_group"] == group) & (shares["year"] == year)]
            assert sorted(rows["origin"]) == sorted(data.dims.origins.ids), (group, year)
    # an earlier year holds whole groups only
    for (group, year), rows in shares.groupby(["powertrain_group", "year"]):
        assert sorted(rows["origin"]) == sorted(data.dims.origins.ids), (group, year)
    earlier = shares[~shares["year"].isin(years)]
    assert set(zip(earlier["powertrain_group"], earlier["year"], strict=True)) == {
        ("bev", 2022),
        ("bev", 2023),
    }


def test_the_origins_of_a_group_sum_to_100(shares: pd.DataFrame) -> None:
    for key, rows in shares.groupby(["class", "powertrain_group", "year"]):
        # one decimal each and the residual origin rounded to close the sum: 100 up to
        # float rounding of four additions (1e-9 is far above it, far below 0.05)
        assert rows["value"].sum() == pytest.approx(100.0, abs=1e-9), key


def test_the_plants_kept_at_home_what_the_hand_computation_gives(data: Dataset) -> None:
    """Net supply by group, 2024, from OSD's plant figures (ticarihayat-osd-2024)."""
    kept = _kept_at_home(data, load_pipeline(data), "car", 2024)
    # full hybrids: Toyota (225,337 - 187,101) x 0.733 + Oyak-Renault (332,503 - 241,398) x 0.2
    assert kept["hev"] == pytest.approx(38_236 * 0.733 + 91_105 * 0.2, abs=1e-6)
    # combustion: Hyundai 40,976 + Tofaş 80,081 + Renault 91,105 x 0.8 + Toyota 38,236 x 0.267
    assert kept["ice"] == pytest.approx(40_976 + 80_081 + 91_105 * 0.8 + 38_236 * 0.267, abs=1e-6)
    # battery-electric: Togg's production (no exports row), the only such plant producing
    assert kept["bev"] == pytest.approx(30_093, abs=1e-6)
    # the plug-in line of Sakarya has no production row: nothing to compare with
    assert "phev" not in kept


def test_home_built_sales_do_not_exceed_what_the_plants_kept_at_home(
    data: Dataset, shares: pd.DataFrame
) -> None:
    projects = load_pipeline(data)
    home = _home(data)
    checked = set()
    for year in sorted(set(shares["year"])):
        sales = _group_sales(data, "car", year)
        low = _home_built(shares, home, sales, year, "low")
        for group, kept in _kept_at_home(data, projects, "car", year).items():
            if group not in low:  # no origin shares of the group that year
                continue
            assert low[group] <= kept, (group, year, low[group], kept)
            checked.add((group, year))
    # the groups and years whose plants all have rows (2023 and 2025: only Togg reports)
    assert checked == {("bev", 2023), ("bev", 2024), ("hev", 2024), ("ice", 2024), ("bev", 2025)}


def test_home_built_total_fits_production_exports_and_imports(
    data: Dataset, shares: pd.DataFrame
) -> None:
    projects = {p.id: p for p in load_pipeline(data)}
    home = _home(data)
    groups = set(data.dims.powertrain_groups.ids)
    for year in sorted(set(shares["year"])):
        if set(shares[shares["year"] == year]["powertrain_group"]) != groups:
            continue  # a total needs every group
        sales = _group_sales(data, "car", year)
        low = sum(_home_built(shares, home, sales, year, "low").values())
        high = sum(_home_built(shares, home, sales, year, "high").values())
        sold = data.series("sales", "sales", **{"class": "car", "powertrain": ""})[year]
        imported = data.series("industry", "imports", **{"class": "car", "producer": ""})[year]
        # sales minus imports (OSD) is the home-built total: inside the rows' range
        assert low <= sold - imported <= high, (year, low, sold - imported, high)
        # the association's total leaves out plants that started after the model's first
        # year (their own rows): production - exports bounds what can be sold at home
        made = data.rows("industry", "production", **{"class": "car"})
        made = made[made["year"] == year]
        outside = made[
            made["producer"].map(lambda p: p in projects and projects[p].start_year is not None)
        ]
        supply = (
            data.series("industry", "production", **{"class": "car", "producer": ""})[year]
            + outside["value"].sum()
            - data.series("industry", "exports", **{"class": "car", "producer": ""})[year]
        )
        assert low <= supply, (year, low, supply)


def test_the_import_mix_lies_in_the_ranges_of_trade_csv(
    data: Dataset, shares: pd.DataFrame
) -> None:
    home = _home(data)
    trade = data.rows("trade", "import_share", **{"class": "car"})
    years = set(trade["year"].astype(int)) & set(shares["year"])
    assert years == {data.base_year}
    for year in years:
        sales = _group_sales(data, "car", year)
        of_year = shares[shares["year"] == year]
        imported = sum(
            (100.0 - float(r["value"])) / 100.0 * sales[r["powertrain_group"]]
            for r in of_year[of_year["origin"] == home].to_dict("records")
        )
        for row in trade[trade["year"] == year].to_dict("records"):
            rows = of_year[of_year["origin"] == row["origin"]]
            from_origin = sum(
                float(r["value"]) / 100.0 * sales[r["powertrain_group"]]
                for r in rows.to_dict("records")
            )
            share = 100.0 * from_origin / imported
            assert float(row["low"]) <= share <= float(row["high"]), (row["origin"], share)
