"""The generalised cost from the dataset: one powertrain-year worked by hand, and the messages.

The hand case is the battery-electric car built at home in 2019: one
purchase-tax schedule (the 2015 bands by motor power), one VAT rate, no duty,
so every step can be followed with the dataset's numbers below.
"""

import numpy as np
import pytest
import scipy.special
from typer.testing import CliRunner

import evhub
from evhub import api
from evhub.choicecost import NODES, choice_inputs, generalised_costs
from evhub.cli import app
from evhub.errors import InputError
from evhub.model.buyers import duty_rate
from evhub.model.choice import capital_recovery_factor
from evhub.scenario.defaults import default_parameters


@pytest.fixture(scope="module")
def costs(dataset):
    return generalised_costs(dataset, "car")


def test_a_battery_car_built_at_home_in_2019_by_hand(costs) -> None:
    x25, cpi25, us25 = 39.63, 1784.39, 321.943  # socioeconomic.csv: USD/TRY, TÜİK CPI, US CPI
    # the reference group's median base (ICE: 2016 and 2025 rows), exchanged in its year, in
    # dollars of 2025, interpolated log-linearly to 2019
    ice16 = 44257 / 3.024 * us25 / 240.007
    ice25 = 900_000 / x25
    ice19 = np.exp(np.log(ice16) + (np.log(ice25) - np.log(ice16)) * 3 / 9)
    # the BEV group's 2025 median less a 65 kWh pack at 108 USD_2025/kWh is the glider; it
    # follows the ICE median; the 2019 pack costs 156 USD_2019/kWh
    glider19 = (1_300_000 / x25 - 65 * 108) * ice19 / ice25
    median = glider19 + 65 * 156 * us25 / 255.657  # [USD_2025/veh]
    base_lcu = median * 5.6806 / (us25 / 255.657)  # TRY of 2019
    nodes = base_lcu * np.exp(0.5 * scipy.special.ndtri((np.arange(NODES) + 0.5) / NODES))
    # 160 kW is above the 2015 schedule's top band (120 kW): 15 %; VAT 18 %
    paid_lcu = nodes.mean() * 1.15 * 1.18
    real = cpi25 / 234.44 / x25  # TRY of 2019 -> USD_2025 via the TÜİK CPI
    paid = paid_lcu * real
    pre_tax = nodes.mean() * real  # the mean of the spread, not its median
    capital = float(capital_recovery_factor(0.10, 5.0)) * paid  # choice.csv: 10 %/yr, 5 yr
    km = 13776 + (13415 - 13776) / 4  # annual_distance 2018 and 2022, interpolated
    # electricity: home at its 2021 real price, public at the mean of AC and DC in 2022
    home = 0.9156 * cpi25 / 314.81 / x25
    public = (7.13 + 8.75) / 2 * cpi25 / 542.45 / x25
    price_kwh = 0.7 * home + 0.3 * public  # choice.csv: 70 % at home
    kwh_per_km = 0.185 * 1.005**6 / (1 - 0.12)  # 2025 intensity, 0.5 %/yr better, 12 % loss
    energy = kwh_per_km * price_kwh * km
    maintenance = 0.0379 * us25 / 270.970 * km  # USD_2021/km in USD_2025
    mtv = 12263 / x25  # the 2025 tariff's band up to 180 kW, in real terms
    row = costs.loc[("bev", "domestic", 2019)]
    # rtol: the hand case repeats the code's float arithmetic in another order
    np.testing.assert_allclose(row["pre_tax_price"], pre_tax, rtol=1e-9)
    np.testing.assert_allclose(row["price_paid"], paid, rtol=1e-9)
    np.testing.assert_allclose(
        row["purchase_tax"], nodes.mean() * 0.15 * cpi25 / 234.44 / x25, rtol=1e-9
    )
    np.testing.assert_allclose(row["energy"], energy, rtol=1e-9)
    np.testing.assert_allclose(row["maintenance"], maintenance, rtol=1e-9)
    np.testing.assert_allclose(row["ownership_tax"], mtv, rtol=1e-9)
    np.testing.assert_allclose(row["total"], capital + energy + maintenance + mtv, rtol=1e-9)
    assert row["duty"] == 0.0


def test_the_parts_add_up_to_the_price_paid(costs) -> None:
    parts = costs[["pre_tax_price", "duty", "purchase_tax", "vat"]].sum(axis=1)
    np.testing.assert_allclose(parts, costs["price_paid"], rtol=1e-12)  # float sums only


