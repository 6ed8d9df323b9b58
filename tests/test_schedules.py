"""The shipped tax schedules (evhub.schedules) against examples the sources publish.

Each expected number below is a published figure (its source id of the
dataset's sources.yaml in the comment) or worked from one by hand; the
schedules themselves are read from the shipped tables, so these tests check
the tables and the functions together: a wrong bracket, date or rate in the
data, or a wrong lookup, moves a published price.
"""

from __future__ import annotations

import csv
import math
from importlib import resources
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from evhub import InputError
from evhub.dataset import Dataset, load_dataset
from evhub.model.taxes import (
    band_value,
    price_with_taxes,
    purchase_tax_rate,
    tax_base_from_price,
    value_in_force,
)
from evhub.prices import local_deflator
from evhub.schedules import (
    dated_values,
    list_price_bases,
    ownership_tax_schedules,
    purchase_tax,
    purchase_tax_schedules,
    vat_rates,
)

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))
CAR = "car"


@pytest.fixture(scope="module")
def otv(dataset: Dataset):
    return purchase_tax_schedules(dataset, CAR)


def test_every_powertrain_group_has_a_schedule_from_the_first_date(dataset, otv) -> None:
    assert list(otv) == list(dataset.dims.powertrain_groups.ids)
    assert {str(s.valid_from[0]) for s in otv.values()} == {"2015-01-01"}
    assert {g: s.size_unit for g, s in otv.items()} == {
        "ice": "cc",
        "hev": "cc",
        "phev": "cc",
        "bev": "kW",
    }


def test_the_july_2025_change_of_the_bev_rate(otv) -> None:
    """Togg T10X V1: list 1,440,000 TL with 10 % before 24 Jul 2025, 1,636,363 after (olaymedya)."""
    base = 1_440_000 / 1.10 / 1.20  # 1,090,909 TL, 160 kW
    assert float(purchase_tax_rate(otv, "bev", base, 160, "2025-07-23")) == 10
    assert float(purchase_tax_rate(otv, "bev", base, 160, "2025-07-24")) == 25
    after = price_with_taxes(base, purchase_tax_rate(otv, "bev", base, 160, "2025-07-24"), 20)
    assert float(after) == pytest.approx(1_636_363, abs=1)  # the source rounds down
    # Tesla Model Y RWD, base 1,413,790: the tax change alone gives 2,120,685 (sarjhatti)
    tesla = price_with_taxes(
        1_413_790, purchase_tax_rate(otv, "bev", 1_413_790, 160, "2025-08-01"), 20
    )
    assert float(tesla) == pytest.approx(2_120_685, abs=1)
    # over 160 kW and over 1.65M TL: 75 % (was 60 %), the Model Y Long Range AWD
    assert float(purchase_tax_rate(otv, "bev", 1_904_000, math.inf, "2025-07-28")) == 75
    assert float(purchase_tax_rate(otv, "bev", 1_904_000, math.inf, "2025-07-01")) == 60


def test_the_edges_of_the_november_2022_ice_brackets(otv) -> None:
    """A car of at most 1600 cm3 over 594,720 TL pays 80 % (cottgroup-otv-2022-11)."""
    assert price_with_taxes(280_000, 80, 18) == pytest.approx(594_720, rel=1e-15)
    rates = purchase_tax_rate(otv, "ice", [184_000, 184_001, 280_000, 280_001], 1600, "2023-01-01")
    np.testing.assert_array_equal(rates, [45, 50, 70, 80])
    schedule = otv["ice"]
    # just above the edge: a base just above 280,000 at 80 %
    assert float(tax_base_from_price(schedule, 594_721, 1600, "2023-01-01", 18)) == pytest.approx(
        594_721 / 1.8 / 1.18, rel=1e-12
    )
    # 561,680 = 280,000 x 1.70 x 1.18 is the dearest 70 % car; no car lists between it and 594,720
    assert float(tax_base_from_price(schedule, 561_680, 1600, "2023-01-01", 18)) == pytest.approx(
        280_000, rel=1e-12
    )
    assert math.isnan(float(tax_base_from_price(schedule, 580_000, 1600, "2023-01-01", 18)))


def test_the_november_2023_bev_threshold(otv) -> None:
    """The dearest BEV of the 10 % bracket: 1,914,000 TL from 18 Nov 2023 (memurlar-bev-2023-11)."""
    bev = otv["bev"]
    assert float(tax_base_from_price(bev, 1_914_000, 160, "2023-11-18", 20)) == pytest.approx(
        1_450_000, rel=1e-12
    )
    # the day before, the 10 % bracket ended at 1,250,000: that price had no base
    assert math.isnan(float(tax_base_from_price(bev, 1_914_000, 160, "2023-11-17", 20)))


