"""Policy levers move prices, shares, imports, the fleet and CO2 through the choice model.

Through the public API (``evhub.run(scenario, overrides=...)``) on the shipped
dataset: each lever the issue names moves what it should, in the direction
it should, and nothing moves without one; the properties hold for any size
of the change (hypothesis, a few examples: each is a whole run); a bad lever
gets one message naming the path and the value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evhub
from evhub.dataset import load_dataset
from evhub.errors import InputError
from evhub.scenario import resolve

CARS = "Passenger Cars"
#: Each example is a whole run; the module's baseline is shared, not reset per example.
FIXTURE = HealthCheck.function_scoped_fixture
BEV = f"Sales|{CARS}|BEV"
#: The labels of the powertrains and origins the properties draw (the IAMC names).
LABEL = {
    "petrol": "Petrol",
    "diesel": "Diesel",
    "hev": "HEV",
    "bev": "BEV",
    "china": "China",
    "eu": "EU",
    "other": "Other",
}


def _table(overrides: dict[str, object] | None = None, scenario: str = "baseline") -> pd.DataFrame:
    frame = evhub.run(scenario, overrides=overrides or {}).to_iamc()
    return frame.set_index("Variable").drop(columns=["Model", "Scenario", "Region", "Unit"])


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    return _table()


def _share(table: pd.DataFrame, powertrain: str) -> pd.Series:
    return table.loc[f"Sales|{CARS}|{powertrain}"] / table.loc[f"Sales|{CARS}"]


def test_the_base_year_is_reproduced_whatever_the_levers(baseline: pd.DataFrame) -> None:
    changed = _table({"policy.duty.china.all": -40, "policy.subsidy.car.bev.2026": 5000})
    pd.testing.assert_series_equal(changed.loc[BEV, :2025], baseline.loc[BEV, :2025])


def test_a_china_tariff_cut_lowers_the_bev_price_and_raises_imports_from_china(
    baseline: pd.DataFrame,
) -> None:
    cut = _table({"policy.duty.china.all": -40})
    after = [y for y in baseline.columns if y > 2025]
    # China-built BEVs are cheaper to buy; whether BEV sales rise is the fitted model's call:
    # China's combustion cars and plug-in hybrids lose the whole 40 points (the combustion
    # cars' purchase tax is levied on the duty too), its BEVs only the part of the additional
    # duty that investors' exempt imports did not already escape. So the sign of the EV share's
    # change is the fitted model's call too (it fell once BYD's plug-in hybrids were exempt
    # as its BEVs are, stop 25), as is CO2's
    price = f"Price|{CARS}|BEV"
    assert (cut.loc[price, after] < baseline.loc[price, after]).all()
    china = f"Imports|{CARS}|China"
    assert (cut.loc[china, after] > baseline.loc[china, after]).all()


def test_the_exempt_share_of_chinas_imports_decides_what_a_tariff_cut_gives(
    baseline: pd.DataFrame,
) -> None:
    """BYD's duty-free share of 2025's China-built BEVs (``car.choice.exempt_share.china.bev``).

    The base year is reproduced whatever the share (the constants absorb the duty the
    average buyer paid), and without a change of the duty the later sales barely move
    (the share reprices the exempt cars, not the buyers' choice); after a cut, the more of
    the imports were exempt already, the less China's BEVs gain from it.
    """
    china, bev, base = f"Imports|{CARS}|China", "car.choice.exempt_share.china.bev", 2025
    cut = {"policy.duty.china.all": -40}
    half, all_ = _table({**cut, bev: 50}), _table({**cut, bev: 100})
    pd.testing.assert_series_equal(half.loc[BEV, :base], all_.loc[BEV, :base])
    pd.testing.assert_series_equal(half.loc[BEV, :base], baseline.loc[BEV, :base])
    assert half.loc[china, 2030] > 1.05 * all_.loc[china, 2030]
    assert half.loc[BEV, 2030] > all_.loc[BEV, 2030]
    uncut = _table({bev: 100})
    for variable in (china, BEV):
        assert uncut.loc[variable, 2030] == pytest.approx(baseline.loc[variable, 2030], rel=5e-3)


def test_the_july_2025_purchase_tax_on_bevs_lowered_their_sales(baseline: pd.DataFrame) -> None:
    """Keeping the BEV schedule in force before 24 Jul 2025 sells more BEVs than the law's."""
    before = _table({"policy.purchase_tax_schedule.car.bev": "2025-07-23"})
    assert before.loc[BEV, 2030] > baseline.loc[BEV, 2030]


def test_the_price_lever_and_a_carbon_price_move_the_mix(baseline: pd.DataFrame) -> None:
    dear = _table({"policy.fuel_price.2027": 50, "policy.carbon_price.2030": 100})
    assert _share(dear, "BEV")[2030] > _share(baseline, "BEV")[2030]
    assert _share(dear, "Petrol")[2030] < _share(baseline, "Petrol")[2030]


def test_the_logistic_option_ignores_the_levers() -> None:
    logistic = {"car.market.share_model": "logistic"}
    plain = _table(logistic)
    levered = _table({**logistic, "policy.subsidy.car.bev.2026": 10000})
    pd.testing.assert_series_equal(plain.loc[BEV], levered.loc[BEV])
    assert f"Price|{CARS}|BEV" not in plain.index  # no price without the choice model


@settings(max_examples=5, deadline=None, suppress_health_check=[FIXTURE])
@given(
    powertrain=st.sampled_from(["petrol", "hev", "bev"]),
    points=st.floats(1.0, 40.0),
    year=st.integers(2026, 2035),
)
def test_raising_a_powertrains_purchase_tax_never_raises_its_share(
    baseline: pd.DataFrame, powertrain: str, points: float, year: int
) -> None:
    label = LABEL[powertrain]
    taxed = _table({f"policy.purchase_tax.car.{powertrain}.{year}": points})
    before, after = _share(baseline, label).loc[2026:], _share(taxed, label).loc[2026:]
    assert (after <= before + 1e-12).all()
    assert after[year] < before[year]


@settings(max_examples=5, deadline=None, suppress_health_check=[FIXTURE])
@given(origin=st.sampled_from(["china", "eu", "other"]), points=st.floats(1.0, 100.0))
def test_raising_the_duty_on_an_origin_never_raises_its_share_of_imports(
    baseline: pd.DataFrame, origin: str, points: float
) -> None:
    label = LABEL[origin]
    dutied = _table({f"policy.duty.{origin}.all": points})

    def share(table: pd.DataFrame) -> pd.Series:
        return table.loc[f"Imports|{CARS}|{label}"] / table.loc[f"Imports|{CARS}"]

    after, before = share(dutied).loc[2026:], share(baseline).loc[2026:]
    assert (after <= before + 1e-12).all()
    assert after[2030] < before[2030]


@settings(max_examples=4, deadline=None, suppress_health_check=[FIXTURE])
@given(powertrain=st.sampled_from(["diesel", "hev", "bev"]), points=st.floats(1.0, 30.0))
def test_more_models_of_a_powertrain_on_offer_never_lower_its_share(
    baseline: pd.DataFrame, powertrain: str, points: float
) -> None:
    label = LABEL[powertrain]
    offered = _table({f"choice.offer.car.{powertrain}.2027": points})
    before, after = _share(baseline, label).loc[2026:], _share(offered, label).loc[2026:]
    assert (after >= before - 1e-12).all()
    assert after[2027] > before[2027]
    whole, moved = _share(baseline, label), _share(offered, label)
    pd.testing.assert_series_equal(whole.loc[:2026], moved.loc[:2026])  # before the key


@settings(max_examples=3, deadline=None, suppress_health_check=[FIXTURE])
@given(growth=st.floats(1.0, 60.0), year=st.integers(2026, 2032))
def test_more_public_chargers_never_lower_the_bev_share(
    baseline: pd.DataFrame, growth: float, year: int
) -> None:
    built = _table({f"policy.charger_growth.{year}": growth})
    before, after = _share(baseline, "BEV").loc[2026:], _share(built, "BEV").loc[2026:]
    assert (after >= before - 1e-12).all()
    assert after[year] > before[year]
    whole, moved = _share(baseline, "BEV"), _share(built, "BEV")
    pd.testing.assert_series_equal(whole.loc[: year - 1], moved.loc[: year - 1])  # before the key


def test_an_offer_without_a_powertrain_gives_it_no_share(baseline: pd.DataFrame) -> None:
    # diesel's whole base-year share of the offer taken away from 2028: no diesel model
    gone = _table({"choice.offer.car.diesel.2028": -100})
    share = _share(gone, "Diesel")
    assert (share.loc[2028:] < share.loc[2027]).all()
    assert share.loc[2027] == pytest.approx(_share(baseline, "Diesel").loc[2027], rel=1e-12)


def _law_brackets(group: str, change: float = 0.0) -> str:
    """The car schedule of ``group`` in force at the end of the base year, as the lever writes it.

    Every rate moved by ``change`` points.
    """
    data = load_dataset()
    rows = data.rows("vehicle_taxes", "purchase_tax_rate", **{"class": "car"})
    rows = rows[rows["powertrain_group"] == group]
    last = max(rows["valid_from"], key=lambda d: str(d))
    law = rows[rows["valid_from"] == last]
    assert str(last) <= str(data.base_year + 1)
    return "; ".join(
        f"{size}/{base}: {rate + change:g}"
        for size, base, rate in zip(law["size_upper"], law["base_upper"], law["value"], strict=True)
    )


def test_the_laws_own_brackets_set_from_a_year_change_nothing(baseline: pd.DataFrame) -> None:
    same = _table({"policy.purchase_tax_brackets.car.bev.2027": _law_brackets("bev")})
    pd.testing.assert_frame_equal(same, baseline)


def test_lower_brackets_from_a_year_sell_more_bevs_from_that_year(baseline: pd.DataFrame) -> None:
    """Every BEV rate 15 points lower from 2028, the law's again from 2031."""
    reform = _table(
        {
            "policy.purchase_tax_brackets.car.bev.2028": _law_brackets("bev", -15.0),
            "policy.purchase_tax_brackets.car.bev.2031": _law_brackets("bev"),
        }
    )
    pd.testing.assert_series_equal(reform.loc[BEV, :2027], baseline.loc[BEV, :2027])
    assert (reform.loc[BEV, 2028:2030] > baseline.loc[BEV, 2028:2030]).all()
    # the same cut as a change of every rate: the same sales
    shifted = _table(
        {"policy.purchase_tax.car.bev.2028": -15, "policy.purchase_tax.car.bev.2031": 0}
    )
    pd.testing.assert_series_equal(reform.loc[BEV], shifted.loc[BEV], rtol=1e-9)


_BRACKETS = "policy.purchase_tax_brackets.car.bev"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"policy.purchase_tax_schedule.car.bev": "soon"},
            "policy.purchase_tax_schedule.car.bev = 'soon' is not a date (YYYY-MM-DD)",
        ),
        (
            {"policy.purchase_tax_schedule.car.bev": "2001-01-01"},
            "policy.purchase_tax_schedule.car.bev = '2001-01-01' precedes the first schedule",
        ),
        (
            {"lcv.market.share_model": "choice"},
            "lcv.market.share_model = 'choice', but",
        ),
        ({"policy.subsidy.car.bev.2020": 100}, "year 2020 is not a projection year"),
        (
            {f"{_BRACKETS}.2027": "160kW 1650000: 10"},
            f"{_BRACKETS}.2027: entry 1 '160kW 1650000: 10' is not '<size_upper>/<base_upper>",
        ),
        (
            {f"{_BRACKETS}.2027": "1600cc/: 10; /: 20"},
            "the size '1600cc' is in cc, but the group's bands are in kW",
        ),
        (
            {f"{_BRACKETS}.2027": "200kW/: 10; 160kW/: 20; /: 30"},
            "entry 2: size_upper = '160kW' does not rise above '200kW' of entry 1",
        ),
        (
            {f"{_BRACKETS}.2027": "160kW/: 10"},
            "the last band of 'size_upper' ('160kW', entry 1) has a bound",
        ),
        (
            {f"{_BRACKETS}.2027": "/1650000: 10"},
            "the last band of 'base_upper' ('1650000', entry 1) has a bound",
        ),
        ({f"{_BRACKETS}.2027": "/: -5"}, "the rate '-5' is not a number of % at or above 0"),
        ({f"{_BRACKETS}.2027": "/: 5; /: 6"}, "entry 1 has the same bounds"),
        ({f"{_BRACKETS}.2027": "/abc: 5"}, "'abc' is not empty (no bound) or a positive number"),
        ({f"{_BRACKETS}.2025": "/: 5"}, "year 2025 is not a projection year"),
    ],
)
def test_a_bad_lever_gets_one_message(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=None) as caught:
        evhub.run("baseline", overrides=overrides)
    assert message in str(caught.value)


