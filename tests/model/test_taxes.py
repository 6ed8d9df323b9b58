"""evhub.model.taxes on small schedules worked by hand (shipped ones: tests/test_schedules.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evhub.model.taxes import (
    BandSchedule,
    DatedValues,
    band_value,
    lognormal_nodes,
    price_with_taxes,
    purchase_tax,
    purchase_tax_rate,
    schedule_index,
    tax_base_from_price,
    value_in_force,
    year_shares,
)

INF = math.inf
NAN = math.nan


@pytest.fixture
def schedule() -> BandSchedule:
    """Two schedules of an invented group: cc bands 1600 / open; base brackets by band.

    2020-01-01: up to 1600 cc: 10 % to 100, 20 % to 200, 30 % above; over 1600 cc: 50 %.
    2021-06-15: up to 1600 cc: 15 % to 150, 40 % above; over 1600 cc: 60 %.
    """
    return BandSchedule(
        valid_from=np.array(["2020-01-01", "2021-06-15"], dtype="datetime64[D]"),
        size_upper=np.array([[1600.0, INF], [1600.0, INF]]),
        base_upper=np.array(
            [
                [[100.0, 200.0, INF], [INF, INF, INF]],
                [[150.0, INF, INF], [INF, INF, INF]],
            ]
        ),
        value=np.array(
            [[[10.0, 20.0, 30.0], [50.0, NAN, NAN]], [[15.0, 40.0, NAN], [60.0, NAN, NAN]]]
        ),
        size_unit="cc",
    )


def test_schedule_index_takes_the_last_schedule_on_or_before_the_date() -> None:
    dates = ["2020-01-01", "2021-06-15"]
    assert schedule_index(dates, "2020-01-01") == 0
    assert schedule_index(dates, "2021-06-14") == 0
    assert schedule_index(dates, "2021-06-15") == 1
    assert schedule_index(dates, "2040-01-01") == 1
    with pytest.raises(
        ValueError,
        match=r"date 2019-12-31 is before the first schedule, which takes effect on 2020-01-01",
    ):
        schedule_index(dates, "2019-12-31")


def test_bounds_are_inclusive_and_the_whole_base_pays_its_bracket_rate(
    schedule: BandSchedule,
) -> None:
    bases = np.array([0.0, 100.0, 100.5, 200.0, 200.5, 1e9])
    rates = band_value(schedule, bases, 1600, "2021-01-01")
    np.testing.assert_array_equal(rates, [10, 10, 20, 20, 30, 30])
    # over 1600 cc: one bracket; "inf" is above every band's bound
    np.testing.assert_array_equal(band_value(schedule, bases, 1601, "2021-01-01"), [50] * 6)
    np.testing.assert_array_equal(band_value(schedule, 150.0, INF, "2021-01-01"), 50)
    # not marginal: a base of 200.5 pays 30 % on all of it
    assert float(purchase_tax(schedule, 200.5, 1000, "2021-01-01")) == pytest.approx(
        60.15, rel=1e-15
    )


def test_the_schedule_of_the_date_applies(schedule: BandSchedule) -> None:
    assert float(band_value(schedule, 120.0, 1400, "2021-06-14")) == 20
    assert float(band_value(schedule, 120.0, 1400, "2021-06-15")) == 15
    assert float(band_value(schedule, 151.0, 1400, "2021-06-15")) == 40
    assert float(band_value(schedule, 151.0, 2000, "2021-06-15")) == 60


def test_arrays_broadcast_and_nan_stays_nan(schedule: BandSchedule) -> None:
    bases = np.array([[50.0], [250.0]])  # (2, 1)
    sizes = np.array([1000.0, 2000.0, NAN])  # (3,)
    rates = band_value(schedule, bases, sizes, "2020-05-05")
    assert rates.shape == (2, 3)
    np.testing.assert_array_equal(rates, [[10, 50, NAN], [30, 50, NAN]])
    assert math.isnan(float(band_value(schedule, NAN, 1000, "2020-05-05")))


def test_a_bounded_last_band_leaves_larger_sizes_out() -> None:
    tariff = BandSchedule(
        valid_from=np.array(["2025-01-01"], dtype="datetime64[D]"),
        size_upper=np.array([[1300.0, 1600.0]]),
        base_upper=np.array([[[INF], [INF]]]),
        value=np.array([[[4834.0], [8421.0]]]),
        size_unit="cc",
    )
    np.testing.assert_array_equal(
        band_value(tariff, 1.0, [1300, 1301, 1600, 1601], "2025-06-01"), [4834, 8421, 8421, NAN]
    )


def test_purchase_tax_rate_names_a_missing_group(schedule: BandSchedule) -> None:
    assert float(purchase_tax_rate({"g": schedule}, "g", 100, 1600, "2020-01-01")) == 10
    with pytest.raises(
        ValueError, match=r"no purchase-tax schedule for the powertrain group 'x' \(\['g'\]\)"
    ):
        purchase_tax_rate({"g": schedule}, "x", 100, 1600, "2020-01-01")


def test_price_with_taxes_by_hand() -> None:
    # 100 x 1.45 x 1.18 = 171.1
    assert float(price_with_taxes(100, 45, 18)) == pytest.approx(171.1, rel=1e-15)
    np.testing.assert_allclose(
        price_with_taxes([100, 200], [10, 25], 20), [132.0, 300.0], rtol=1e-15
    )


def test_tax_base_from_price_inverts_price_with_taxes_and_finds_no_base_in_a_jump(
    schedule: BandSchedule,
) -> None:
    date, vat = "2021-01-01", 20.0
    # base 100 at 10 %: 100 x 1.1 x 1.2 = 132; base 100.5 at 20 %: 144.72
    assert float(tax_base_from_price(schedule, 132.0, 1600, date, vat)) == pytest.approx(
        100.0, rel=1e-12
    )
    assert float(tax_base_from_price(schedule, 144.72, 1600, date, vat)) == pytest.approx(
        100.5, rel=1e-12
    )
    # between 132 and 144 (= 100 x 1.2 x 1.2) no base gives the price: the jump at the bound 100
    assert math.isnan(float(tax_base_from_price(schedule, 140.0, 1600, date, vat)))
    # over 1600 cc: 50 %; 180 / 1.5 / 1.2 = 100
    assert float(tax_base_from_price(schedule, 180.0, 2000, date, vat)) == pytest.approx(
        100.0, rel=1e-12
    )


@settings(max_examples=200, deadline=None)
@given(
    base=st.floats(1.0, 1e7, allow_nan=False),
    size=st.sampled_from([900.0, 1600.0, 1601.0, INF]),
    day=st.sampled_from(["2020-03-01", "2021-06-15", "2030-01-01"]),
    vat=st.floats(0.0, 30.0),
)
def test_the_base_of_a_price_is_the_base_it_came_from(
    base: float, size: float, day: str, vat: float
) -> None:
    sched = BandSchedule(
        valid_from=np.array(["2020-01-01", "2021-06-15"], dtype="datetime64[D]"),
        size_upper=np.array([[1600.0, INF], [1600.0, INF]]),
        base_upper=np.array(
            [[[100.0, 200.0, INF], [INF, INF, INF]], [[150.0, INF, INF], [INF, INF, INF]]]
        ),
        value=np.array(
            [[[10.0, 20.0, 30.0], [50.0, NAN, NAN]], [[15.0, 40.0, NAN], [60.0, NAN, NAN]]]
        ),
    )
    price = price_with_taxes(base, band_value(sched, base, size, day), vat)
    # a few roundings of a division and two products of numbers of size `base`
    assert float(tax_base_from_price(sched, price, size, day, vat)) == pytest.approx(
        base, rel=1e-12
    )


def test_dated_values_in_force() -> None:
    vat = DatedValues(
        valid_from=np.array(["2015-01-01", "2023-07-10"], dtype="datetime64[D]"),
        values=np.array([18.0, 20.0]),
    )
    assert float(value_in_force(vat, "2023-07-09")) == 18
    assert float(value_in_force(vat, "2023-07-10")) == 20
    with pytest.raises(ValueError, match="before the first schedule"):
        value_in_force(vat, "2014-12-31")


def test_year_shares_count_days() -> None:
    # 2023: 190 days to 9 Jul under the first, 175 from 10 Jul; 2024 (leap): all under the second
    shares = year_shares(["2023-01-01", "2023-07-10"], [2022, 2023, 2024])
    np.testing.assert_allclose(shares, [[0, 0], [190 / 365, 175 / 365], [0, 1]], rtol=1e-15)
    # a schedule from 2016-11-25: 329 of 2016's 366 days before it
    np.testing.assert_allclose(
        year_shares(["2015-01-01", "2016-11-25"], [2016]), [[329 / 366, 37 / 366]], rtol=1e-15
    )


def test_lognormal_nodes_are_the_mid_quantiles() -> None:
    nodes = lognormal_nodes(np.array([100.0, 1000.0]), 0.5, 4)
    assert nodes.shape == (2, 4)
    # symmetric in log around the median: node i x node n-1-i = median^2
    np.testing.assert_allclose(nodes[:, 0] * nodes[:, 3], [100.0**2, 1000.0**2], rtol=1e-12)
    # the quantile (0 + 1/2)/4 = 0.125 of the standard normal is -1.1503493803760079
    assert nodes[0, 0] == pytest.approx(100 * math.exp(0.5 * -1.1503493803760079), rel=1e-12)
    with pytest.raises(ValueError, match="n = 0 nodes; expected at least 1"):
        lognormal_nodes(100.0, 0.5, 0)


ONE = {
    "valid_from": ["2020-01-01"],
    "size_upper": np.array([[1600.0, INF]]),
    "base_upper": np.array([[[100.0, INF], [INF, INF]]]),
    "value": np.array([[[1.0, 2.0], [3.0, NAN]]]),
}
TWO = {key: np.repeat(value, 2, axis=0) for key, value in ONE.items() if key != "valid_from"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (TWO | {"valid_from": ["2021-01-01", "2020-01-01"]}, "valid_from must rise strictly"),
        (ONE | {"size_upper": np.array([[1600.0, 1400.0]])}, "must rise from band to band"),
        (
            ONE | {"base_upper": np.array([[[INF], [INF]]])},
            r"must have shape \(n_schedules, n_bands",
        ),
        (
            ONE | {"size_upper": np.array([1600.0, INF])},
            r"size_upper must have shape \(n_schedules",
        ),
    ],
)
def test_a_malformed_schedule_is_refused(fields: dict[str, object], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        BandSchedule(**fields)