def test_the_2016_reform(otv) -> None:
    """Agbal, 25 Nov 2016: 45 % to a base of 40,000 TL, 50 % to 70,000, 60 % above (dailysabah)."""
    rates = purchase_tax_rate(otv, "ice", [40_000, 40_001, 70_000, 70_001], 1600, "2016-11-25")
    np.testing.assert_array_equal(rates, [45, 50, 50, 60])
    # the day before: the flat 45 % (ieahev-turkey-policy, mansetx-otv-2016), 90 % and 145 %
    np.testing.assert_array_equal(
        purchase_tax_rate(otv, "ice", 70_001, [1600, 2000, 2001], "2016-11-24"), [45, 90, 145]
    )
    # battery-electric cars of 2015-2021 by motor power: 3 / 7 / 15 % (85 and 120 kW)
    np.testing.assert_array_equal(
        purchase_tax_rate(otv, "bev", 1e6, [85, 120, 121], "2020-12-31"), [3, 7, 15]
    )


@pytest.mark.parametrize(
    ("group", "rate", "vat", "share"),
    [("bev", 25, 20, 33.3), ("ice", 80, 20, 53.7), ("ice", 220, 20, 74.0)],
)
def test_tax_share_of_the_price(otv, group: str, rate: float, vat: float, share: float) -> None:
    """The taxes' share of the retail price, as money_facts gives it (1 - 1/((1+r)(1+v)))."""
    base = {"bev": 1_000_000, "ice": 2_000_000}[group]
    size = {"bev": 160, "ice": 1600 if rate == 80 else 2500}[group]
    day = "2025-07-01" if rate == 80 else "2025-08-01"
    paid = purchase_tax_rate(otv, group, base, size, day)
    assert float(paid) == rate
    price = price_with_taxes(base, paid, vat)
    assert round(100 * (1 - base / float(price)), 1) == share


def test_list_prices_give_the_bases_the_packs_derive(dataset) -> None:
    """prices_fuel_facts derives these bases by hand from the list prices (rounded to 1 TL)."""
    bases = list_price_bases(dataset, CAR).set_index(["model", "valid_from"])["tax_base"]
    expected = {
        ("fiat-egea-sedan-1.4", "2022-10-01"): 201_977,
        ("renault-clio-1.0", "2022-10-01"): 206_215,
        ("renault-megane-sedan-1.3-tce", "2022-10-01"): 263_606,
        ("toyota-corolla-1.5", "2022-10-01"): 274_812,
        ("dacia-duster-1.0-tce-90", "2022-10-01"): 240_066,
        ("togg-t10x-v1-rwd-standard-range", "2023-03-16"): 734_206,
        ("togg-t10x-v1-rwd-standard-range", "2025-07-01"): 1_090_909,
        ("tesla-model-y-rwd", "2025-07-01"): 1_413_790,
        ("tesla-model-y-long-range-rwd", "2025-07-28"): 1_734_000,
        ("tesla-model-y-long-range-awd", "2025-07-28"): 1_904_000,
    }
    for (model, day), base in expected.items():
        assert bases[(model, np.datetime64(day))] == pytest.approx(base, abs=1), model


def test_a_tax_change_leaves_the_base(dataset) -> None:
    """Lists published before and after a change de-tax to one base (the seller kept its price)."""
    table = list_price_bases(dataset, CAR)
    for model in ("hyundai-ioniq-5-125kw", "subaru-solterra", "mini-countryman-e"):
        pair = table[table["model"] == model]
        assert len(pair) == 2
        assert pair["purchase_tax_rate"].nunique() == 2  # different brackets
        # the Ioniq 5's later price is read from a garbled '1 milyon 718 TL': 0.1 %
        assert pair["tax_base"].iloc[1] == pytest.approx(pair["tax_base"].iloc[0], rel=1e-3), model


def test_a_list_price_in_a_jump_is_refused(data_dir: Path, replace_once) -> None:
    import evhub

    # the Togg launch price a day before the bases rose on 4 Mar 2023: 734,206 TL is above the
    # old 700,000 bound at 10 %, and at 40 % the base is below it
    replace_once(
        data_dir / "vehicle_prices.csv",
        "160kW,2023-03-16,2023,953000",
        "160kW,2023-03-03,2023,953000",
    )
    with pytest.raises(InputError) as info:
        list_price_bases(evhub.load_dataset(data_dir), CAR)
    assert str(info.value) == (
        f"{data_dir / 'vehicle_prices.csv'}: list_price of 'togg-t10x-v1-rwd-standard-range' on "
        "2023-03-03: no tax base gives the price 953,000 with the schedule of the group 'bev' in "
        "force then (the price lies in the jump at a bracket's bound): check the price, its date "
        "and its size"
    )