def test_frozen_levers_change_nothing(baseline: pd.DataFrame) -> None:
    zero = _table({"policy.subsidy.car.bev.2026": 0, "policy.duty.china.all": 0})
    np.testing.assert_allclose(zero.to_numpy(float), baseline.to_numpy(float), equal_nan=True)


@pytest.mark.parametrize(
    ("lever", "message"),
    [
        (
            "purchase_tax_schedule:\n      car:\n        hev: 2b",
            "policy.purchase_tax_schedule.car.hev = '2b' is not a date (YYYY-MM-DD)",
        ),
        (
            "purchase_tax_brackets:\n      car:\n        bev:\n          2027: '10'",
            "policy.purchase_tax_brackets.car.bev.2027: entry 1 '10' is not "
            "'<size_upper>/<base_upper>: <rate>'",
        ),
        (
            "purchase_tax_schedule:\n      car:\n        bev: '2001-01-01'",
            "policy.purchase_tax_schedule.car.bev = '2001-01-01' precedes the first schedule",
        ),
    ],
)
def test_a_bad_purchase_tax_lever_is_refused_when_resolved_naming_its_file(
    tmp_path, dataset, lever: str, message: str
) -> None:
    """Refused by resolve (``evhub scenarios show``, the dashboard), before any chain is set up."""
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\ndescription: a bad lever\nextends: baseline\n"
        f"overrides:\n  policy:\n    {lever}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        resolve(path, dataset)
    assert str(caught.value).startswith(f"{path}: {message}"), str(caught.value)