def test_an_import_from_a_dutied_origin_costs_more_than_one_from_the_customs_union(costs) -> None:
    year = costs.xs("bev", level="powertrain").xs(2024, level="year")
    assert year.loc["china", "duty"] > 0.0 == year.loc["eu", "duty"]
    assert year.loc["china", "price_paid"] > year.loc["eu", "price_paid"]


def test_the_july_2025_rise_of_the_bev_rate_raises_the_tax_share(costs) -> None:
    bev = costs.xs(("bev", "domestic"), level=("powertrain", "origin"))
    share = bev["purchase_tax"] / bev["pre_tax_price"]
    # 10 % all of 2024 (bases under the bound); 10 % then 25 % from 24 July 2025
    assert share[2025] > share[2024] * 1.2


def test_the_units_name_the_price_year(costs) -> None:
    assert costs.attrs["units"]["total"] == "USD_2025/veh/yr"
    assert costs.attrs["units"]["price_paid"] == "USD_2025/veh"


def test_a_missing_size_share_is_named(data_dir, replace_once) -> None:
    replace_once(data_dir / "choice.csv", "size_share,car,bev,160kW", "size_share,car,phev,1800cc")
    with pytest.raises(
        InputError,
        match=r"choice.csv: no size_share row of class 'car' and "
        r"powertrain_group 'bev'",
    ):
        generalised_costs(api.load_dataset(data_dir), "car")


def test_the_api_refuses_an_unknown_class(dataset) -> None:
    with pytest.raises(InputError, match=r"class 'bus' is not a class of the dataset"):
        api.choice_costs("bus", dataset=dataset)