def test_vat(dataset) -> None:
    vat = vat_rates(dataset)
    assert float(value_in_force(vat, "2023-07-09")) == 18  # savas-vat-2023
    assert float(value_in_force(vat, "2023-07-10")) == 20


def test_duties_by_origin_and_group(dataset) -> None:
    def at(variable: str, origin: str, group: str, day: str) -> float:
        series = dated_values(
            dataset, "import_duties", variable, CAR, origin=origin, powertrain_group=group
        )
        return float(value_in_force(series, day))

    # China BEVs: 10 % extra from 12 Aug 2022, 40 % from Mar 2023 (50 % with the duty)
    assert [
        at("additional_duty_rate", "china", "bev", d)
        for d in ("2022-08-11", "2022-08-12", "2023-03-04")
    ] == [0, 10, 40]
    assert (
        at("duty_rate", "china", "bev", "2023-03-04")
        + at("additional_duty_rate", "china", "bev", "2023-03-04")
        == 50
    )
    # China ICE: 40 %, at least USD 7,000 from 7 Jul 2024 (reuters-china-duty-2024)
    assert at("additional_duty_rate", "china", "ice", "2024-07-06") == 0
    assert at("additional_duty_rate", "china", "ice", "2024-07-07") == 40
    assert at("additional_duty_minimum", "china", "ice", "2024-07-07") == 7000
    # EU-built cars pay nothing, whatever the date
    assert (
        at("duty_rate", "eu", "bev", "2025-12-31")
        + at("additional_duty_rate", "eu", "bev", "2025-12-31")
        == 0
    )
    with pytest.raises(
        InputError, match=r"import_duties.csv: variable 'duty_rate' origin='mars' has no rows"
    ):
        dated_values(dataset, "import_duties", "duty_rate", CAR, origin="mars")


def test_ownership_tax_by_motor_power_and_engine(dataset) -> None:
    mtv = ownership_tax_schedules(dataset, CAR)
    # 2025 tariff (mtvgen-bev-2025): a 160 kW BEV (Togg) is in the 150-180 kW band
    np.testing.assert_array_equal(
        band_value(mtv["bev"], 1e6, [70, 160, 241], "2025-06-01"), [1208, 12263, 48062]
    )
    # an EV pays a quarter of the ICE amount (voltavg-mtv-ev): 1,208 = 25 % of 4,834
    assert float(band_value(mtv["ice"], 1e6, 1300, "2025-06-01")) / 4 == pytest.approx(1208, abs=1)
    # 2026 = 2025 x 1.2549 (onedio-mtv-2026); engines over 2000 cm3 are not in the tariff read
    assert float(band_value(mtv["ice"], 1e6, 1600, "2026-03-01")) == pytest.approx(
        8421 * 1.2549, abs=0.01
    )
    assert math.isnan(float(band_value(mtv["ice"], 1e6, 2500, "2025-06-01")))


def test_the_2016_spread_of_tax_bases_is_the_lognormal_through_its_shares(dataset) -> None:
    """tax_base_log_sd and tax_base_median of 2016 follow from the two published shares."""
    shares = dataset.rows(
        "tax_bases", "tax_base_below_share", **{"class": CAR, "powertrain_group": "ice"}
    )
    (b1, p1), (b2, p2) = sorted(
        zip(shares["base_upper"].astype(float), shares["value"] / 100, strict=True)
    )
    z1, z2 = NormalDist().inv_cdf(p1), NormalDist().inv_cdf(p2)
    sigma = math.log(b2 / b1) / (z2 - z1)
    median = b1 * math.exp(-z1 * sigma)
    rows = dataset.tables["tax_bases"]
    of_2016 = rows[(rows["year"] == 2016) & (rows["powertrain_group"] == "ice")].set_index(
        "variable"
    )
    assert of_2016.at["tax_base_log_sd", "value"] == pytest.approx(sigma, abs=5e-5)  # 4 decimals
    assert of_2016.at["tax_base_median", "value"] == pytest.approx(median, abs=0.5)  # whole TL


def _socio(variable: str) -> dict[int, float]:
    with (SHIPPED / "socioeconomic.csv").open(encoding="utf-8") as f:
        return {
            int(r["year"]): float(r["value"])
            for r in csv.DictReader(f)
            if r["variable"] == variable
        }


def test_local_money_in_dollars_of_the_price_year(dataset) -> None:
    """A lira of 2023: deflated at home, exchanged at 2025's rate; or exchanged, then US CPI."""
    fx, nat, us = _socio("exchange_rate"), _socio("national_cpi"), _socio("us_cpi")
    national = local_deflator(dataset, 2023, where="test")
    assert national == pytest.approx(nat[2025] / nat[2023] / fx[2025], rel=1e-15)
    abroad = local_deflator(dataset, 2023, where="test", deflate="us")
    assert abroad == pytest.approx(us[2025] / us[2023] / fx[2023], rel=1e-15)
    # in the price year itself both are one over its exchange rate
    assert local_deflator(dataset, 2025, where="t") == local_deflator(
        dataset, 2025, where="t", deflate="us"
    )
    with pytest.raises(InputError, match=r"has no 'us_cpi' row for 2014"):
        local_deflator(dataset, 2014, where="test", deflate="us")


