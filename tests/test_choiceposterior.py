"""The choice model's posterior (evhub.choiceposterior) and the tables the dataset ships from it:
current against a short seeded run, consistent with their draws, reproducible, and the
mistakes they refuse."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import evhub
from evhub import choiceposterior, fitdoc
from evhub.choiceposterior import SHIPPED, SHORT
from evhub.errors import InputError

#: How far the short run's median may lie from the shipped one, as a share of the shipped
#: 90 % interval. The short run keeps 2,000 steps per walker, some 7 autocorrelation times
#: (about 300 steps); on five seeds its medians fell within 0.09 of that interval, so 0.25
#: leaves room for a machine's rounding to take the chains elsewhere, while a change of data
#: or priors that moves the mode by a quarter of the posterior's width fails.
MEDIAN_TOLERANCE = 0.25


@pytest.fixture(scope="module")
def short(dataset):
    return choiceposterior.sample(dataset, "car", SHORT)


@pytest.fixture(scope="module")
def shipped(dataset):
    return dataset.tables[choiceposterior.FIT_TABLE]


def _stale(shipped: pd.DataFrame, fresh: pd.DataFrame) -> list[str]:
    """The shipped rows whose median a fresh run moves by more than the tolerance."""
    assert list(fresh["variable"]) == list(shipped["variable"])
    assert list(fresh["powertrain_group"]) == list(shipped["powertrain_group"])
    assert list(fresh["kind"]) == list(shipped["kind"])
    assert list(fresh["unit"]) == list(shipped["unit"])
    out = []
    for (_, old), (_, new) in zip(shipped.iterrows(), fresh.iterrows(), strict=True):
        width = float(old["high"]) - float(old["low"])
        if abs(float(new["value"]) - float(old["value"])) > MEDIAN_TOLERANCE * width:
            out.append(f"{old['variable']}.{old['powertrain_group']}.{old['kind']}")
    return out


def test_the_shipped_tables_are_current_against_a_short_seeded_run(dataset, short, shipped) -> None:
    assert _stale(shipped, choiceposterior.fit_table(dataset, [short])) == []
    # the shipped rows say which run made them: a change of SHIPPED needs --write
    assert all(
        f"{SHIPPED.walkers} walkers x {SHIPPED.steps} steps, burn-in {SHIPPED.burn}, "
        f"thin {SHIPPED.thin}, seed {SHIPPED.seed}" in note
        for note in shipped["note"]
    )
    assert set(shipped["status"]) == {"derived"}
    assert set(shipped["source"]) == {choiceposterior.SOURCE}


def test_the_shipped_values_are_the_median_and_percentiles_of_the_shipped_draws(
    dataset, shipped
) -> None:
    draws = pd.read_csv(dataset.path / choiceposterior.DRAWS_FILE)
    assert list(draws.columns) == ["draw", "parameter", "value"]
    for row in shipped.to_dict("records"):
        name = ".".join(
            x for x in ("car", row["variable"], row["powertrain_group"], row["kind"]) if x
        )
        values = draws.loc[draws["parameter"] == name, "value"]
        assert len(values) == SHIPPED.draws, name
        assert list(draws.loc[values.index, "draw"]) == list(range(SHIPPED.draws))
        # the draws are written to 6 significant digits, so are the percentiles
        assert values.median() == pytest.approx(float(row["value"]), rel=1e-5), name
        assert values.quantile(0.05) == pytest.approx(float(row["low"]), rel=1e-5), name
        assert values.quantile(0.95) == pytest.approx(float(row["high"]), rel=1e-5), name


def test_the_shipped_parameters_lie_in_their_priors_ranges(dataset, shipped) -> None:
    priors = dataset.tables["choice"]
    for row in shipped.to_dict("records"):
        if row["variable"] == "cost_sensitivity":
            continue  # its prior is the cost_exponent over the mean cost (choicefit)
        prior = priors[
            (priors["variable"] == row["variable"])
            & (priors["class"] == "car")
            & (priors["powertrain_group"] == row["powertrain_group"])
            & (priors["kind"] == row["kind"])
        ]
        assert len(prior) == 1, row
        low, high = float(prior["low"].iloc[0]), float(prior["high"].iloc[0])
        assert low <= float(row["low"]) <= float(row["value"]) <= float(row["high"]) <= high


def test_a_seeded_run_reproduces_itself_and_another_seed_does_not(dataset, short) -> None:
    tiny = replace(SHORT, steps=40, burn=20, thin=10)
    first = choiceposterior.sample(dataset, "car", tiny, mode=short.mode)
    again = choiceposterior.sample(dataset, "car", tiny, mode=short.mode)
    other = choiceposterior.sample(dataset, "car", replace(tiny, seed=15), mode=short.mode)
    pd.testing.assert_frame_equal(first.draws, again.draws)
    assert not np.allclose(first.draws.to_numpy(), other.draws.to_numpy())
    assert len(first.draws) == tiny.draws == 24 * 2


def test_the_summary_sets_prior_against_posterior(short) -> None:
    table = choiceposterior.summary(short)
    assert set(table.index) == set(short.mode.parameters.index)
    # a prior's range holds its posterior interval; the constants have no prior
    has_prior = table["prior"].notna()
    assert (table.loc[has_prior, "low"] >= table.loc[has_prior, "prior_low"] - 1e-12).all()
    assert (table.loc[has_prior, "high"] <= table.loc[has_prior, "prior_high"] + 1e-12).all()
    assert table.loc[~has_prior].index.str.startswith("constant.").all()
    assert (table.loc[has_prior, "narrowing"] > 0).all()
    assert (table.loc[has_prior, "narrowing"] <= 1.0 + 1e-12).all()


def test_one_non_financial_cost_per_group_and_kind(data_dir, replace_once) -> None:
    # a range cost for the ICE group: one parameter each for petrol, diesel and LPG, which
    # choice_fit.csv (one row per group and kind) cannot hold
    row = (
        "nonfinancial_initial,car,bev,,availability,,1000,USD_2025/veh/yr,assumption,0,10000,"
        "evhub-assumption,"
    )
    replace_once(
        data_dir / "choice.csv",
        row,
        row.replace(",bev,", ",ice,") + '"a test"\n' + row,
    )
    with pytest.raises(
        InputError,
        match=r"choice.csv: nonfinancial_initial of group 'ice', kind 'availability' is fitted "
        r"for 'petrol' and 'diesel' apart; choice_fit.csv has one row per group and kind",
    ):
        choiceposterior.sample(evhub.load_dataset(data_dir), "car", SHORT)


def test_a_changed_prior_makes_the_shipped_tables_stale(data_dir, replace_once, shipped) -> None:
    # the inertia's prior moved from 0.7 (0.2-1) to 0.95 (0.9-1): its posterior follows, so
    # the shipped table no longer matches a fresh run of the changed dataset
    replace_once(
        data_dir / "choice.csv",
        "inertia_rate,car,,,,,0.7,1/yr,assumption,0.2,1,",
        "inertia_rate,car,,,,,0.95,1/yr,assumption,0.9,1,",
    )
    changed = evhub.load_dataset(data_dir)
    fresh = choiceposterior.fit_table(changed, [choiceposterior.sample(changed, "car", SHORT)])
    assert "inertia_rate.." in _stale(shipped, fresh)


def test_the_fit_page_sets_the_shipped_posterior_against_the_prior(dataset, shipped) -> None:
    (section,) = fitdoc._choice(dataset)
    rows = {r["parameter"]: r for r in section["rows"]}
    kappa = shipped[shipped["variable"] == "inertia_rate"].iloc[0]
    assert rows["inertia_rate"]["posterior"] == (
        f"{fitdoc._number(float(kappa['value']))} ({fitdoc._number(float(kappa['low']))} – "
        f"{fitdoc._number(float(kappa['high']))})"
    )
    # the constants have no prior and no shipped posterior; the chain recalibrates them
    assert rows["constant.hev"]["posterior"] == "not shipped"
    assert rows["constant.hev"]["prior_range"] == "flat"
    # a flagged parameter says why, and the figure draws it in the flagged colour
    flagged = [r for r in section["rows"] if not r["identified"]]
    assert flagged and all(r["why"] for r in flagged)
    drawn = [r for r in section["rows"] if r["scaled"] is not None]
    assert len(drawn) == len(shipped)  # every shipped parameter, nothing else
    figure = section["figure"]
    assert figure.count(f'fill="{fitdoc._FLAGGED_COLOUR}"') == 2 * sum(
        not r["identified"] for r in drawn
    )  # a bar and a dot each
    assert figure.count("(not identified)") == sum(not r["identified"] for r in drawn)