def test_the_cli_prints_the_table_with_units() -> None:
    result = CliRunner().invoke(
        app, ["choice", "costs", "--origin", "china"], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    assert "bought from China" in result.output
    assert "[USD_2025" in result.output
    assert "/veh/yr]" in result.output
    assert "bev" in result.output


def test_investors_exempt_imports_lower_the_buyers_average_additional_duty(
    dataset, data_dir, replace_once
) -> None:
    # China-built BEVs at the end of the base year: the law's additional duty, flagged as
    # exempt for investors; the share imported under an investment certificate is the
    # parameter <class>.choice.exempt_share.china.bev (default: the row of import_duties.csv)
    duties = dataset.tables["import_duties"]
    china_bev = duties[(duties["origin"] == "china") & (duties["powertrain_group"] == "bev")]

    def latest(variable: str) -> float:
        rows = china_bev[china_bev["variable"] == variable].sort_values("valid_from")
        return float(rows["value"].iloc[-1]) / 100

    exempt = latest("exempt_import_share")
    i = dataset.dims.powertrains.ids.index("bev")
    origins = [dataset.dims.home, *(o for o in dataset.dims.origins.ids if o != dataset.dims.home)]
    k = origins.index("china")
    assert 0 < exempt < 1
    ci = choice_inputs(dataset, "car")
    assert ci.duty[k, i] == pytest.approx(latest("duty_rate"), rel=1e-12)
    assert ci.additional_duty[k, i] == pytest.approx(latest("additional_duty_rate"), rel=1e-12)
    assert ci.exemption[k, i] == 1.0
    assert ci.exemption[origins.index("eu"), i] == 0.0
    # the minimum's threshold (minimum over the rate) is the law's: the exemption cuts both
    assert ci.duty_threshold[k, i] == pytest.approx(
        latest("additional_duty_minimum") * 100 / latest("additional_duty_rate"), rel=1e-12
    )
    # the buyers' average pays the additional duty on the share not exempt (no minimum
    # binds for a car at ten times the threshold)
    base = np.full((1, len(dataset.dims.powertrains.ids), 1), 10 * ci.duty_threshold[k, i])
    none = np.zeros((1, len(origins), len(dataset.dims.powertrains.ids), 1))
    shares = np.full(none.shape[:3], exempt)
    paid = duty_rate(base, ci, none, shares)[0, k, i, 0]
    law = latest("duty_rate") + latest("additional_duty_rate") * (1 - exempt)
    assert paid == pytest.approx(law)
    path = "car.choice.exempt_share.china.bev"
    assert default_parameters(dataset)[path].value == pytest.approx(exempt * 100)
    # without the exempt share no default: the whole additional duty applies
    replace_once(
        data_dir / "import_duties.csv",
        "exempt_import_share,car,china,bev",
        "exempt_import_share,car,china,hev",
    )
    assert path not in default_parameters(evhub.load_dataset(data_dir))


def test_a_flat_rate_the_scenario_sets_gives_the_factor_by_hand(dataset) -> None:
    """One bracket of 20 % for every BEV from 2030: G = 1.2 z-bar on the whole grid."""
    car = dataset.dims.classes.ids[0]
    ci = choice_inputs(dataset, car, brackets={"bev": {2030: "/: 20"}})
    i = dataset.dims.powertrains.ids.index("bev")
    assert ci.tax_from.tolist() == [dataset.base_year + 1, 2030]
    np.testing.assert_allclose(ci.tax_factor[1, i], 1.2 * ci.spread_mean[i], rtol=1e-12)
    # the other groups keep the law's schedule in the new step
    np.testing.assert_array_equal(
        np.delete(ci.tax_factor[1], i, 0), np.delete(ci.tax_factor[0], i, 0)
    )


def test_brackets_in_the_base_year_are_refused(dataset) -> None:
    car = dataset.dims.classes.ids[0]
    with pytest.raises(InputError, match="is not after the base year"):
        choice_inputs(dataset, car, brackets={"bev": {dataset.base_year: "/: 20"}})


def test_a_dataset_row_after_the_base_year_takes_effect_in_its_year(data_dir, replace_once) -> None:
    """No plug-in hybrid qualifies from 2026 (vehicle_taxes.csv); moved to 2028 in a copy."""
    i = evhub.load_dataset().dims.powertrains.ids.index("phev")
    shipped = choice_inputs(evhub.load_dataset(), "car")
    assert shipped.tax_from.tolist() == [2026]
    # from 2026 every plug-in hybrid pays the hybrid rows: dearer than the base year's law
    assert (shipped.tax_factor[0, i] >= shipped.base_tax_factor[i]).all()
    assert (shipped.tax_factor[0, i] > shipped.base_tax_factor[i]).any()
    replace_once(
        data_dir / "vehicle_taxes.csv",
        "purchase_tax_qualifying_share,car,phev,2026-01-01,,,2026,0,",
        "purchase_tax_qualifying_share,car,phev,2028-01-01,,,2028,0,",
    )
    moved = choice_inputs(evhub.load_dataset(data_dir), "car")
    assert moved.tax_from.tolist() == [2026, 2028]
    np.testing.assert_array_equal(moved.tax_factor[0], moved.base_tax_factor)
    np.testing.assert_array_equal(moved.tax_factor[1], shipped.tax_factor[0])


def test_the_additional_duties_minimum_raises_the_duty_of_cheap_imports_from_its_date(
    costs, data_dir
) -> None:
    # without its minimum rows the China-built petrol car pays the rates alone: the same
    # duty before the first minimum (7 Jul 2024), less after it
    path = data_dir / "import_duties.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(
        "".join(line for line in lines if not line.startswith("additional_duty_minimum,")),
        encoding="utf-8",
    )
    rates_only = generalised_costs(api.load_dataset(data_dir), "car")
    china = ("petrol", "china")
    for year, same in ((2023, True), (2024, False), (2025, False)):
        with_minimum = costs.loc[(*china, year), "duty"]
        without = rates_only.loc[(*china, year), "duty"]
        assert bool(with_minimum == pytest.approx(without, rel=1e-12)) is same, year
        assert with_minimum >= without
    # the customs union pays neither
    assert costs.loc[("petrol", "eu", 2025), "duty"] == 0.0


def test_a_minimum_without_an_additional_rate_is_named(data_dir, replace_once) -> None:
    replace_once(
        data_dir / "import_duties.csv",
        "additional_duty_rate,car,china,ice,2025-11-22,2025,25,%,assumption,25,",
        "additional_duty_rate,car,china,ice,2025-11-22,2025,0,%,assumption,0,",
    )
    with pytest.raises(
        InputError,
        match=r"import_duties.csv: origin 'china', powertrain_group 'ice': the "
        r"additional_duty_minimum of 2025-11-22 \(6,000 USD of the price year\) is in force on "
        r"2025-12-31 but the additional_duty_rate then is 0.0: a minimum needs a rate above 0",
    ):
        choice_inputs(api.load_dataset(data_dir), "car")