def test_the_national_cpi_chains_the_published_inflation(dataset) -> None:
    index, inflation = _socio("national_cpi"), _socio("national_inflation")
    for year in range(2016, 2026):
        # the index has 2 decimals and the published changes 2: 1e-4 relative
        assert index[year] / index[year - 1] == pytest.approx(
            1 + inflation[year] / 100, rel=1e-4
        ), year


def test_ac_and_dc_sockets_add_up_to_the_total(dataset) -> None:
    rows = dataset.rows("chargers", "public_chargers")
    for year in (2023, 2024):  # EPDK's 2025 split sums to 38,146, not its 38,808 (the row's note)
        of_year = rows[rows["year"] == year].set_index("outlet")["value"]
        assert of_year["public_ac"] + of_year["public_dc"] == of_year[""]


def test_the_charger_projections_follow_the_observed_sockets(dataset) -> None:
    """EPDK's projections of public sockets after the base year (chargers.csv)."""
    rows = dataset.rows("chargers", "public_chargers", outlet="")
    later = rows[rows["year"] > dataset.base_year].set_index("year")
    assert set(later["status"]) == {"projection"}
    observed = rows[rows["year"] <= dataset.base_year]
    assert set(observed["status"]) <= {"observed", "derived"}
    path = dataset.series("chargers", "public_chargers", outlet="")
    assert (path.diff().dropna() > 0).all()  # the build-out keeps rising
    # middle case 2030: 142,000 points for 1,321,932 EVs; the low and high EV cases
    # (776,362 and 1,679,600) at the same sockets per EV, rounded to whole sockets
    per_ev = 142_000 / 1_321_932
    assert later.loc[2030, "low"] == round(776_362 * per_ev)
    assert later.loc[2030, "high"] == round(1_679_600 * per_ev)
    # 2035: the published high case (347,934) and the low EV case at 273,000 / 3,307,577;
    # the ratio reproduces EPDK's own high case to 0.03 %, hence the method
    assert later.loc[2035, "high"] == 347_934
    # ... which the middle case's sockets per EV gives within 3e-4 (EPDK's rounding)
    assert later.loc[2035, "high"] == pytest.approx(4_214_273 * 273_000 / 3_307_577, rel=3e-4)
    assert later.loc[2035, "low"] == round(1_779_488 * 273_000 / 3_307_577)


def test_plug_in_hybrids_that_do_not_qualify_pay_the_hybrid_rates(dataset) -> None:
    """From 2 Aug 2024 3 of 23 PHEV models (13 %) met the conditions (gazetevatan-phev-otv-2024-07).

    A 1.5-litre PHEV with a base of 1,300,000 TL: the qualifying ones pay 30 %, the others the
    hybrid rate of the base (80 % above 350,000 TL): on average 0.13 x 30 + 0.87 x 80 = 73.5 %.
    Before the date every PHEV pays the group's rows (the hybrid ones, 80 %).
    """
    tax = purchase_tax(dataset, CAR)
    assert tax.otherwise == {"phev": "hev"}
    after = np.datetime64("2024-09-01")
    rate = tax.rate("phev", np.array([1_300_000.0]), 1500.0, after)
    np.testing.assert_allclose(rate, [0.13 * 30 + 0.87 * 80])
    assert tax.share("phev", np.datetime64("2024-08-01")) == 1.0
    np.testing.assert_allclose(
        tax.rate("phev", np.array([1_300_000.0]), 1500.0, np.datetime64("2024-08-01")), [80.0]
    )
    # a group without a share pays its own rows
    np.testing.assert_allclose(
        tax.rate("hev", np.array([1_300_000.0]), 1500.0, after),
        band_value(tax.schedules["hev"], 1_300_000.0, 1500.0, after),
    )


def test_a_qualifying_share_needs_a_group_for_the_others(data_dir, replace_once) -> None:
    replace_once(data_dir / "dimensions.yaml", "    tax_otherwise: hev\n", "")
    with pytest.raises(InputError) as info:
        purchase_tax(load_dataset(data_dir), CAR)
    assert str(info.value) == (
        f"{data_dir / 'vehicle_taxes.csv'}: purchase_tax_qualifying_share of the group 'phev': "
        "the vehicles that do not meet the conditions pay the rows of the group its "
        "tax_otherwise names (dimensions.yaml), but it names none"
    )
